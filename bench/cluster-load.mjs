// Load generator of the cross-node broadcast benchmark (bench/cluster.mjs drives it).
//
//   node bench/cluster-load.mjs --a PORT --b PORT --pids a=PID,b=PID,redis=PID [options]
//
// Two fixture nodes A and B share one redis-server through the Redis adapter. Receivers join
// room `bench-room` (most on B, a few on A); a sender on A emits `bcast(room, payload)`, so each
// broadcast reaches B's receivers only through Redis. Phases, in order:
//   warm-up     a few hundred broadcasts, not measured
//   throughput  broadcasts kept --window in flight end to end (a broadcast is in flight until
//               every receiver got it), for --tput-count broadcasts or --tput-seconds
//   latency     broadcasts at a fixed --rate for --lat-seconds; latency is the time from the
//               send timestamp in the payload to the receipt on each of B's receivers
// The processes named in --pids (and this one) are sampled from /proc at each phase boundary.
// Every target is 127.0.0.1; every loop is bounded in count and time (--timeout-ms). One JSON
// object goes to stdout; progress and errors to stderr. Exit status 0 when every receiver got
// every broadcast exactly once, in order, unaltered.

import net from "node:net";
import process from "node:process";
import { performance } from "node:perf_hooks";
import { boundedAll, percentile } from "./load-util.mjs";
import { CLK_TCK, cpuSample, machineTicks, sleep } from "./proc-util.mjs";
import { RawClient } from "./raw-client.mjs";

const USAGE = `usage: node bench/cluster-load.mjs --a PORT --b PORT --pids a=PID,b=PID,redis=PID [options]
  --mode classic|sharded (classic)  --redis-port P (needed for sharded)
  --receivers R (on B, 100)  --receivers-a R (on A, 5)  --payload-bytes N (64)
  --warm N (200)  --window W (32)  --tput-count N (20000)  --tput-seconds S (10)
  --rate BCAST_PER_S (200)  --lat-seconds S (10)  --timeout-ms MS (120000)
`;

const ROOM = "bench-room";

