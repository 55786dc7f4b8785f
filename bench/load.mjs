// Load generator for the side-by-side benchmarks (bench/run.sh drives it through bench.mjs).
//
//   node bench/load.mjs SCENARIO --port P --pid PID [options]
//
// SCENARIO is one of
//   memory  open N idle Socket.IO connections and report the server's RSS growth per connection
//   bcast   M clients in one room; a driver emits "bcast" K times; server CPU per delivered "msg"
//   echo    C clients each doing R sequential "echo" acks; server CPU per round trip and latency
//   verify  a few real socket.io-client connections: echo, join, bcast (checks the raw client's
//           view of the wire against the official client's)
//
// The server's PID is only read from /proc (VmRSS, utime+stime, per-thread schedstat). Every
// target is 127.0.0.1:PORT; every loop is bounded in count and in time (--timeout-ms). One JSON
// object is printed on stdout at the end; progress and errors go to stderr. Exit status 0 when
// the scenario completed and its counts verified, 1 otherwise (the JSON still says what
// happened).
//
// Most connections use RawClient (raw-client.mjs): a minimal Socket.IO v5 client over
// Engine.IO v4 on a plain `ws` WebSocket, so that the generator costs little per connection and
// per message.

import fs from "node:fs";
import http from "node:http";
import process from "node:process";
import { performance } from "node:perf_hooks";
import { boundedAll, percentile } from "./load-util.mjs";
import { RawClient } from "./raw-client.mjs";
import { io as realIo } from "socket.io-client";

// --- options -------------------------------------------------------------------------------

const USAGE = `usage: node bench/load.mjs memory|bcast|echo|verify --port P --pid PID [options]
  memory: --n N[,N...] (2000) --transport websocket|polling --settle-ms MS (3000) --warmup N (50)
  bcast:  --clients M (1000) --real R (5 of them socket.io-client) --count K (200) --window W (1)
          --payload-bytes B (default: a 32-character string) --warm-rounds N (20)
  echo:   --clients C (1000; give 100) --rounds R (200) --warm-rounds N (20)
  all:    --concurrency N (200 handshakes in flight) --timeout-ms MS (120000)
`;

function parseArgs(argv) {
  const o = {
    scenario: argv[0],
    port: 0,
    pid: 0,
    n: [2000], // memory: connection counts at which RSS is read (--n 2000,10000)
    transport: "websocket", // memory: websocket | polling
    concurrency: 200, // handshakes in flight while connecting
    settleMs: 3000, // memory: wait after the last connection before reading RSS
    warmup: 50, // memory: connections opened and closed before the baseline
    clients: 1000, // bcast: room members; echo: clients
    real: 5, // bcast: how many of the room members are real socket.io-client clients
    count: 200, // bcast: K broadcasts
    window: 1, // bcast: broadcasts in flight (1 = wait for each ack)
    payload: "0123456789abcdef0123456789abcdef", // bcast payload (a 32-character string)
    rounds: 200, // echo: sequential round trips per client
    warmRounds: 20, // bcast: warm-up broadcasts; echo: warm-up round trips per client
    timeoutMs: 120000, // whole scenario
  };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const num = () => {
      const s = v();
      if (!/^\d+$/.test(s)) throw new Error(`${a} needs a non-negative integer`);
      return Number(s);
    };
    switch (a) {
      case "--port": o.port = num(); break;
      case "--pid": o.pid = num(); break;
      case "--n": {
        const list = v().split(",");
        if (!list.every((x) => /^\d+$/.test(x))) throw new Error("--n needs N[,N...]");
        o.n = list.map(Number);
        break;
      }
      case "--transport": o.transport = v(); break;
      case "--concurrency": o.concurrency = Math.max(1, num()); break;
      case "--settle-ms": o.settleMs = num(); break;
      case "--warmup": o.warmup = num(); break;
      case "--clients": o.clients = num(); break;
      case "--real": o.real = num(); break;
      case "--count": o.count = num(); break;
      case "--window": o.window = Math.max(1, num()); break;
      case "--payload-bytes": o.payload = "x".repeat(num()); break;
      case "--rounds": o.rounds = num(); break;
      case "--warm-rounds": o.warmRounds = num(); break;
      case "--timeout-ms": o.timeoutMs = num(); break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!["memory", "bcast", "echo", "verify"].includes(o.scenario)) {
    throw new Error("scenario must be memory, bcast, echo or verify");
  }
  if (!o.port) throw new Error("--port is required");
  if (o.scenario !== "verify" && !o.pid) throw new Error("--pid is required");
  if (!["websocket", "polling"].includes(o.transport)) throw new Error("bad --transport");
  return o;
}

