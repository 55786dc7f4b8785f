// Runs the side-by-side benchmarks and writes bench/RESULTS.md. Started by bench/run.sh, which
// installs the npm packages and builds the C++ fixture first.
//
//   node bench/bench.mjs [--reps N] [--quick] [--out FILE] [--cpp-bin PATH]
//
// For every repetition and scenario, each server under test is started fresh (port 0, only on
// 127.0.0.1), load.mjs runs against it in a child process, and the server is stopped with
// SIGTERM (SIGKILL by PID after 5 s). Scenario order alternates the servers within a
// repetition so that slow drift of the machine does not favour one of them.

import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoDir = path.resolve(benchDir, "..");
const workDir = path.join(benchDir, ".work");

// --- options -------------------------------------------------------------------------------

const opts = {
  reps: 3,
  quick: false,
  out: path.join(benchDir, "RESULTS.md"),
  cppBin: path.join(repoDir, "build/release/examples/socketio-fixture-server"),
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
    else if (a === "--render") opts.render = path.resolve(v());
    else throw new Error(`unknown argument ${a}`);
  }
}

const log = (...a) => process.stderr.write(`[bench] ${a.join(" ")}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- the servers under test ----------------------------------------------------------------

// The Node reference fixture is run from a copy inside bench/.work so that `socket.io` and
// `engine.io` resolve to bench/node_modules (installed from bench/package-lock.json), not to
// whatever tests/e2e/node_modules holds.
const fixtureSrc = path.join(repoDir, "tests/e2e/reference/fixture.mjs");
const fixtureCopy = path.join(workDir, "fixture.mjs");
fs.mkdirSync(workDir, { recursive: true });
fs.copyFileSync(fixtureSrc, fixtureCopy);

const common = ["--port", "0", "--ping-interval", "25000", "--ping-timeout", "20000"];
const servers = {
  cpp1: { label: "C++ (--threads 1)", cmd: opts.cppBin, args: [...common, "--threads", "1"] },
  cpp2: { label: "C++ (--threads 2)", cmd: opts.cppBin, args: [...common, "--threads", "2"] },
  node: { label: "Node socket.io", cmd: process.execPath, args: [fixtureCopy, ...common] },
};

function startServer(key) {
  const s = servers[key];
  return new Promise((resolve, reject) => {
    const child = spawn(s.cmd, s.args, { stdio: ["ignore", "pipe", "pipe"] });
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

async function stopServer(srv) {
  const { child } = srv;
  if (child.exitCode !== null || child.signalCode !== null) {
    return { exit: child.exitCode, signal: child.signalCode, before: true };
  }
  const exited = new Promise((r) => child.once("exit", (code, signal) => r({ exit: code, signal })));
  process.kill(srv.pid, "SIGTERM");
  const res = await Promise.race([exited, sleep(5000).then(() => null)]);
  if (res) return res;
  process.kill(srv.pid, "SIGKILL");
  return { ...(await exited), killed: true };
}

function runLoad(args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(benchDir, "load.mjs"), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => {
      err += d;
      if (err.length > 20000) err = err.slice(-10000);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").pop() ?? "";
      let result;
      try {
        result = JSON.parse(line);
      } catch {
        result = { ok: false, error: `no result (exit ${code}, signal ${signal}): ${err.slice(-800)}` };
      }
      resolve({ result, code, signal, stderr: err });
    });
  });
}

/** Busy and total jiffies of the whole machine, from the first line of /proc/stat. */
function machineTicks() {
  const v = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // user..steal (guest is inside user)
  const idle = v[3] + v[4]; // idle + iowait
  return { busy: total - idle, total };
}

function processTicks(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

function loadavg() {
  return fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}

/** Starts `key`, runs one scenario against it, stops it. */
async function runOne(key, scenario, extra, timeoutMs) {
  const srv = await startServer(key);
  await sleep(300);
  const load0 = loadavg();
  const m0 = machineTicks();
  const s0 = processTicks(srv.pid);
  const started = Date.now();
  const { result } = await runLoad(
    [scenario, "--port", String(srv.port), "--pid", String(srv.pid), "--timeout-ms", String(timeoutMs - 10000), ...extra],
    timeoutMs,
  );
  const seconds = (Date.now() - started) / 1000;
  const m1 = machineTicks();
  const s1 = processTicks(srv.pid);
  const stop = await stopServer(srv);
  // CPU used by anything other than this server and this load generator during the run, in
  // CPUs (1.0 = one CPU busy all along): other sessions' builds and tests disturb the numbers.
  const otherSeconds = (m1.busy - m0.busy - (s1 - s0)) / 100 - (result.generatorCpuSeconds ?? 0);
  result.otherCpus = Math.max(0, otherSeconds / seconds);
  result.server = key;
  result.seconds = seconds;
  result.loadavgBefore = load0;
  result.loadavgAfter = loadavg();
  result.serverExit = stop;
  if (stop.before) {
    result.ok = false;
    result.error = `${result.error ?? ""} server exited during the run: ${JSON.stringify(stop)}; ${srv.stderr().slice(-500)}`;
  }
  const tag = result.ok ? "ok" : "FAILED";
  log(`${scenario} ${extra.join(" ")} on ${key}: ${tag} in ${seconds.toFixed(1)} s`);
  if (!result.ok) log(`  ${JSON.stringify(result).slice(0, 1500)}`);
  return result;
}

// --- environment ----------------------------------------------------------------------------

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
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "?";
  const mem = /^MemTotal:\s+(\d+) kB/m.exec(fs.readFileSync("/proc/meminfo", "utf8"))?.[1];
  const dirty = git(["status", "--porcelain", "--", "src", "include", "examples", "CMakeLists.txt"]);
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    model,
    memGiB: mem ? (Number(mem) / 1024 / 1024).toFixed(1) : "?",
    kernel: os.release(),
    node: process.version,
    socketio: lockVersion("socket.io"),
    engineio: lockVersion("engine.io"),
    client: lockVersion("socket.io-client"),
    ws: lockVersion("ws"),
    installed: { socketio: installedVersion("socket.io"), engineio: installedVersion("engine.io") },
    command: opts.command,
    reps: opts.reps,
    quick: opts.quick,
    commit: git(["rev-parse", "--short=12", "HEAD"]) || "?",
    dirtyFiles: dirty ? dirty.split("\n").length : 0,
    fdLimit: fdLimit(),
    cppBin: path.relative(repoDir, opts.cppBin),
    buildType: (() => {
      try {
        const cache = fs.readFileSync(path.join(path.dirname(path.dirname(opts.cppBin)), "CMakeCache.txt"), "utf8");
        return /^CMAKE_BUILD_TYPE:STRING=(.*)$/m.exec(cache)?.[1] ?? "?";
      } catch {
        return "?";
      }
    })(),
  };
}

// --- statistics -----------------------------------------------------------------------------

function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function stats(xs) {
  const v = xs.filter((x) => Number.isFinite(x));
  return { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length };
}

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const fi = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a");
const spread = (s, d = 1, fmt = f) => (s.n > 0 ? `${fmt(s.min, d)} – ${fmt(s.max, d)}` : "n/a");

// --- plan ----------------------------------------------------------------------------------

const limit = fdLimit();
const memCounts = [2000];
if (!opts.quick && limit >= 10500) memCounts.push(10000);
const sizes = opts.quick
  ? { bcastClients: 200, bcastCount: 50, echoClients: 20, echoRounds: 50, pollN: 500 }
  : { bcastClients: 1000, bcastCount: 200, echoClients: 100, echoRounds: 200, pollN: 2000 };
if (opts.quick) memCounts[0] = 500;

const scenarios = [
  {
    id: "mem-ws",
    servers: ["cpp1", "node"],
    args: ["memory", ["--transport", "websocket", "--n", memCounts.join(",")]],
    timeoutMs: 120000,
  },
  {
    id: "mem-poll",
    servers: ["cpp1", "node"],
    args: ["memory", ["--transport", "polling", "--n", String(sizes.pollN)]],
    timeoutMs: 90000,
  },
  {
    id: "bcast",
    servers: ["cpp1", "cpp2", "node"],
    args: ["bcast", ["--clients", String(sizes.bcastClients), "--count", String(sizes.bcastCount), "--window", "1"]],
    timeoutMs: 120000,
  },
  {
    id: "bcast-w16",
    servers: ["cpp1", "node"],
    args: ["bcast", ["--clients", String(sizes.bcastClients), "--count", String(sizes.bcastCount), "--window", "16"]],
    timeoutMs: 120000,
  },
  {
    id: "echo",
    servers: ["cpp1", "cpp2", "node"],
    args: ["echo", ["--clients", String(sizes.echoClients), "--rounds", String(sizes.echoRounds)]],
    timeoutMs: 90000,
  },
  {
    id: "echo-1",
    servers: ["cpp1", "node"],
    args: ["echo", ["--clients", "1", "--rounds", "2000", "--warm-rounds", "200"]],
    timeoutMs: 90000,
  },
];

// --- run -----------------------------------------------------------------------------------

async function main() {
  if (opts.render) {
    // Re-renders a report from the raw results of an earlier run (bench/.work/results.json).
    const saved = JSON.parse(fs.readFileSync(opts.render, "utf8"));
    Object.assign(sizes, saved.sizes);
    memCounts.splice(0, memCounts.length, ...saved.memCounts);
    fs.writeFileSync(opts.out, report(saved.env, saved.verify, saved.runs, saved.totalSeconds));
    log(`wrote ${path.relative(process.cwd(), opts.out)} from ${opts.render}`);
    return;
  }
  const env = environment();
  log(`machine: ${env.nproc} x ${env.model}; node ${env.node}; socket.io ${env.socketio}; fd limit ${env.fdLimit}`);
  if (!fs.existsSync(opts.cppBin)) throw new Error(`missing ${opts.cppBin}: build it first (bench/run.sh does)`);
  if (env.installed.socketio !== env.socketio) {
    throw new Error(`bench/node_modules has socket.io ${env.installed.socketio}, lock says ${env.socketio}: run npm ci in bench/`);
  }
  const t0 = Date.now();

  // Sanity check with the official client against both servers.
  const verify = {};
  for (const key of ["cpp1", "node"]) verify[key] = await runOne(key, "verify", [], 30000);

  const runs = []; // {scenario, rep, server, result}
  for (let rep = 1; rep <= opts.reps; rep++) {
    for (const sc of scenarios) {
      // Alternate which server goes first from one repetition to the next.
      const order = rep % 2 ? sc.servers : [...sc.servers].reverse();
      for (const key of order) {
        const result = await runOne(key, sc.args[0], sc.args[1], sc.timeoutMs);
        runs.push({ scenario: sc.id, rep, server: key, result });
      }
    }
  }
  const totalSeconds = (Date.now() - t0) / 1000;
  fs.writeFileSync(path.join(workDir, "results.json"), JSON.stringify({ env, opts, sizes, memCounts, verify, runs, totalSeconds }, null, 1));
  fs.writeFileSync(opts.out, report(env, verify, runs, totalSeconds));
  log(`wrote ${path.relative(process.cwd(), opts.out)} (${totalSeconds.toFixed(0)} s of runs)`);
  const failed = runs.filter((r) => !r.result.ok).length + Object.values(verify).filter((v) => !v.ok).length;
  if (failed) log(`${failed} run(s) FAILED; see the report`);
  process.exitCode = failed ? 1 : 0;
}

// --- report --------------------------------------------------------------------------------

function pick(runs, scenario, server) {
  return runs.filter((r) => r.scenario === scenario && r.server === server).map((r) => r.result);
}

function report(env, verify, runs, totalSeconds) {
  const L = [];
  const okRuns = (rs) => rs.filter((r) => r.ok);
  const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);

  // Memory per idle connection.
  const memRow = (scenario, server, n) => {
    const rs = okRuns(pick(runs, scenario, server));
    return stats(rs.map((r) => r.points.find((p) => p.target === n)?.bytesPerConnection));
  };
  // CPU per message.
  const cpuRow = (scenario, server, field) => stats(okRuns(pick(runs, scenario, server)).map(field));

  const memWs = memCounts.map((n) => ({ n, cpp: memRow("mem-ws", "cpp1", n), node: memRow("mem-ws", "node", n) }));
  const memPoll = { n: sizes.pollN, cpp: memRow("mem-poll", "cpp1", sizes.pollN), node: memRow("mem-poll", "node", sizes.pollN) };
  const perMsg = (r) => r.usPerMessage;
  const userPerMsg = (r) => (r.cpu.userSeconds * 1e6) / r.expected;
  const sysPerMsg = (r) => (r.cpu.systemSeconds * 1e6) / r.expected;
  const perRt = (r) => r.usPerRoundTrip;
  const userPerRt = (r) => (r.cpu.userSeconds * 1e6) / r.roundTrips;
  const sysPerRt = (r) => (r.cpu.systemSeconds * 1e6) / r.roundTrips;

  L.push("# Benchmarks: socketio-cpp against the Node socket.io reference");
  L.push("");
  L.push("Generated by `bench/bench.mjs` from the runs below; do not edit by hand: run `bash bench/run.sh` again.");
  L.push("");
  L.push("## Machine and versions");
  L.push("");
  L.push(`- Date: ${env.date}`);
  L.push(`- Machine: ${env.nproc} CPUs (\`nproc\`), ${env.model}, ${env.memGiB} GiB RAM, Linux ${env.kernel}`);
  L.push(`- Command: \`${env.command}\` (${env.reps} repetitions${env.quick ? ", --quick sizes" : ""}; ${f(totalSeconds / 60, 1)} min of runs)`);
  L.push(`- C++: \`${env.cppBin}\` (CMAKE_BUILD_TYPE=${env.buildType}), commit ${env.commit}${env.dirtyFiles ? ` plus ${env.dirtyFiles} uncommitted file(s) under src/, include/, examples/ at build time` : ""}`);
  L.push(`- Node ${env.node}; socket.io ${env.socketio}, engine.io ${env.engineio} (server, from bench/package-lock.json); socket.io-client ${env.client}, ws ${env.ws} (load generator)`);
  L.push(`- Open-file limit: ${env.fdLimit}`);
  L.push("");

  L.push("## Results (median of the repetitions; spread = min – max)");
  L.push("");
  L.push("| measurement | C++ | Node | Node / C++ | product target |");
  L.push("|---|---|---|---|---|");
  for (const m of memWs) {
    L.push(`| memory per idle WebSocket connection, N=${m.n} (bytes) | ${fi(m.cpp.median)} (${spread(m.cpp, 0, fi)}) | ${fi(m.node.median)} (${spread(m.node, 0, fi)}) | ${f(ratio(m.node.median, m.cpp.median), 2)} | ≥ 8 |`);
  }
  if (memCounts.length > 1) {
    const [a, b] = [memCounts[0], memCounts[memCounts.length - 1]];
    const marginal = (server) =>
      stats(okRuns(pick(runs, "mem-ws", server)).map((r) => {
        const pa = r.points.find((p) => p.target === a);
        const pb = r.points.find((p) => p.target === b);
        return pa && pb ? (pb.rss - pa.rss) / (pb.connected - pa.connected) : NaN;
      }));
    const mc = marginal("cpp1");
    const mn = marginal("node");
    L.push(`| … marginal, from N=${a} to N=${b} (bytes per added connection) | ${fi(mc.median)} (${spread(mc, 0, fi)}) | ${fi(mn.median)} (${spread(mn, 0, fi)}) | ${f(ratio(mn.median, mc.median), 2)} | |`);
  }
  L.push(`| memory per idle polling connection, N=${memPoll.n} (bytes) | ${fi(memPoll.cpp.median)} (${spread(memPoll.cpp, 0, fi)}) | ${fi(memPoll.node.median)} (${spread(memPoll.node, 0, fi)}) | ${f(ratio(memPoll.node.median, memPoll.cpp.median), 2)} | |`);
  const b1 = cpuRow("bcast", "cpp1", perMsg);
  const b2 = cpuRow("bcast", "cpp2", perMsg);
  const bn = cpuRow("bcast", "node", perMsg);
  L.push(`| server CPU per delivered message, ${sizes.bcastClients} clients × ${sizes.bcastCount} broadcasts, 1 in flight (µs) | ${f(b1.median, 2)} (${spread(b1, 2)}) | ${f(bn.median, 2)} (${spread(bn, 2)}) | ${f(ratio(bn.median, b1.median), 2)} | ≥ 10 |`);
  const bu1 = cpuRow("bcast", "cpp1", userPerMsg);
  const bun = cpuRow("bcast", "node", userPerMsg);
  const bs1 = cpuRow("bcast", "cpp1", sysPerMsg);
  const bsn = cpuRow("bcast", "node", sysPerMsg);
  L.push(`| … of which user space (µs) | ${f(bu1.median, 2)} (${spread(bu1, 2)}) | ${f(bun.median, 2)} (${spread(bun, 2)}) | ${f(ratio(bun.median, bu1.median), 2)} | |`);
  L.push(`| … of which kernel (µs) | ${f(bs1.median, 2)} (${spread(bs1, 2)}) | ${f(bsn.median, 2)} (${spread(bsn, 2)}) | ${f(ratio(bsn.median, bs1.median), 2)} | |`);
  L.push(`| same, C++ with --threads 2 (µs) | ${f(b2.median, 2)} (${spread(b2, 2)}) | | ${f(ratio(bn.median, b2.median), 2)} | |`);
  const w1 = cpuRow("bcast-w16", "cpp1", perMsg);
  const wn = cpuRow("bcast-w16", "node", perMsg);
  L.push(`| server CPU per delivered message, 16 broadcasts in flight (µs) | ${f(w1.median, 2)} (${spread(w1, 2)}) | ${f(wn.median, 2)} (${spread(wn, 2)}) | ${f(ratio(wn.median, w1.median), 2)} | |`);
  const e1 = cpuRow("echo", "cpp1", perRt);
  const e2 = cpuRow("echo", "cpp2", perRt);
  const en = cpuRow("echo", "node", perRt);
  L.push(`| server CPU per echo round trip, ${sizes.echoClients} clients × ${sizes.echoRounds} (µs) | ${f(e1.median, 2)} (${spread(e1, 2)}) | ${f(en.median, 2)} (${spread(en, 2)}) | ${f(ratio(en.median, e1.median), 2)} | |`);
  const eu1 = cpuRow("echo", "cpp1", userPerRt);
  const eun = cpuRow("echo", "node", userPerRt);
  const es1 = cpuRow("echo", "cpp1", sysPerRt);
  const esn = cpuRow("echo", "node", sysPerRt);
  L.push(`| … of which user space (µs) | ${f(eu1.median, 2)} (${spread(eu1, 2)}) | ${f(eun.median, 2)} (${spread(eun, 2)}) | ${f(ratio(eun.median, eu1.median), 2)} | |`);
  L.push(`| … of which kernel (µs) | ${f(es1.median, 2)} (${spread(es1, 2)}) | ${f(esn.median, 2)} (${spread(esn, 2)}) | ${f(ratio(esn.median, es1.median), 2)} | |`);
  L.push(`| same, C++ with --threads 2 (µs) | ${f(e2.median, 2)} (${spread(e2, 2)}) | | ${f(ratio(en.median, e2.median), 2)} | |`);
  for (const q of ["p50", "p99"]) {
    const c = cpuRow("echo", "cpp1", (r) => r.latencyMs[q]);
    const n = cpuRow("echo", "node", (r) => r.latencyMs[q]);
    L.push(`| echo latency ${q}, ${sizes.echoClients} concurrent clients (ms, client side) | ${f(c.median, 2)} (${spread(c, 2)}) | ${f(n.median, 2)} (${spread(n, 2)}) | ${f(ratio(n.median, c.median), 2)} | |`);
  }
  for (const q of ["p50", "p99"]) {
    const c = cpuRow("echo-1", "cpp1", (r) => r.latencyMs[q] * 1000);
    const n = cpuRow("echo-1", "node", (r) => r.latencyMs[q] * 1000);
    L.push(`| echo latency ${q}, 1 client (µs, client side) | ${f(c.median, 0)} (${spread(c, 0)}) | ${f(n.median, 0)} (${spread(n, 0)}) | ${f(ratio(n.median, c.median), 2)} | |`);
  }
  const c1 = cpuRow("echo-1", "cpp1", perRt);
  const n1 = cpuRow("echo-1", "node", perRt);
  L.push(`| server CPU per echo round trip, 1 client (µs) | ${f(c1.median, 2)} (${spread(c1, 2)}) | ${f(n1.median, 2)} (${spread(n1, 2)}) | ${f(ratio(n1.median, c1.median), 2)} | |`);
  L.push("");

  // Failures and verification.
  const failures = runs.filter((r) => !r.result.ok);
  L.push("## Checks");
  L.push("");
  for (const [key, v] of Object.entries(verify)) {
    const checks = v.checks ?? [];
    L.push(`- socket.io-client ${env.client} against ${servers[key].label}: ${v.ok ? "all checks passed" : "FAILED"} (${checks.map((c) => `${c.name}: ${c.ok ? "ok" : "FAILED " + c.detail}`).join("; ") || v.error})`);
  }
  const bc = runs.filter((r) => r.scenario.startsWith("bcast"));
  const dropped = bc.filter((r) => r.result.delivered !== r.result.expected);
  L.push(`- Broadcast runs: ${bc.length}; every client's "msg" count checked against K and every payload compared: ${dropped.length === 0 && bc.every((r) => r.result.ok) ? "no message lost, duplicated or altered in any run" : `${dropped.length} run(s) with a wrong count`}; the ${bc[0]?.result.realClients ?? 0} real socket.io-client members of each room counted the same as the raw clients.`);
  L.push(`- Runs that failed: ${failures.length === 0 ? "none" : failures.map((r) => `${r.scenario} rep ${r.rep} on ${r.server}: ${(r.result.error ?? JSON.stringify(r.result)).slice(0, 300)}`).join("; ")}`);
  const other = runs.map((r) => r.result.otherCpus).filter(Number.isFinite);
  const busyRuns = runs.filter((r) => r.result.otherCpus > 0.25);
  L.push(`- Other activity on the machine during the runs (CPU time of everything but the server and the generator, in CPUs): median ${f(median(other), 2)}, max ${f(Math.max(...other), 2)}; ${busyRuns.length === 0 ? "no run was disturbed by more than a quarter of a CPU." : `${busyRuns.length} of ${runs.length} runs had more than a quarter of a CPU used by other processes (column "other CPUs" below); their numbers are less reliable.`}`);
  L.push("");

  // Interpretation, computed from the numbers above.
  L.push("## Interpretation");
  L.push("");
  const lastMem = memWs[memWs.length - 1];
  const memRatio = ratio(lastMem.node.median, lastMem.cpp.median);
  L.push(`- Memory: an idle WebSocket connection costs the C++ server ${fi(lastMem.cpp.median)} bytes of RSS and Node ${fi(lastMem.node.median)} (N=${lastMem.n}), a ratio of ${f(memRatio, 1)}; the target is 8, so the C++ server is ${memRatio >= 8 ? "within the target" : `${f(lastMem.cpp.median / (lastMem.node.median / 8), 1)}× above the ${fi(lastMem.node.median / 8)} bytes the target allows`}.${memWs.length > 1 ? ` Node's figure falls from N=${memWs[0].n} (${fi(memWs[0].node.median)}) to N=${lastMem.n}: its RSS includes V8 heap growth in steps, not a fixed cost per connection; the C++ figure is nearly flat (${fi(memWs[0].cpp.median)} → ${fi(lastMem.cpp.median)}).` : ""} Kernel socket buffers are not in either RSS.`);
  const cpuRatio = ratio(bn.median, b1.median);
  L.push(`- CPU per delivered message: ${f(b1.median, 2)} µs for C++ (one thread) against ${f(bn.median, 2)} µs for Node, a ratio of ${f(cpuRatio, 1)}; the target is 10 (${f(bn.median / 10, 2)} µs), so the C++ server is ${cpuRatio >= 10 ? "within the target" : `${f(b1.median / (bn.median / 10), 1)}× above it`}. Kernel time is ${f((bs1.median / b1.median) * 100, 0)}% of the C++ figure: each delivery is one sendmsg on its own TCP socket, and on loopback the kernel also runs the receiving side's TCP processing in the sender's context, so ${f(bs1.median, 1)} µs per message is a floor that both servers pay (Node ${f(bsn.median, 1)} µs). In user space alone the ratio is ${f(ratio(bun.median, bu1.median), 1)}.`);
  L.push(`- With 16 broadcasts in flight the figures are ${f(w1.median, 2)} µs (C++, ${f(w1.median / b1.median * 100, 0)}% of its one-in-flight figure) and ${f(wn.median, 2)} µs (Node, ${f(wn.median / bn.median * 100, 0)}%), a ratio of ${f(ratio(wn.median, w1.median), 1)}. The C++ server queues the frames that arrive while a socket's write is in flight and sends them in one gathered write, so its kernel time per message drops (${f(cpuRow("bcast-w16", "cpp1", sysPerMsg).median, 2)} µs); Node writes every frame to its socket as it is emitted (kernel ${f(cpuRow("bcast-w16", "node", sysPerMsg).median, 2)} µs).`);
  L.push(`- Echo: ${f(e1.median, 2)} µs of server CPU per round trip for C++ against ${f(en.median, 2)} µs for Node (ratio ${f(ratio(en.median, e1.median), 1)}). The client-side latencies with ${sizes.echoClients} concurrent clients mostly measure the single-process load generator's queue (all clients share one event loop); the one-client figures are closer to the servers' own turnaround: p50 ${f(cpuRow("echo-1", "cpp1", (r) => r.latencyMs.p50 * 1000).median, 0)} µs (C++) and ${f(cpuRow("echo-1", "node", (r) => r.latencyMs.p50 * 1000).median, 0)} µs (Node), including the generator's own time. With one client both processes sleep between messages, so those runs (${f(c1.median, 1)} µs and ${f(n1.median, 1)} µs of server CPU per round trip, ratio ${f(ratio(n1.median, c1.median), 1)}) mostly measure the cost of waking up for each message (for Node also its timers and idle-time GC), and they vary with how idle the machine is.`);
  const moreCpu = b2.median > b1.median * 1.05 || e2.median > e1.median * 1.05;
  L.push(`- --threads 2 on this ${env.nproc}-CPU machine: ${f(b2.median, 2)} µs per delivered message and ${f(e2.median, 2)} µs per round trip, against ${f(b1.median, 2)} and ${f(e1.median, 2)} with one thread${moreCpu ? ` — more CPU per unit of work (per delivered message ${f(cpuRow("bcast", "cpp2", userPerMsg).median, 2)} µs user and ${f(cpuRow("bcast", "cpp2", sysPerMsg).median, 2)} µs kernel, against ${f(bu1.median, 2)} and ${f(bs1.median, 2)}). Not profiled here; with the load generator keeping the other CPU busy, a second I/O thread can add cross-thread hand-offs and wake-ups but little parallelism` : ""}.`);
  L.push("");

  L.push("## Method");
  L.push("");
  L.push("- Servers: `" + [servers.cpp1.cmd === opts.cppBin ? env.cppBin : servers.cpp1.cmd, ...servers.cpp1.args].join(" ") + "` (and `--threads 2`), and `node tests/e2e/reference/fixture.mjs " + common.join(" ") + "`, the latter run from a copy in bench/.work/ so that it loads socket.io from bench/node_modules. A fresh server process for every run; both listen on 127.0.0.1 only.");
  L.push("- Load generator: `bench/load.mjs`, one Node process per run, separate from the server. It speaks Engine.IO v4 / Socket.IO v5 itself over a plain `ws` WebSocket (`0{…}` → `40` → `40{\"sid\"…}`, `2` → `3`, events `42[…]`, acks `42<id>[…]` / `43<id>[…]`), with no permessage-deflate. In every broadcast run some room members are real socket.io-client connections, and a separate check (above) runs the official client against both servers.");
  L.push("- CPU: utime+stime of the server from /proc/PID/stat (whole process, every thread) is reported as user/kernel; the per-message figures use the sum of the threads' on-CPU nanoseconds from /proc/PID/task/*/schedstat, read just before the measured phase and right after the last expected message arrived (both sources are in the raw data and agree to within a clock tick). Warm-up traffic (20 broadcasts, 20 echoes per client) runs first and is not counted.");
  L.push(`- Memory: VmRSS from /proc/PID/status. 50 connections are opened and closed first (so that lazily initialised code is in the baseline), then the baseline is read; connections are opened (200 handshakes in flight), and after ${3} s of settling RSS is read again; (after − before) / N. For N=${memCounts.join(" then ")} the same server is read at each count. The connections complete the Socket.IO CONNECT to \`/\` and stay idle (ping interval 25 s, so no heartbeat happens during the measurement); 20 of them answer an echo afterwards to show they are alive. Polling clients keep one GET parked each, as the real client does.`);
  L.push(`- Broadcast: ${sizes.bcastClients} members join room \`bench-room\`; a driver (not in the room) emits \`bcast(room, 32-character string)\` ${sizes.bcastCount} times, waiting for each ack (or keeping 16 in flight); the run ends when every member counted ${sizes.bcastCount} \`msg\` events; 300 ms later the counts are checked again for extra messages.`);
  L.push(`- Echo: ${sizes.echoClients} clients, each ${sizes.echoRounds} sequential \`echo(\"ping\", {c, r})\` with ack, all clients at once; the ack must carry the same arguments. Latency is measured in the generator from send to ack. The 1-client variant does 2000 round trips.`);
  L.push("- Each measurement is repeated; within a repetition the servers alternate order. Medians and min – max are over the repetitions.");
  L.push("- Both processes share the machine's CPUs with the load generator; CPU times are per process, so they do not include the generator, but cache and scheduler interference are part of the numbers.");
  L.push("");

  L.push("## Raw runs");
  L.push("");
  L.push("Full JSON of the last run: bench/.work/results.json (not committed).");
  L.push("");
  L.push("### Memory");
  L.push("");
  L.push("| rep | transport | server | N | RSS before (KiB) | RSS after (KiB) | bytes / connection | connect (s) | other CPUs | ok |");
  L.push("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of runs.filter((r) => r.scenario.startsWith("mem"))) {
    for (const p of r.result.points ?? [{}]) {
      L.push(`| ${r.rep} | ${r.result.transport ?? "?"} | ${r.server} | ${p.target ?? "?"} | ${fi(r.result.rssBefore / 1024)} | ${fi(p.rss / 1024)} | ${fi(p.bytesPerConnection)} | ${f(p.connectSeconds, 2)} | ${f(r.result.otherCpus, 2)} | ${r.result.ok ? "yes" : "NO"} |`);
    }
  }
  L.push("");
  L.push("### Broadcast");
  L.push("");
  L.push("| rep | in flight | server | delivered / expected | CPU ticks (user+sys) | CPU s (schedstat) | µs / message | user µs | kernel µs | wall s | messages / s | other CPUs | ok |");
  L.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of runs.filter((r) => r.scenario.startsWith("bcast"))) {
    const x = r.result;
    if (!x.cpu) {
      L.push(`| ${r.rep} | ${r.scenario} | ${r.server} | | | | | | | | | NO: ${(x.error ?? "").slice(0, 120).replace(/\|/g, "/").replace(/\n/g, " ")} |`);
      continue;
    }
    L.push(`| ${r.rep} | ${x.window} | ${r.server} | ${x.delivered} / ${x.expected} | ${x.cpu.ticks} (${Math.round(x.cpu.userSeconds * 100)}+${Math.round(x.cpu.systemSeconds * 100)}) | ${f(x.cpu.schedSeconds, 3)} | ${f(x.usPerMessage, 2)} | ${f(userPerMsg(x), 2)} | ${f(sysPerMsg(x), 2)} | ${f(x.cpu.wallSeconds, 2)} | ${fi(x.messagesPerSecond)} | ${f(x.otherCpus, 2)} | ${x.ok ? "yes" : "NO"} |`);
  }
  L.push("");
  L.push("### Echo");
  L.push("");
  L.push("| rep | clients | server | round trips | CPU ticks (user+sys) | CPU s (schedstat) | µs / round trip | p50 ms | p90 ms | p99 ms | max ms | round trips / s | other CPUs | ok |");
  L.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of runs.filter((r) => r.scenario.startsWith("echo"))) {
    const x = r.result;
    if (!x.cpu) {
      L.push(`| ${r.rep} | ${r.scenario} | ${r.server} | | | | | | | | | | NO: ${(x.error ?? "").slice(0, 120).replace(/\|/g, "/").replace(/\n/g, " ")} |`);
      continue;
    }
    L.push(`| ${r.rep} | ${x.clients} | ${r.server} | ${x.roundTrips} | ${x.cpu.ticks} (${Math.round(x.cpu.userSeconds * 100)}+${Math.round(x.cpu.systemSeconds * 100)}) | ${f(x.cpu.schedSeconds, 3)} | ${f(x.usPerRoundTrip, 2)} | ${f(x.latencyMs.p50, 3)} | ${f(x.latencyMs.p90, 3)} | ${f(x.latencyMs.p99, 3)} | ${f(x.latencyMs.max, 3)} | ${fi(x.roundTripsPerSecond)} | ${f(x.otherCpus, 2)} | ${x.ok ? "yes" : "NO"} |`);
  }
  L.push("");
  return L.join("\n");
}

main().catch((e) => {
  process.stderr.write(`bench.mjs: ${e.stack ?? e}\n`);
  process.exit(2);
});
