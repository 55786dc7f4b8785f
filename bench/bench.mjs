// Runs the side-by-side benchmarks and writes bench/RESULTS.md and bench/results.svg. Started
// by bench/run.sh, which installs the npm packages and builds the C++ fixture and the C++ load
// generator (bench/loadgen) first.
//
//   node bench/bench.mjs [--reps N] [--quick] [--out FILE] [--cpp-bin PATH] [--loadgen-bin PATH]
//   node bench/bench.mjs --render bench/.work/results.json [--out FILE]   (report from saved data)
//
// For every repetition and scenario each server under test is started fresh (port 0, on
// 127.0.0.1 only, pinned to CPU 0 with taskset), socketio-loadgen runs against it pinned to
// CPU 1, and the server is stopped with SIGTERM (SIGKILL by PID after 5 s). The servers
// alternate order within a repetition, and the order flips from one repetition to the next,
// so that slow drift of the machine favours neither.

import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { writeReport } from "./report.mjs";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoDir = path.resolve(benchDir, "..");
const workDir = path.join(benchDir, ".work");

// --- options -------------------------------------------------------------------------------

const opts = {
  reps: 3,
  quick: false,
  out: null,
  cppBin: path.join(repoDir, "build/release/examples/socketio-fixture-server"),
  loadgenBin: path.join(repoDir, "build/release/bench/loadgen/socketio-loadgen"),
  command: process.env.BENCH_COMMAND ?? "node bench/bench.mjs",
};
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--reps") opts.reps = Math.max(1, Math.min(20, Number(v()) || 3));
    else if (a === "--quick") opts.quick = true;
    else if (a === "--out") opts.out = path.resolve(v());
    else if (a === "--cpp-bin") opts.cppBin = path.resolve(v());
    else if (a === "--loadgen-bin") opts.loadgenBin = path.resolve(v());
    else if (a === "--render") opts.render = path.resolve(v());
    else throw new Error(`unknown argument ${a}`);
  }
  if (opts.quick && !process.argv.includes("--reps")) opts.reps = 1;
  opts.out ??= opts.quick ? path.join(workDir, "RESULTS-quick.md") : path.join(benchDir, "RESULTS.md");
}