const log = (...a) => process.stderr.write(`[load] ${a.join(" ")}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- /proc readers -------------------------------------------------------------------------

/** VmRSS of the process, in bytes. */
function rssBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** Number of open file descriptors of the process (connections plus a few). */
function fdCount(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

/**
 * CPU time of the whole process: utime+stime from /proc/PID/stat (clock ticks, every thread
 * including exited ones) and, for finer resolution, the sum of the per-thread on-CPU
 * nanoseconds in /proc/PID/task/TID/schedstat (live threads only).
 */
function cpuSample(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const ticks = utime + stime;
  let ns = 0;
  let threads = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      threads++;
    } catch {
      // thread exited between readdir and read
    }
  }
  return { ticks, utime, stime, ns, threads, t: performance.now() };
}

const CLK_TCK = 100; // Linux USER_HZ on every common architecture (getconf CLK_TCK)

function cpuDelta(a, b) {
  return {
    ticks: b.ticks - a.ticks,
    tickSeconds: (b.ticks - a.ticks) / CLK_TCK,
    userSeconds: (b.utime - a.utime) / CLK_TCK,
    systemSeconds: (b.stime - a.stime) / CLK_TCK,
    schedSeconds: (b.ns - a.ns) / 1e9,
    wallSeconds: (b.t - a.t) / 1000,
    threads: b.threads,
  };
}

// --- a minimal polling-only Socket.IO client (idle connections only) -----------------------

const pollAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 64 });

function httpRequest(method, path, port, body, onRequest) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path, method, agent: pollAgent,
        headers: body === undefined ? {} : { "Content-Type": "text/plain;charset=UTF-8" } },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (onRequest) onRequest(req);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

class PollingClient {
  constructor(port) {
    this.port = port;
    this.sid = null;
    this.connected = false;
    this.closed = false;
    this.errors = [];
    this.pings = 0;
    this.req = null;
  }

  path() {
    return `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(this.sid)}`;
  }

  async connect() {
    const open = await httpRequest("GET", "/socket.io/?EIO=4&transport=polling", this.port);
    if (open.status !== 200 || open.body[0] !== "0") throw new Error(`handshake ${open.status}`);
    this.sid = JSON.parse(open.body.slice(1)).sid;
    const post = await httpRequest("POST", this.path(), this.port, "40");
    if (post.status !== 200) throw new Error(`POST 40 -> ${post.status}`);
    // The CONNECT answer (and maybe the fixture's "auth" event) arrive on the next GETs.
    for (let i = 0; i < 5 && !this.connected; i++) await this.pollOnce();
    if (!this.connected) throw new Error("no CONNECT answer");
    this.loop(); // keep one GET parked, as a real client does
    return this;
  }

  async pollOnce() {
    const r = await httpRequest("GET", this.path(), this.port, undefined, (req) => { this.req = req; });
    this.req = null;
    if (r.status !== 200) throw new Error(`GET -> ${r.status}`);
    for (const p of r.body.split("\x1e")) {
      if (p.startsWith("40")) this.connected = true;
      else if (p === "2") {
        this.pings++;
        await httpRequest("POST", this.path(), this.port, "3");
      } else if (p === "1") this.closed = true;
    }
  }

  async loop() {
    while (!this.closed && !stopping) {
      try {
        await this.pollOnce();
      } catch (e) {
        if (!stopping && !this.closed) this.errors.push(String(e.message ?? e));
        this.closed = true;
      }
    }
  }

  close() {
    this.closed = true;
    if (this.req) this.req.destroy(); // abort the parked GET: the server sees the connection go
  }
}

let stopping = false;

// --- helpers ---------------------------------------------------------------------------------

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Polls `cond` every 10 ms until it holds or `ms` pass; returns whether it held. */
async function waitFor(cond, ms) {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) return false;
    await sleep(10);
  }
  return true;
}

function connectReal(port) {
  return new Promise((resolve, reject) => {
    const s = realIo(`http://127.0.0.1:${port}`, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      timeout: 10000,
    });
    s.once("connect", () => resolve(s));
    s.once("connect_error", (e) => {
      s.close();
      reject(e);
    });
  });
}