function parseArgs(argv) {
  const o = {
    a: 0,
    b: 0,
    pids: {},
    mode: "classic",
    redisPort: 0,
    receivers: 100,
    receiversA: 5,
    payloadBytes: 64,
    warm: 200,
    window: 32,
    tputCount: 20000,
    tputSeconds: 10,
    rate: 200,
    latSeconds: 10,
    timeoutMs: 120000,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const num = () => {
      const s = v();
      if (!/^\d+(\.\d+)?$/.test(s)) throw new Error(`${a} needs a non-negative number`);
      return Number(s);
    };
    switch (a) {
      case "--a": o.a = num(); break;
      case "--b": o.b = num(); break;
      case "--pids":
        for (const kv of v().split(",")) {
          const [k, p] = kv.split("=");
          if (!k || !/^\d+$/.test(p ?? "")) throw new Error("--pids needs name=PID[,name=PID...]");
          o.pids[k] = Number(p);
        }
        break;
      case "--mode": o.mode = v(); break;
      case "--redis-port": o.redisPort = num(); break;
      case "--receivers": o.receivers = Math.max(1, num()); break;
      case "--receivers-a": o.receiversA = num(); break;
      case "--payload-bytes": o.payloadBytes = Math.max(32, num()); break;
      case "--warm": o.warm = Math.max(1, num()); break;
      case "--window": o.window = Math.max(1, num()); break;
      case "--tput-count": o.tputCount = Math.max(1, num()); break;
      case "--tput-seconds": o.tputSeconds = num(); break;
      case "--rate": o.rate = Math.max(1, num()); break;
      case "--lat-seconds": o.latSeconds = num(); break;
      case "--timeout-ms": o.timeoutMs = num(); break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!o.a || !o.b) throw new Error("--a and --b are required");
  if (!["classic", "sharded"].includes(o.mode)) throw new Error("--mode must be classic or sharded");
  if (o.mode === "sharded" && !o.redisPort) throw new Error("--mode sharded needs --redis-port");
  return o;
}

const log = (...a) => process.stderr.write(`[cluster-load] ${a.join(" ")}\n`);

// --- /proc samples ---------------------------------------------------------------------------

/** utime+stime ticks and the per-thread on-CPU nanoseconds of one process; null once it is gone. */
function procSample(pid) {
  try {
    return cpuSample(pid);
  } catch {
    return null;
  }
}

function sampleAll(pids) {
  const procs = {};
  for (const [k, pid] of Object.entries(pids)) procs[k] = procSample(pid);
  const own = process.cpuUsage();
  return { t: performance.now(), procs, generator: (own.user + own.system) / 1e6, machine: machineTicks() };
}

/**
 * CPU seconds of every process between two samples (schedstat where it exists, else ticks),
 * the generator's own, and what the rest of the machine used; `util` is in CPUs (1 = one
 * core busy all along).
 */
function cpuBetween(s0, s1) {
  const wall = (s1.t - s0.t) / 1000;
  const out = { wallSeconds: wall, procs: {} };
  let known = 0;
  for (const k of Object.keys(s0.procs)) {
    const a = s0.procs[k];
    const b = s1.procs[k];
    if (!a || !b) {
      out.procs[k] = null;
      continue;
    }
    const seconds = b.ns > 0 ? (b.ns - a.ns) / 1e9 : (b.utime + b.stime - a.utime - a.stime) / CLK_TCK;
    known += seconds;
    out.procs[k] = {
      seconds,
      userSeconds: (b.utime - a.utime) / CLK_TCK,
      systemSeconds: (b.stime - a.stime) / CLK_TCK,
      util: seconds / wall,
    };
  }
  const gen = s1.generator - s0.generator;
  out.procs.generator = { seconds: gen, util: gen / wall };
  const busy = (s1.machine.busy - s0.machine.busy) / CLK_TCK;
  out.machineUtil = busy / wall;
  out.otherUtil = Math.max(0, (busy - known - gen) / wall);
  return out;
}

// --- a Redis command on a fresh connection (sharded mode readiness) -------------------------

function redisCommand(port, args, ms = 1000) {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    let buf = "";
    const done = (v) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(null), ms);
    sock.setEncoding("utf8");
    sock.once("error", () => done(null));
    sock.once("connect", () => {
      sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`);
    });
    sock.on("data", (c) => {
      buf += c;
      // PUBSUB SHARDNUMSUB <one channel> answers *2 $<n> <channel> :<count>
      const m = /:(\d+)\r\n$/.exec(buf);
      if (m) done(Number(m[1]));
    });
  });
}

// --- helpers ---------------------------------------------------------------------------------

/** Polls `cond` every 10 ms until it holds or `ms` pass. */
async function waitFor(cond, ms) {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) return false;
    await sleep(10);
  }
  return true;
}

// --- the scenario ----------------------------------------------------------------------------

async function run(o, state) {
  const R = o.receivers;
  const RA = o.receiversA;
  const total = R + RA;
  const latMax = Math.ceil(o.rate * o.latSeconds);
  const maxSeq = o.warm + o.tputCount + latMax;
  // Deliveries per broadcast; a broadcast completes when every receiver has it.
  const got = new Uint32Array(maxSeq);
  let completed = 0;
  let onComplete = null;
  const prefix = '42["msg","';
  const frameLength = prefix.length + o.payloadBytes + 2; // payload, then `"]`
  const errors = { order: 0, payload: 0, other: 0 };
  const samples = { latency: null, n: 0, phaseStart: Infinity, phaseEnd: Infinity };

  const makeReceiver = (onB) => {
    let expect = 0;
    return (s) => {
      if (!s.startsWith(prefix)) {
        if (!s.startsWith('42["auth",')) errors.other++; // the fixture greets every connection
        return;
      }
      if (s.length !== frameLength) errors.payload++;
      const c1 = s.indexOf(":", prefix.length);
      const c2 = s.indexOf(":", c1 + 1);
      const seq = Number(s.slice(prefix.length, c1));
      if (!(seq >= 0 && seq < maxSeq) || c2 < 0) {
        errors.payload++;
        return;
      }
      // Redis keeps the order of one publisher's messages and a node writes them in order.
      if (seq !== expect) errors.order++;
      expect = seq + 1;
      if (onB && seq >= samples.phaseStart && seq < samples.phaseEnd && samples.n < samples.latency.length) {
        samples.latency[samples.n++] = performance.now() - Number(s.slice(c1 + 1, c2));
      }
      if (++got[seq] === total) {
        completed++;
        if (onComplete) onComplete();
      }
    };
  };

  log(`connecting ${R} receivers to B (:${o.b}) and ${RA} to A (:${o.a})`);
  const onB = await boundedAll(R, 100, () => new RawClient(o.b, { onRawEvent: makeReceiver(true) }).connect());
  state.clients.push(...onB);
  const onA = await boundedAll(RA, 100, () => new RawClient(o.a, { onRawEvent: makeReceiver(false) }).connect());
  state.clients.push(...onA);
  const sender = await new RawClient(o.a).connect();
  state.clients.push(sender);
  await boundedAll(total, 100, (i) => (i < R ? onB[i] : onA[i - R]).emitWithAck("join", ROOM));

  // Both nodes must know each other before a broadcast can cross.
  let count = 0;
  for (let i = 0; i < 200 && count !== 2; i++) {
    const [ca] = await sender.emitWithAck("cluster-count");
    const [cb] = await onB[0].emitWithAck("cluster-count");
    count = ca === 2 && cb === 2 ? 2 : 0;
    if (count !== 2) await sleep(50);
  }
  if (count !== 2) throw new Error("cluster-count did not reach 2 on both nodes within 10 s");
  if (o.mode === "sharded") {
    // Dynamic sharded nodes SSUBSCRIBE to the room's channel when it appears, without waiting.
    let subs = 0;
    for (let i = 0; i < 200 && subs !== 2; i++) {
      subs = await redisCommand(o.redisPort, ["PUBSUB", "SHARDNUMSUB", `socket.io#/#${ROOM}#`]);
      if (subs !== 2) await sleep(25);
    }
    if (subs !== 2) throw new Error(`SHARDNUMSUB of the room channel is ${subs}, not 2, after 5 s`);
  }

  let seq = 0;
  let acked = 0;
  let ackErrors = 0;
  const pad = "x".repeat(o.payloadBytes);
  const send = () => {
    const head = `${seq}:${performance.now().toFixed(3)}:`;
    const payload = head + pad.slice(head.length);
    seq++;
    sender.emitWithAck("bcast", ROOM, payload).then(
      (a) => (a.length === 0 ? acked++ : ackErrors++),
      () => ackErrors++,
    );
  };

  /** Keeps `window` broadcasts in flight until `n` were sent or `deadline` passed. */
  const windowed = (n, deadline) =>
    new Promise((resolve) => {
      const first = seq;
      const end = first + n;
      const pump = () => {
        while (seq < end && seq - first - (completed - state.completedBefore) < o.window) {
          if (performance.now() > deadline) break;
          send();
        }
        if (completed - state.completedBefore === seq - first && (seq >= end || performance.now() > deadline)) {
          onComplete = null;
          resolve(seq - first);
        }
      };
      onComplete = pump;
      pump();
    });
  const hardEnd = performance.now() + o.timeoutMs - 5000;

  // Warm-up: JIT, buffers, Redis connections.
  state.completedBefore = completed;
  const warmDone = await Promise.race([windowed(o.warm, hardEnd), sleep(20000).then(() => -1)]);
  if (warmDone !== o.warm) throw new Error(`warm-up: ${completed} of ${o.warm} broadcasts reached every receiver in 20 s`);
  await sleep(300);

  // Throughput at saturation.
  log(`throughput: window ${o.window}, up to ${o.tputCount} broadcasts or ${o.tputSeconds} s`);
  state.completedBefore = completed;
  const t0 = sampleAll(o.pids);
  const tputDeadline = Math.min(hardEnd, t0.t + o.tputSeconds * 1000);
  const drainLimit = Math.max(0, hardEnd - tputDeadline - 1000);
  const sentTput = await Promise.race([windowed(o.tputCount, tputDeadline), sleep(o.tputSeconds * 1000 + drainLimit).then(() => -1)]);
  const t1 = sampleAll(o.pids);
  if (sentTput < 0) throw new Error(`throughput: broadcasts still in flight ${drainLimit} ms after the end`);
  const tputCpu = cpuBetween(t0, t1);
  const tput = {
    broadcasts: sentTput,
    seconds: tputCpu.wallSeconds,
    broadcastsPerSecond: sentTput / tputCpu.wallSeconds,
    messagesPerSecond: (sentTput * total) / tputCpu.wallSeconds,
    messagesPerSecondB: (sentTput * R) / tputCpu.wallSeconds,
    cpu: tputCpu,
  };
  await sleep(300);

  // Latency at a fixed rate, below saturation.
  const n = Math.min(latMax, maxSeq - seq);
  log(`latency: ${o.rate} broadcasts/s for ${o.latSeconds} s (${n} broadcasts)`);
  samples.latency = new Float64Array(n * R);
  samples.n = 0;
  samples.phaseStart = seq;
  samples.phaseEnd = seq + n;
  const latFirst = seq;
  const doneBefore = completed;
  const l0 = sampleAll(o.pids);
  const period = 1000 / o.rate;
  let behind = false;
  for (let i = 0; i < n; i++) {
    const due = l0.t + i * period;
    const now = performance.now();
    if (now > hardEnd) break;
    if (due > now) await sleep(due - now);
    // More than two seconds' worth of broadcasts in flight: the rate is above saturation.
    if (seq - latFirst - (completed - doneBefore) > o.rate * 2) {
      behind = true;
      break;
    }
    send();
  }
  const latSent = seq - latFirst;
  const sentAt = performance.now();
  const latOk = await waitFor(() => completed - doneBefore === latSent, Math.max(1000, hardEnd - performance.now()));
  const l1 = sampleAll(o.pids);
  const lat = Array.from(samples.latency.subarray(0, samples.n)).sort((x, y) => x - y);
  const latency = {
    rate: o.rate,
    broadcasts: latSent,
    achievedRate: latSent / ((sentAt - l0.t) / 1000),
    fellBehind: behind,
    samples: lat.length,
    p50: percentile(lat, 50),
    p90: percentile(lat, 90),
    p99: percentile(lat, 99),
    max: lat[lat.length - 1],
    cpu: cpuBetween(l0, l1),
  };

  // Anything duplicated or late?
  await sleep(300);
  const expectedSeq = seq;
  let complete = 0;
  let over = 0;
  for (let i = 0; i < expectedSeq; i++) {
    if (got[i] === total) complete++;
    else if (got[i] > total) over++;
  }
  await waitFor(() => acked + ackErrors === expectedSeq, 2000);
  const clientErrors = state.clients.reduce((k, c) => k + c.errors.length, 0);
  const checks = {
    broadcasts: expectedSeq,
    everyReceiverGotAll: complete === expectedSeq,
    incomplete: expectedSeq - complete - over,
    duplicated: over,
    outOfOrder: errors.order,
    badPayload: errors.payload,
    otherEvents: errors.other,
    acked,
    ackErrors,
    clientErrors,
  };
  const ok = latOk && !behind && complete === expectedSeq && over === 0 && errors.order === 0 &&
    errors.payload === 0 && errors.other === 0 && acked === expectedSeq && clientErrors === 0 &&
    lat.length === latSent * R;
  return { ok, receivers: R, receiversA: RA, payloadBytes: o.payloadBytes, window: o.window, tput, latency, checks };
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`cluster-load.mjs: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  const state = { clients: [], completedBefore: 0 };
  let result;
  let timer;
  try {
    result = await Promise.race([
      run(o, state),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${o.timeoutMs} ms`)), o.timeoutMs);
      }),
    ]);
  } catch (e) {
    result = { ok: false, error: String(e.stack ?? e) };
  }
  clearTimeout(timer);
  for (const c of state.clients) c.close();
  const own = process.cpuUsage();
  result.generatorCpuSeconds = (own.user + own.system) / 1e6;
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(result.ok ? 0 : 1);
}

main();