const log = (...a) => process.stderr.write(`[bench] ${a.join(" ")}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- the plan ------------------------------------------------------------------------------

// Sizes. The full run takes about 20 minutes on 2 CPUs; --quick about a minute.
const sizes = opts.quick
  ? {
      fanout: { clients: 200, broadcasts: 100, inFlight: 32, payload: 100 },
      echo: { clients: 20, rounds: 200 },
      pollFanout: { clients: 50, broadcasts: 50, inFlight: 8, payload: 100 },
      idle: [500, 1000],
      pings: [500],
      window: 3,
    }
  : {
      fanout: { clients: 1000, broadcasts: 500, inFlight: 32, payload: 100 },
      echo: { clients: 100, rounds: 1000 },
      pollFanout: { clients: 200, broadcasts: 200, inFlight: 8, payload: 100 },
      idle: [1000, 10000, 19000],
      pings: [1000, 19000],
      window: 10,
    };
// One generator process holds at most this many connections (the open-file limit is 20,000
// per process, hard); above it the connections are split over two processes.
const perProcessConnections = 15000;
const settleMs = 3000; // idle: from the last connection to the RSS reading
const pingIntervalMs = 1000;

const common = ["--port", "0", "--ping-interval", "25000", "--ping-timeout", "20000"];
const pingArgs = ["--port", "0", "--ping-interval", String(pingIntervalMs), "--ping-timeout", "5000"];

// The Node reference fixture runs from a copy inside bench/.work so that `socket.io` and
// `engine.io` resolve to bench/node_modules (installed from bench/package-lock.json).
const fixtureCopy = path.join(workDir, "fixture.mjs");

const servers = {
  cpp1: { label: "C++ (--threads 1)", cmd: opts.cppBin, args: (c) => [...c, "--threads", "1"] },
  cpp2: { label: "C++ (--threads 2)", cmd: opts.cppBin, args: (c) => [...c, "--threads", "2"] },
  node: { label: "Node socket.io", cmd: process.execPath, args: (c) => [fixtureCopy, ...c] },
};

const fo = sizes.fanout;
const pf = sizes.pollFanout;
const scenarios = [
  {
    id: "fanout",
    kind: "load",
    servers: ["cpp1", "node", "cpp2"],
    gen: ["fanout", "--clients", fo.clients, "--broadcasts", fo.broadcasts, "--in-flight", fo.inFlight, "--payload-bytes", fo.payload],
    timeoutMs: 120000,
  },
  {
    id: "echo",
    kind: "load",
    servers: ["cpp1", "node", "cpp2"],
    gen: ["echo", "--clients", sizes.echo.clients, "--rounds", sizes.echo.rounds],
    timeoutMs: 120000,
  },
  {
    id: "poll-fanout",
    kind: "load",
    servers: ["cpp1", "node"],
    gen: ["fanout", "--transport", "polling", "--clients", pf.clients, "--broadcasts", pf.broadcasts, "--in-flight", pf.inFlight, "--payload-bytes", pf.payload],
    timeoutMs: 120000,
  },
  ...sizes.idle.map((n) => ({ id: `idle-${n}`, kind: "idle", n, pings: false, servers: ["cpp1", "node"], timeoutMs: 180000 })),
  ...sizes.pings.map((n) => ({ id: `pings-${n}`, kind: "idle", n, pings: true, servers: ["cpp1", "node"], timeoutMs: 180000 })),
];

// --- /proc -----------------------------------------------------------------------------------

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** utime, stime (ticks) and the per-thread schedstat sum (ns) of a process. */
function cpuSample(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  let ns = 0;
  let threads = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      threads++;
    } catch {
      // the thread exited between readdir and read
    }
  }
  return { utime: Number(fields[11]), stime: Number(fields[12]), ns, threads, t: performance.now() };
}

/** The same shape as the generator's "cpu" object, so that the report treats both alike. */
function cpuDelta(a, b) {
  const wallSeconds = (b.t - a.t) / 1000;
  const schedSeconds = (b.ns - a.ns) / 1e9;
  return {
    ok: true,
    userTicks: b.utime - a.utime,
    systemTicks: b.stime - a.stime,
    ticksPerSecond: CLK_TCK,
    userSeconds: (b.utime - a.utime) / CLK_TCK,
    systemSeconds: (b.stime - a.stime) / CLK_TCK,
    schedSeconds,
    wallSeconds,
    busy: schedSeconds / wallSeconds,
    threads: b.threads,
  };
}

function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** Busy and total ticks of the whole machine, from the first line of /proc/stat. */
function machineTicks() {
  const v = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - v[3] - v[4], total };
}

function processTicks(pid) {
  try {
    const s = cpuSample(pid);
    return s.utime + s.stime;
  } catch {
    return NaN;
  }
}

// --- processes -------------------------------------------------------------------------------

function startServer(key, pings) {
  const s = servers[key];
  return new Promise((resolve, reject) => {
    // taskset execs the server, so the child's PID is the server's.
    const child = spawn("taskset", ["-c", "0", s.cmd, ...s.args(pings ? pingArgs : common)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${key}: no "listening" line within 10 s; stderr: ${err.slice(-500)}`));
    }, 10000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m && timer) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), pid: child.pid, stderr: () => err });
      }
    });
    child.stderr.on("data", (d) => {
      err += d;
      if (err.length > 20000) err = err.slice(-10000);
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return { exit: child.exitCode, signal: child.signalCode, before: true };
  }
  const exited = new Promise((r) => child.once("exit", (code, signal) => r({ exit: code, signal })));
  process.kill(child.pid, "SIGTERM");
  const res = await Promise.race([exited, sleep(5000).then(() => null)]);
  if (res) return res;
  process.kill(child.pid, "SIGKILL");
  return { ...(await exited), killed: true };
}