// --- scenarios -------------------------------------------------------------------------------

async function scenarioMemory(o) {
  const make = o.transport === "websocket" ? () => new RawClient(o.port) : () => new PollingClient(o.port);
  const checkpoints = [...new Set(o.n)].sort((a, b) => a - b);
  // Warm-up: exercise the connection path once so that lazily initialised code and buffers are
  // in the baseline, not in the per-connection figure.
  const warm = await boundedAll(o.warmup, o.concurrency, () => make().connect());
  for (const c of warm) c.close();
  await sleep(1000);
  const rssBefore = rssBytes(o.pid);
  const fdBefore = fdCount(o.pid);

  const clients = [];
  let failed = 0;
  const errors = [];
  const points = [];
  for (const target of checkpoints) {
    // Open connections until `target` are open (bounded: each attempt counts, failed or not).
    const t0 = performance.now();
    const attempts = target - clients.length - failed;
    await boundedAll(Math.max(0, attempts), o.concurrency, async () => {
      const c = make();
      try {
        await c.connect();
        clients.push(c);
      } catch (e) {
        failed++;
        if (errors.length < 5) errors.push(String(e.message ?? e));
      }
    });
    const connectSeconds = (performance.now() - t0) / 1000;
    log(`memory: ${clients.length}/${target} ${o.transport} connected (${connectSeconds.toFixed(1)} s)`);

    // Settle, sampling RSS once a second; the figure is the last sample.
    const samples = [];
    const settleEnd = performance.now() + o.settleMs;
    while (performance.now() < settleEnd) {
      await sleep(Math.min(1000, Math.max(1, settleEnd - performance.now())));
      samples.push(rssBytes(o.pid));
    }
    const rss = rssBytes(o.pid);
    const n = clients.length;
    points.push({
      target,
      connected: n,
      stillOpen: clients.filter((c) => c.connected && !c.closed).length,
      connectSeconds,
      rss,
      rssSamples: samples,
      fd: fdCount(o.pid),
      bytesPerConnection: n > 0 ? (rss - rssBefore) / n : NaN,
    });
  }

  // Liveness check on a sample of the connections (websocket only: polling would need a POST).
  let echoChecked = 0;
  if (o.transport === "websocket") {
    const step = Math.max(1, Math.floor(clients.length / 20));
    for (let i = 0; i < clients.length; i += step) {
      const r = await withTimeout(clients[i].emitWithAck("echo", i), 5000, "liveness echo");
      if (r[0] !== i) throw new Error(`echo mismatch ${JSON.stringify(r)}`);
      echoChecked++;
    }
  }
  const stillOpen = clients.filter((c) => c.connected && !c.closed).length;
  stopping = true;
  for (const c of clients) c.close();
  const clientErrors = clients.reduce((n, c) => n + c.errors.length, 0);
  return {
    ok: failed === 0 && stillOpen === clients.length && clientErrors === 0 &&
      points.every((p) => p.connected === p.target && p.stillOpen === p.connected),
    transport: o.transport,
    failed,
    stillOpen,
    clientErrors,
    errors,
    rssBefore,
    fdBefore,
    points,
    echoChecked,
  };
}

