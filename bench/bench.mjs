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
import path from "node:path";
import process from "node:process";
import { defaults, paths, readOptions, repetitions } from "./options.mjs";
import {
  CLK_TCK, Generator as LoadGenerator, cpuDelta, cpuSample, machineAndCommit, rssBytes, runAgainst, sleep,
  startServer as startPinned, stopProcess,
} from "./proc-util.mjs";
import { writeReport } from "./report.mjs";

const { benchDir, repoDir, workDir } = paths;

// --- options -------------------------------------------------------------------------------

const opts = {
  reps: 3,
  ...defaults(),
  command: process.env.BENCH_COMMAND ?? "node bench/bench.mjs",
};
{
  const argv = process.argv.slice(2);
  readOptions(argv, opts, { values: { "--reps": (v) => (opts.reps = repetitions(v)) } });
  if (opts.quick && !argv.includes("--reps")) opts.reps = 1;
  opts.out ??= opts.quick ? path.join(workDir, "RESULTS-quick.md") : path.join(benchDir, "RESULTS.md");
}

const log = (...a) => process.stderr.write(`[bench] ${a.join(" ")}\n`);

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

// --- processes -------------------------------------------------------------------------------

/** The server `key` pinned to CPU 0, with the ping settings of the scenario. */
function startServer(key, pings) {
  const s = servers[key];
  return startPinned(s.cmd, s.args(pings ? pingArgs : common), 0, key);
}

/** One socketio-loadgen process pinned to CPU 1. */
class Generator extends LoadGenerator {
  constructor(args) {
    super(opts.loadgenBin, args, 1);
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
  const result = await runAgainst(srv, () => (sc.kind === "idle" ? runIdle(sc, srv, sc.timeoutMs) : runLoad(sc, srv, sc.timeoutMs)));
  log(`${sc.id} on ${key}: ${result.ok ? "ok" : "FAILED"} in ${result.seconds.toFixed(1)} s`);
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

function environment() {
  const mem = /^MemTotal:\s+(\d+) kB/m.exec(fs.readFileSync("/proc/meminfo", "utf8"))?.[1];
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
    ...machineAndCommit(repoDir),
    memGiB: mem ? (Number(mem) / 1024 / 1024).toFixed(1) : "?",
    compiler,
    socketio: lockVersion("socket.io"),
    engineio: lockVersion("engine.io"),
    client: lockVersion("socket.io-client"),
    installed: { socketio: installedVersion("socket.io") },
    command: opts.command,
    reps: opts.reps,
    quick: opts.quick,
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