/** One socketio-loadgen process pinned to CPU 1; its stdout is one JSON object per line. */
class Generator {
  constructor(args) {
    this.child = spawn("taskset", ["-c", "1", opts.loadgenBin, ...args.map(String)], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.events = [];
    this.waiters = [];
    this.stderr = "";
    // "close", not "exit": it comes after stdout has been read to the end, so the last line
    // (the result) is never lost to a process that exits quickly.
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code, signal) => {
        this.exit = { code, signal };
        this.notify();
        resolve(this.exit);
      });
    });
    this.child.stderr.on("data", (d) => {
      this.stderr += d;
      if (this.stderr.length > 20000) this.stderr = this.stderr.slice(-10000);
    });
    readline.createInterface({ input: this.child.stdout }).on("line", (line) => {
      try {
        this.events.push(JSON.parse(line));
      } catch {
        this.events.push({ event: "garbage", line });
      }
      this.notify();
    });
    this.child.stdin.on("error", () => {}); // the generator may exit before reading
  }

  notify() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The first event named `name`; an error object when the process exits first or time runs out. */
  async event(name, timeoutMs) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const e = this.events.find((x) => x.event === name);
      if (e) return e;
      const done = this.events.find((x) => x.event === "done");
      if (done && name !== "done") return { ...done, ok: false, error: done.error ?? `ended before "${name}"` };
      if (this.exit) return { ok: false, error: `generator exited (${JSON.stringify(this.exit)}) before "${name}": ${this.stderr.slice(-500)}` };
      const left = end - Date.now();
      if (left <= 0) return { ok: false, error: `no "${name}" from the generator within ${timeoutMs} ms` };
      await new Promise((r) => {
        const timer = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  }

  go() {
    this.child.stdin.write("go\n");
  }

  async stop() {
    if (!this.exit) {
      await Promise.race([this.exited, sleep(3000)]);
      if (!this.exit) {
        process.kill(this.child.pid, "SIGKILL");
        await this.exited;
      }
    }
  }
}

// --- one run ---------------------------------------------------------------------------------

async function runLoad(sc, srv, timeoutMs) {
  const gen = new Generator([...sc.gen, "--port", srv.port, "--server-pid", srv.pid, "--deadline", Math.floor(timeoutMs / 1000) - 5]);
  const done = await gen.event("done", timeoutMs);
  await gen.stop();
  return { ...done, generatorCpuSeconds: done.generatorCpuSeconds ?? 0 };
}

async function runIdle(sc, srv, timeoutMs) {
  const procs = Math.ceil(sc.n / perProcessConnections);
  const gens = [];
  for (let p = 0; p < procs; p++) {
    const n = Math.floor(sc.n / procs) + (p < sc.n % procs ? 1 : 0);
    const args = [sc.pings ? "idle-pings" : "idle", "--port", srv.port, "--clients", n, "--deadline", Math.floor(timeoutMs / 1000) - 5,
      // Each process its own source addresses: 127.<p+1>.0.1 and the next 31.
      "--source-first", `127.${p + 1}.0.1`, "--source-count", 32, "--liveness", Math.ceil(20 / procs)];
    if (sc.pings) args.push("--window", sizes.window, "--ping-interval-ms", pingIntervalMs);
    gens.push(new Generator(args));
  }
  const r = { n: sc.n, procs, pings: sc.pings };
  const fail = async (error) => {
    for (const g of gens) process.kill(g.child.pid, "SIGKILL");
    for (const g of gens) await g.exited;
    return { ...r, ok: false, error, generatorCpuSeconds: 0 };
  };
  const all = async (name, ms) => {
    const evs = await Promise.all(gens.map((g) => g.event(name, ms)));
    const bad = evs.find((e) => e.ok === false);
    return bad ? { error: bad.error } : { evs };
  };

  let step = await all("ready", 30000);
  if (step.error) return fail(step.error);
  r.rssBefore = rssBytes(srv.pid);
  const c0 = cpuSample(srv.pid);
  for (const g of gens) g.go();
  step = await all("connected", timeoutMs / 2);
  if (step.error) return fail(step.error);
  const c1 = cpuSample(srv.pid);
  r.connected = step.evs.reduce((a, e) => a + e.connected, 0);
  r.connectSeconds = Math.max(...step.evs.map((e) => e.connectSeconds));
  r.connectCpu = cpuDelta(c0, c1);
  r.usPerConnect = (r.connectCpu.schedSeconds * 1e6) / sc.n;
  r.connectGenerators = step.evs.map((e) => e.generator);
  // Idle: no traffic but heartbeats (none at all with the 25 s interval). RSS once settled.
  await sleep(settleMs);
  r.rssAfter = rssBytes(srv.pid);
  r.bytesPerConnection = (r.rssAfter - r.rssBefore) / sc.n;
  const w0 = cpuSample(srv.pid);
  for (const g of gens) g.go();
  if (sc.pings) {
    step = await all("window", sizes.window * 1000 + 30000);
    if (step.error) return fail(step.error);
    const w1 = cpuSample(srv.pid);
    r.windowCpu = cpuDelta(w0, w1);
    r.pingsAnswered = step.evs.reduce((a, e) => a + e.pings, 0);
    r.minPingsPerClient = Math.min(...step.evs.map((e) => e.minPerClient));
    r.expectedMinPingsPerClient = Math.min(...step.evs.map((e) => e.expectedMinPerClient));
    r.windowSeconds = Math.max(...step.evs.map((e) => e.windowSeconds));
    r.usPerPing = (r.windowCpu.schedSeconds * 1e6) / r.pingsAnswered;
    r.rssWindowEnd = rssBytes(srv.pid);
  }
  const dones = await Promise.all(gens.map((g) => g.event("done", 30000)));
  for (const g of gens) await g.stop();
  r.generators = dones;
  r.ok = dones.every((d) => d.ok === true);
  if (!r.ok) r.error = dones.filter((d) => !d.ok).map((d) => d.error).join("; ");
  r.generatorCpuSeconds = dones.reduce((a, d) => a + (d.generatorCpuSeconds ?? 0), 0);
  return r;
}