async function scenarioBcast(o) {
  const room = "bench-room";
  const M = o.clients;
  const R = Math.min(o.real, M);
  const counts = new Int32Array(M);
  let badPayload = 0;
  let otherEvents = 0;
  const expected = o.payload;
  const onEventFor = (i) => (name, args) => {
    if (name === "msg") {
      counts[i]++;
      if (args[0] !== expected) badPayload++;
    } else if (name !== "auth") {
      otherEvents++;
    }
  };

  // Room members: R real socket.io-client clients, then raw clients.
  const members = [];
  const realSockets = [];
  for (let i = 0; i < R; i++) {
    const s = await connectReal(o.port);
    const h = onEventFor(i);
    s.on("msg", (...args) => h("msg", args));
    await s.timeout(10000).emitWithAck("join", room);
    realSockets.push(s);
  }
  const raw = await boundedAll(M - R, o.concurrency, async (j) => {
    const c = new RawClient(o.port, { onEvent: onEventFor(R + j) });
    await c.connect();
    await c.emitWithAck("join", room);
    return c;
  });
  members.push(...raw);
  const driver = await new RawClient(o.port).connect();
  log(`bcast: ${M} members (${R} socket.io-client) joined`);

  const runBroadcasts = async (k) => {
    let sent = 0;
    const worker = async () => {
      while (sent < k) {
        sent++;
        await driver.emitWithAck("bcast", room, expected);
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.window, k) }, worker));
  };
  const total = () => counts.reduce((a, b) => a + b, 0);

  // Warm-up (JIT, buffers), not measured.
  await runBroadcasts(o.warmRounds);
  const warmOk = await waitFor(() => total() === M * o.warmRounds, 30000);
  if (!warmOk) log(`bcast: warm-up delivered ${total()} of ${M * o.warmRounds}`);
  counts.fill(0);
  badPayload = 0;
  await sleep(200);

  const cpu0 = cpuSample(o.pid);
  await runBroadcasts(o.count);
  const acked = performance.now();
  const all = await waitFor(() => total() >= M * o.count, Math.max(5000, o.timeoutMs / 2));
  const cpu1 = cpuSample(o.pid);
  const delivered = total();
  await sleep(300); // anything late or duplicated?
  const deliveredLate = total();
  const cpu = cpuDelta(cpu0, cpu1);
  const min = counts.reduce((a, b) => Math.min(a, b), Infinity);
  const max = counts.reduce((a, b) => Math.max(a, b), 0);
  const realCounts = Array.from(counts.slice(0, R));

  stopping = true;
  for (const c of members) c.close();
  driver.close();
  for (const s of realSockets) s.close();
  const clientErrors = members.reduce((n, c) => n + c.errors.length, 0) + driver.errors.length;
  const expectedTotal = M * o.count;
  return {
    ok: all && delivered === expectedTotal && deliveredLate === expectedTotal && badPayload === 0 &&
      otherEvents === 0 && clientErrors === 0 && warmOk,
    clients: M,
    realClients: R,
    broadcasts: o.count,
    window: o.window,
    payloadBytes: expected.length,
    expected: expectedTotal,
    delivered,
    deliveredLate,
    minPerClient: min,
    maxPerClient: max,
    realCounts,
    badPayload,
    otherEvents,
    clientErrors,
    ackSeconds: (acked - cpu0.t) / 1000,
    cpu,
    usPerMessageTicks: (cpu.tickSeconds * 1e6) / expectedTotal,
    usPerMessage: (cpu.schedSeconds * 1e6) / expectedTotal,
    messagesPerSecond: delivered / cpu.wallSeconds,
  };
}

async function scenarioEcho(o) {
  const C = o.clients;
  const clients = await boundedAll(C, o.concurrency, () => new RawClient(o.port).connect());
  log(`echo: ${C} clients connected`);
  let mismatches = 0;
  const run = async (c, idx, rounds, lat) => {
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      const ans = await c.emitWithAck("echo", "ping", { c: idx, r });
      if (lat) lat.push(performance.now() - t);
      if (ans.length !== 2 || ans[0] !== "ping" || ans[1].c !== idx || ans[1].r !== r) mismatches++;
    }
  };
  await Promise.all(clients.map((c, i) => run(c, i, o.warmRounds, null)));
  await sleep(200);
  mismatches = 0;

  const lat = [];
  const cpu0 = cpuSample(o.pid);
  await Promise.all(clients.map((c, i) => run(c, i, o.rounds, lat)));
  const cpu1 = cpuSample(o.pid);
  const cpu = cpuDelta(cpu0, cpu1);
  lat.sort((a, b) => a - b);
  stopping = true;
  for (const c of clients) c.close();
  const trips = C * o.rounds;
  const clientErrors = clients.reduce((n, c) => n + c.errors.length, 0);
  return {
    ok: lat.length === trips && mismatches === 0 && clientErrors === 0,
    clients: C,
    rounds: o.rounds,
    roundTrips: lat.length,
    mismatches,
    clientErrors,
    cpu,
    usPerRoundTripTicks: (cpu.tickSeconds * 1e6) / trips,
    usPerRoundTrip: (cpu.schedSeconds * 1e6) / trips,
    roundTripsPerSecond: trips / cpu.wallSeconds,
    latencyMs: {
      p50: percentile(lat, 50),
      p90: percentile(lat, 90),
      p99: percentile(lat, 99),
      max: lat[lat.length - 1],
    },
  };
}

/** The official client against the same server: connect, echo, join, bcast, and a raw peer. */
async function scenarioVerify(o) {
  const checks = [];
  const check = (name, cond, detail = "") => checks.push({ name, ok: !!cond, detail });
  const real = [];
  for (let i = 0; i < 3; i++) real.push(await connectReal(o.port));
  check("socket.io-client connects over websocket", real.every((s) => s.connected));
  // emitWithAck resolves with the first argument only; the callback form sees them all.
  const e = await new Promise((resolve, reject) => {
    real[0].timeout(5000).emit("echo", "a", 1, { b: [2, 3] }, (err, ...args) => (err ? reject(err) : resolve(args)));
  });
  check("echo ack returns the same arguments", JSON.stringify(e) === JSON.stringify(["a", 1, { b: [2, 3] }]), JSON.stringify(e));
  const rawGot = [];
  const rawPeer = await new RawClient(o.port, {
    onEvent: (name, args) => { if (name === "msg") rawGot.push(args[0]); },
  }).connect();
  const got = real.map(() => []);
  real.forEach((s, i) => s.on("msg", (p) => got[i].push(p)));
  for (const s of real) await s.timeout(5000).emitWithAck("join", "v");
  await rawPeer.emitWithAck("join", "v");
  const rawEcho = await rawPeer.emitWithAck("echo", "x", { y: 1 });
  check("raw client echo matches", JSON.stringify(rawEcho) === JSON.stringify(["x", { y: 1 }]), JSON.stringify(rawEcho));
  await real[1].timeout(5000).emitWithAck("bcast", "v", { hello: "world" });
  await rawPeer.emitWithAck("bcast", "v", "from-raw");
  await waitFor(() => got.every((g) => g.length === 2) && rawGot.length === 2, 5000);
  check("every member (3 socket.io-client + 1 raw) got both broadcasts",
    got.every((g) => JSON.stringify(g) === JSON.stringify([{ hello: "world" }, "from-raw"])) &&
      JSON.stringify(rawGot) === JSON.stringify([{ hello: "world" }, "from-raw"]),
    JSON.stringify({ got, rawGot }));
  for (const s of real) s.close();
  rawPeer.close();
  return { ok: checks.every((c) => c.ok), checks };
}

// --- main ------------------------------------------------------------------------------------

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`load.mjs: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  const scenario = { memory: scenarioMemory, bcast: scenarioBcast, echo: scenarioEcho, verify: scenarioVerify }[o.scenario];
  let result;
  try {
    result = await withTimeout(scenario(o), o.timeoutMs, o.scenario);
  } catch (e) {
    result = { ok: false, error: String(e.stack ?? e) };
  }
  result.scenario = o.scenario;
  const own = process.cpuUsage();
  result.generatorCpuSeconds = (own.user + own.system) / 1e6;
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // Sockets are terminated; do not wait for timers of half-closed ones.
  process.exit(result.ok ? 0 : 1);
}

main();