async function runOne(key, sc) {
  const srv = await startServer(key, sc.pings);
  const m0 = machineTicks();
  const s0 = processTicks(srv.pid);
  const started = Date.now();
  let result;
  try {
    result = sc.kind === "idle" ? await runIdle(sc, srv, sc.timeoutMs) : await runLoad(sc, srv, sc.timeoutMs);
  } catch (e) {
    result = { ok: false, error: String(e.stack ?? e), generatorCpuSeconds: 0 };
  }
  const seconds = (Date.now() - started) / 1000;
  const m1 = machineTicks();
  const s1 = processTicks(srv.pid);
  const stop = await stopProcess(srv.child);
  // CPU used by anything but this server and the generators during the run, in CPUs (1.0 =
  // one CPU busy all along): other people's builds and tests disturb the numbers.
  const other = (m1.busy - m0.busy - (s1 - s0)) / CLK_TCK - (result.generatorCpuSeconds ?? 0);
  result.otherCpus = Math.max(0, other / seconds);
  result.seconds = seconds;
  result.serverExit = stop;
  if (stop.before) {
    result.ok = false;
    result.error = `${result.error ?? ""} server exited during the run: ${JSON.stringify(stop)}; ${srv.stderr().slice(-500)}`;
  }
  log(`${sc.id} on ${key}: ${result.ok ? "ok" : "FAILED"} in ${seconds.toFixed(1)} s`);
  if (!result.ok) log(`  ${String(result.error).slice(0, 800)}`);
  return result;
}

async function runVerify(key) {
  const srv = await startServer(key, false);
  const child = spawn(process.execPath, [path.join(benchDir, "verify.mjs"), "--port", String(srv.port)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 40000);
  const code = await new Promise((r) => child.on("exit", r));
  clearTimeout(timer);
  await stopProcess(srv.child);
  try {
    return JSON.parse(out.trim().split("\n").pop());
  } catch {
    return { ok: false, error: `no result (exit ${code}): ${err.slice(-500)}` };
  }
}

// --- environment -----------------------------------------------------------------------------

function fdLimit() {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(fs.readFileSync("/proc/self/limits", "utf8"));
  if (!m) return 1024;
  return m[1] === "unlimited" ? Infinity : Number(m[1]);
}

function lockVersion(name) {
  try {
    const lock = JSON.parse(fs.readFileSync(path.join(benchDir, "package-lock.json"), "utf8"));
    return lock.packages?.[`node_modules/${name}`]?.version ?? "?";
  } catch {
    return "?";
  }
}

function installedVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(benchDir, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return "?";
  }
}

function git(args) {
  try {
    return execFileSync("git", ["-C", repoDir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

function environment() {
  const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  const mem = /^MemTotal:\s+(\d+) kB/m.exec(fs.readFileSync("/proc/meminfo", "utf8"))?.[1];
  const dirty = git(["status", "--porcelain", "--", "src", "include", "examples", "bench/loadgen", "CMakeLists.txt"]);
  const cache = (() => {
    try {
      return fs.readFileSync(path.join(path.dirname(path.dirname(opts.cppBin)), "CMakeCache.txt"), "utf8");
    } catch {
      return "";
    }
  })();
  let compiler = "?";
  try {
    const cxx = /^CMAKE_CXX_COMPILER:\w+=(.*)$/m.exec(cache)?.[1] ?? "c++";
    compiler = execFileSync(cxx, ["--version"], { encoding: "utf8" }).split("\n")[0];
  } catch {
    // not fatal: the report says "?"
  }
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    model: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "?",
    memGiB: mem ? (Number(mem) / 1024 / 1024).toFixed(1) : "?",
    kernel: os.release(),
    node: process.version,
    compiler,
    socketio: lockVersion("socket.io"),
    engineio: lockVersion("engine.io"),
    client: lockVersion("socket.io-client"),
    installed: { socketio: installedVersion("socket.io") },
    command: opts.command,
    reps: opts.reps,
    quick: opts.quick,
    commit: git(["rev-parse", "--short=12", "HEAD"]) || "?",
    dirtyFiles: dirty ? dirty.split("\n").length : 0,
    fdLimit: fdLimit(),
    clkTck: CLK_TCK,
    cppBin: path.relative(repoDir, opts.cppBin),
    loadgenBin: path.relative(repoDir, opts.loadgenBin),
    buildType: /^CMAKE_BUILD_TYPE:STRING=(.*)$/m.exec(cache)?.[1] ?? "?",
  };
}

// --- main ------------------------------------------------------------------------------------

async function main() {
  if (opts.render) {
    const saved = JSON.parse(fs.readFileSync(opts.render, "utf8"));
    writeReport(saved, opts.out);
    log(`wrote ${path.relative(process.cwd(), opts.out)} from ${opts.render}`);
    return;
  }
  fs.mkdirSync(workDir, { recursive: true });
  fs.copyFileSync(path.join(repoDir, "tests/e2e/reference/fixture.mjs"), fixtureCopy);
  const env = environment();
  log(`machine: ${env.nproc} x ${env.model}; node ${env.node}; socket.io ${env.socketio}; fd limit ${env.fdLimit}`);
  for (const bin of [opts.cppBin, opts.loadgenBin]) {
    if (!fs.existsSync(bin)) throw new Error(`missing ${bin}: build it first (bench/run.sh does)`);
  }
  if (env.installed.socketio !== env.socketio) {
    throw new Error(`bench/node_modules has socket.io ${env.installed.socketio}, lock says ${env.socketio}: run npm ci in bench/`);
  }
  if (env.nproc < 2) throw new Error("needs 2 CPUs: the server is pinned to CPU 0, the generator to CPU 1");
  const maxN = Math.max(...sizes.idle, ...sizes.pings);
  if (env.fdLimit < Math.min(maxN, perProcessConnections) + 500) {
    throw new Error(`open-file limit ${env.fdLimit} is too low for ${maxN} connections (bench/run.sh raises it)`);
  }
  const t0 = Date.now();

  const verify = {};
  for (const key of ["cpp1", "node"]) {
    verify[key] = await runVerify(key);
    log(`verify on ${key}: ${verify[key].ok ? "ok" : "FAILED " + JSON.stringify(verify[key]).slice(0, 500)}`);
  }

  const runs = [];
  for (let rep = 1; rep <= opts.reps; rep++) {
    for (const sc of scenarios) {
      const order = rep % 2 ? sc.servers : [...sc.servers].reverse();
      for (const key of order) {
        const result = await runOne(key, sc);
        runs.push({ scenario: sc.id, rep, server: key, result });
      }
    }
  }
  const totalSeconds = (Date.now() - t0) / 1000;
  const data = {
    env,
    sizes,
    settleMs,
    pingIntervalMs,
    perProcessConnections,
    scenarios: scenarios.map((s) => ({ id: s.id, kind: s.kind, servers: s.servers, gen: s.gen, n: s.n, pings: s.pings })),
    serverArgs: { common, pingArgs, labels: Object.fromEntries(Object.entries(servers).map(([k, s]) => [k, s.label])) },
    verify,
    runs,
    totalSeconds,
  };
  fs.writeFileSync(path.join(workDir, opts.quick ? "results-quick.json" : "results.json"), JSON.stringify(data, null, 1));
  writeReport(data, opts.out);
  log(`wrote ${path.relative(process.cwd(), opts.out)} (${(totalSeconds / 60).toFixed(1)} min of runs)`);
  const failed = runs.filter((r) => !r.result.ok).length + Object.values(verify).filter((v) => !v.ok).length;
  if (failed) log(`${failed} run(s) FAILED; see the report`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  process.stderr.write(`bench.mjs: ${e.stack ?? e}\n`);
  process.exit(2);
});
