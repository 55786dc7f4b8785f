// Cross-node broadcast benchmark: two C++ fixture nodes against two Node socket.io nodes
// (@socket.io/redis-adapter), each pair joined through its own private redis-server. Started by
// bench/run-cluster.sh, which installs the npm packages and builds the C++ fixture first.
//
//   node bench/cluster.mjs [--reps N] [--quick] [--modes classic,sharded] [--out FILE]
//                          [--cpp-bin PATH | --cpp-cmd "COMMAND ARGS"] [--render JSON]
//
// For every repetition, mode and kind, a fresh redis-server (127.0.0.1, free port, no
// persistence) and nodes A and B of that kind are started, cluster-load.mjs runs against them in
// a child process, and everything is stopped by PID. The kinds alternate order between
// repetitions. Before any run, the C++ command is started once with --redis: a fixture built
// without Redis support refuses the flag, and the benchmark says so instead of measuring.

import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { median, stats } from "./load-util.mjs";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoDir = path.resolve(benchDir, "..");
const workDir = path.join(benchDir, ".work");

// --- options -------------------------------------------------------------------------------

const defaultCppBin = path.join(repoDir, "build/release/examples/socketio-fixture-server");
const opts = {
  reps: 3,
  quick: false,
  modes: ["classic", "sharded"],
  out: null,
  cppCmd: [defaultCppBin],
  command: process.env.BENCH_COMMAND ?? "node bench/cluster.mjs",
  render: null,
};
{
  const argv = process.argv.slice(2);
  let reps = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--reps") reps = Math.max(1, Math.min(20, Number(v()) || 3));
    else if (a === "--quick") opts.quick = true;
    else if (a === "--modes") opts.modes = v().split(",").map((s) => s.trim()).filter(Boolean);
    else if (a === "--out") opts.out = path.resolve(v());
    else if (a === "--cpp-bin") opts.cppCmd = [path.resolve(v())];
    else if (a === "--cpp-cmd") opts.cppCmd = v().trim().split(/\s+/);
    else if (a === "--render") opts.render = path.resolve(v());
    else throw new Error(`unknown argument ${a}`);
  }
  for (const m of opts.modes) if (m !== "classic" && m !== "sharded") throw new Error(`unknown mode ${m}`);
  opts.reps = reps ?? (opts.quick ? 1 : 3);
}

// A "cpp" command that runs a Node script is a dry run of the plumbing, never a result.
const dryRun = opts.cppCmd.some((x) => /\.m?js$/.test(x) || path.basename(x) === "node");
if (opts.out === null) {
  if (dryRun) opts.out = path.join(workDir, opts.quick ? "CLUSTER_RESULTS-dry-quick.md" : "CLUSTER_RESULTS-dry.md");
  else if (opts.quick) opts.out = path.join(workDir, "CLUSTER_RESULTS-quick.md");
  else opts.out = path.join(benchDir, "CLUSTER_RESULTS.md");
}
opts.out = path.resolve(opts.out);

const sizes = opts.quick
  ? { receivers: 50, receiversA: 5, window: 32, warm: 100, tputCount: 20000, tputSeconds: 3, rate: 100, latSeconds: 3, payloadBytes: 64 }
  : { receivers: 200, receiversA: 10, window: 32, warm: 300, tputCount: 100000, tputSeconds: 10, rate: 100, latSeconds: 10, payloadBytes: 64 };

const log = (...a) => process.stderr.write(`[cluster] ${a.join(" ")}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- processes -----------------------------------------------------------------------------

fs.mkdirSync(workDir, { recursive: true });
// Run from a copy inside bench/ so that socket.io and the Redis adapter resolve to
// bench/node_modules (bench/package-lock.json), not to tests/e2e/node_modules.
const fixtureCopy = path.join(workDir, "fixture.mjs");
fs.copyFileSync(path.join(repoDir, "tests/e2e/reference/fixture.mjs"), fixtureCopy);

const common = ["--port", "0", "--ping-interval", "25000", "--ping-timeout", "20000", "--threads", "1"];
const kinds = {
  cpp: { label: "C++", cmd: opts.cppCmd },
  node: { label: "Node", cmd: [process.execPath, fixtureCopy] },
};

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Spawns `argv`, keeps the tail of its output, and records how it ended. */
function launch(argv) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  const p = { child, pid: child.pid, out: "", err: "", exit: null };
  p.exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      p.exit = { code, signal };
      resolve(p.exit);
    });
    child.once("error", (e) => {
      p.err += `spawn error: ${e.message}\n`;
      p.exit = { code: null, signal: null, error: e.message };
      resolve(p.exit);
    });
  });
  child.stdout.on("data", (d) => (p.out = (p.out + d).slice(-20000)));
  child.stderr.on("data", (d) => (p.err = (p.err + d).slice(-20000)));
  return p;
}

/** SIGTERM by PID, SIGKILL after 5 s; resolves to how it ended. */
async function stop(p) {
  if (p.exit) return { ...p.exit, before: true };
  p.child.kill("SIGTERM");
  const r = await Promise.race([p.exited, sleep(5000).then(() => null)]);
  if (r) return r;
  p.child.kill("SIGKILL");
  return { ...(await p.exited), killed: true };
}

function pingRedis(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    const done = (ok) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 500);
    sock.once("error", () => done(false));
    sock.once("connect", () => sock.write("PING\r\n"));
    sock.once("data", (d) => done(String(d).startsWith("+PONG")));
  });
}

async function startRedis() {
  const port = await freePort();
  const p = launch(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "",
    "--appendonly", "no", "--dir", os.tmpdir(), "--loglevel", "warning"]);
  for (let i = 0; i < 200 && !p.exit; i++) {
    if (await pingRedis(port)) return { ...p, port, proc: p };
    await sleep(25);
  }
  await stop(p);
  throw new Error(`redis-server on port ${port} did not answer PING: ${p.err.slice(-500)}${p.out.slice(-500)}`);
}

/** Starts one node; resolves once it printed `listening <port>`, rejects with its output otherwise. */
async function startNode(kind, redisPort, mode) {
  const p = launch([...kinds[kind].cmd, ...common, "--redis", `redis://127.0.0.1:${redisPort}`, "--redis-mode", mode]);
  for (let i = 0; i < 1500 && !p.exit; i++) {
    const m = /listening (\d+)/.exec(p.out);
    if (m) return { ...p, port: Number(m[1]), proc: p };
    await sleep(10);
  }
  const ended = p.exit ? `exited (${JSON.stringify(p.exit)})` : "printed no `listening` line in 15 s";
  await stop(p);
  const e = new Error(`${kind} node ${ended}; stderr: ${p.err.slice(-800).trim()}`);
  e.exit = p.exit;
  e.stderr = p.err;
  throw e;
}

/**
 * Starts the C++ command once with --redis. A fixture without Redis support exits with its
 * usage error (status 2, "unknown flag --redis"): that is reported as such, not measured.
 */
async function preflightCpp() {
  const bin = opts.cppCmd[0];
  if (bin.includes("/") && !fs.existsSync(bin)) {
    return `the C++ fixture ${bin} does not exist (build it: bash bench/run-cluster.sh builds it, or pass --cpp-bin PATH)`;
  }
  const redis = await startRedis();
  try {
    const node = await startNode("cpp", redis.port, "classic");
    await stop(node.proc);
    return null;
  } catch (e) {
    if (e.exit?.code === 2 || /unknown (flag|argument).*--redis|usage:/i.test(e.stderr ?? "")) {
      return `the C++ fixture (\`${opts.cppCmd.join(" ")}\`) has no --redis support: it refused the flag with its usage error ` +
        `(${JSON.stringify((e.stderr ?? "").split("\n")[0].trim())}). Build a fixture with the Redis adapter (docs/FIXTURE.md, ` +
        "`--redis URL --redis-mode classic|sharded`) and run again.";
    }
    return `the C++ fixture did not start with --redis: ${e.message}`;
  } finally {
    await stop(redis.proc);
  }
}

function runGenerator(args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(benchDir, "cluster-load.mjs"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err = (err + d).slice(-20000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() ?? ""));
      } catch {
        resolve({ ok: false, error: `no result (exit ${code}, signal ${signal}): ${err.slice(-800)}` });
      }
    });
  });
}

/** One measured run: fresh Redis, nodes A and B of `kind`, the generator, then teardown. */
async function runOne(kind, mode, rep) {
  const redis = await startRedis();
  const nodes = [];
  let result;
  try {
    nodes.push(await startNode(kind, redis.port, mode));
    nodes.push(await startNode(kind, redis.port, mode));
    const [a, b] = nodes;
    const timeoutMs = (sizes.tputSeconds + sizes.latSeconds) * 1000 + 90000;
    result = await runGenerator([
      "--a", String(a.port), "--b", String(b.port),
      "--pids", `a=${a.pid},b=${b.pid},redis=${redis.pid}`,
      "--mode", mode, "--redis-port", String(redis.port),
      "--receivers", String(sizes.receivers), "--receivers-a", String(sizes.receiversA),
      "--payload-bytes", String(sizes.payloadBytes), "--warm", String(sizes.warm),
      "--window", String(sizes.window), "--tput-count", String(sizes.tputCount),
      "--tput-seconds", String(sizes.tputSeconds), "--rate", String(sizes.rate),
      "--lat-seconds", String(sizes.latSeconds), "--timeout-ms", String(timeoutMs - 5000),
    ], timeoutMs);
  } catch (e) {
    result = { ok: false, error: String(e.message ?? e) };
  }
  const exits = [];
  for (const n of nodes) exits.push(await stop(n.proc));
  await stop(redis.proc);
  const died = exits.find((x) => x.before);
  if (died) {
    result.ok = false;
    result.error = `${result.error ?? ""} a node exited during the run: ${JSON.stringify(died)}; ${nodes.map((n) => n.proc.err.slice(-300)).join(" | ")}`;
  }
  result.kind = kind;
  result.mode = mode;
  result.rep = rep;
  result.nodeExits = exits;
  const t = result.tput;
  log(`${mode} ${kind} rep ${rep}: ${result.ok ? "ok" : "FAILED"}` +
    (t ? ` ${Math.round(t.broadcastsPerSecond)} bcast/s, p99 ${result.latency?.p99?.toFixed(2)} ms` : ""));
  if (!result.ok) log(`  ${(result.error ?? JSON.stringify(result.checks)).slice(0, 1500)}`);
  return result;
}

// --- environment ----------------------------------------------------------------------------

function lockVersion(name) {
  try {
    const lock = JSON.parse(fs.readFileSync(path.join(benchDir, "package-lock.json"), "utf8"));
    return lock.packages?.[`node_modules/${name}`]?.version ?? "?";
  } catch {
    return "?";
  }
}

function tryRun(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

function environment() {
  const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  const mem = /^MemTotal:\s+(\d+) kB/m.exec(fs.readFileSync("/proc/meminfo", "utf8"))?.[1];
  const bin = opts.cppCmd[0];
  let buildType = "?";
  try {
    const cache = fs.readFileSync(path.join(path.dirname(path.dirname(bin)), "CMakeCache.txt"), "utf8");
    buildType = /^CMAKE_BUILD_TYPE:STRING=(.*)$/m.exec(cache)?.[1] ?? "?";
  } catch {
    // not a CMake build tree
  }
  const dirty = tryRun("git", ["-C", repoDir, "status", "--porcelain", "--", "src", "include", "examples", "CMakeLists.txt"]);
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    model: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "?",
    memGiB: mem ? (Number(mem) / 1024 / 1024).toFixed(1) : "?",
    kernel: os.release(),
    node: process.version,
    redis: /v=(\S+)/.exec(tryRun("redis-server", ["--version"]))?.[1] ?? "?",
    socketio: lockVersion("socket.io"),
    adapter: lockVersion("@socket.io/redis-adapter"),
    nodeRedis: lockVersion("redis"),
    ws: lockVersion("ws"),
    commit: tryRun("git", ["-C", repoDir, "rev-parse", "--short=12", "HEAD"]) || "?",
    dirtyFiles: dirty ? dirty.split("\n").length : 0,
    cppCmd: opts.cppCmd.map((x) => (path.isAbsolute(x) && x.startsWith(repoDir) ? path.relative(repoDir, x) : x)).join(" "),
    buildType,
    dryRun,
    command: opts.command,
    reps: opts.reps,
    quick: opts.quick,
    modes: opts.modes,
    sizes,
  };
}

// --- statistics and the report ----------------------------------------------------------------

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const fi = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a");
const pct = (x) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : "n/a");
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);
const cell = (s, fmt) => (s.n > 0 ? `${fmt(s.median)} (${fmt(s.min)} – ${fmt(s.max)})` : "n/a");

const PROCS = [["a", "node A"], ["b", "node B"], ["redis", "redis-server"], ["generator", "load generator"]];
const SATURATED = 0.9; // of one core

function render(env, runs, totalSeconds) {
  const L = [];
  const ok = (kind, mode) => runs.filter((r) => r.ok && r.kind === kind && r.mode === mode);
  const row = (kind, mode, fn) => stats(ok(kind, mode).map(fn));
  const delivered = (r) => r.tput.broadcasts * (r.receivers + r.receiversA);
  const usPerMsg = (k) => (r) => (r.tput.cpu.procs[k]?.seconds * 1e6) / delivered(r);
  const usPerBcast = (k) => (r) => (r.tput.cpu.procs[k]?.seconds * 1e6) / r.tput.broadcasts;
  const util = (k) => (r) => r.tput.cpu.procs[k]?.util;

  L.push("# Cross-node broadcast benchmark: socketio-cpp against Node socket.io through Redis");
  L.push("");
  L.push("Generated by `bench/cluster.mjs` from the runs below; do not edit by hand: run `bash bench/run-cluster.sh` again.");
  L.push("");
  if (env.dryRun) {
    L.push(`> **Dry run**: the "C++" slot ran \`${env.cppCmd}\`, not the C++ fixture. These numbers only check the`);
    L.push("> benchmark's plumbing; they say nothing about socketio-cpp.");
    L.push("");
  }
  L.push("## Machine and versions");
  L.push("");
  L.push(`- Date: ${env.date}`);
  L.push(`- Machine: ${env.nproc} CPUs (\`nproc\`), ${env.model}, ${env.memGiB} GiB RAM, Linux ${env.kernel}`);
  L.push(`- Command: \`${env.command}\` (${env.reps} repetition${env.reps > 1 ? "s" : ""}${env.quick ? ", --quick sizes" : ""}; modes ${env.modes.join(", ")}; ${f(totalSeconds / 60, 1)} min of runs)`);
  L.push(`- C++ nodes: \`${env.cppCmd} ${common.join(" ")} --redis URL --redis-mode MODE\` (CMAKE_BUILD_TYPE=${env.buildType}), commit ${env.commit}${env.dirtyFiles ? ` plus ${env.dirtyFiles} uncommitted file(s) under src/, include/, examples/` : ""}`);
  L.push(`- Node nodes: \`node tests/e2e/reference/fixture.mjs ${common.join(" ")} --redis URL --redis-mode MODE\` on Node ${env.node}; socket.io ${env.socketio}, @socket.io/redis-adapter ${env.adapter}, redis (node-redis) ${env.nodeRedis}`);
  L.push(`- redis-server ${env.redis}, one private instance per run (127.0.0.1, \`--save '' --appendonly no\`); load generator: Node ${env.node}, ws ${env.ws}`);
  L.push("");
  const s = env.sizes;
  L.push(`Setup: ${s.receivers} receivers on node B and ${s.receiversA} on node A in one room; a sender on node A emits \`bcast(room, ${s.payloadBytes}-byte string)\`, so node B gets every broadcast only through Redis. Throughput: ${s.window} broadcasts in flight end to end (a broadcast is in flight until every receiver has it), for ${s.tputSeconds} s. Latency: ${s.rate} broadcasts/s for ${s.latSeconds} s, the same rate for both kinds, from the send time in the payload to the receipt on each of B's receivers.`);
  L.push("");

  const summary = [];
  const limits = [];
  for (const mode of env.modes) {
    L.push(`## ${mode} adapter (median of the repetitions; spread = min – max)`);
    L.push("");
    L.push("| measurement | C++ | Node | C++ / Node |");
    L.push("|---|---|---|---|");
    const line = (label, fn, fmt) => {
      const c = row("cpp", mode, fn);
      const n = row("node", mode, fn);
      L.push(`| ${label} | ${cell(c, fmt)} | ${cell(n, fmt)} | ${f(ratio(c.median, n.median), 2)} |`);
      return { c, n };
    };
    const tp = line("throughput: broadcasts/s delivered to every receiver", (r) => r.tput.broadcastsPerSecond, fi);
    line("delivered messages/s, all receivers", (r) => r.tput.messagesPerSecond, fi);
    line("delivered messages/s on node B (through Redis)", (r) => r.tput.messagesPerSecondB, fi);
    line(`latency p50 at ${s.rate} broadcasts/s (ms)`, (r) => r.latency.p50, (x) => f(x, 2));
    const p99 = line(`latency p99 at ${s.rate} broadcasts/s (ms)`, (r) => r.latency.p99, (x) => f(x, 2));
    line("latency max (ms)", (r) => r.latency.max, (x) => f(x, 2));
    line("node A CPU per delivered message (µs)", usPerMsg("a"), (x) => f(x, 2));
    line("node B CPU per delivered message (µs)", usPerMsg("b"), (x) => f(x, 2));
    line("node B CPU per message delivered on B (µs)", (r) => (r.tput.cpu.procs.b.seconds * 1e6) / (r.tput.broadcasts * r.receivers), (x) => f(x, 2));
    line("redis-server CPU per broadcast (µs)", usPerBcast("redis"), (x) => f(x, 2));
    line("node A CPU per broadcast (µs)", usPerBcast("a"), (x) => f(x, 1));
    for (const [k, name] of PROCS) line(`${name} CPU during the throughput phase (share of one core)`, util(k), pct);
    line("other processes on the machine during the throughput phase (CPUs)", (r) => r.tput.cpu.otherUtil, (x) => f(x, 2));
    L.push("");
    const tr = ratio(tp.c.median, tp.n.median);
    const pr = ratio(p99.c.median, p99.n.median);
    summary.push(`- ${mode}: throughput C++ / Node = **${f(tr, 2)}** (${fi(tp.c.median)} against ${fi(tp.n.median)} broadcasts/s; above 1 means the C++ nodes carry more); latency p99 C++ / Node = **${f(pr, 2)}** (${f(p99.c.median, 2)} ms against ${f(p99.n.median, 2)} ms; below 1 means the C++ nodes are faster).`);

    for (const kind of ["cpp", "node"]) {
      const rs = ok(kind, mode);
      if (rs.length === 0) {
        limits.push(`- ${mode}, ${kinds[kind].label}: no successful run.`);
        continue;
      }
      const u = Object.fromEntries(PROCS.map(([k]) => [k, median(rs.map(util(k)))]));
      const machine = median(rs.map((r) => r.tput.cpu.machineUtil));
      const other = median(rs.map((r) => r.tput.cpu.otherUtil));
      const parts = PROCS.map(([k, name]) => `${name} ${pct(u[k])}`).join(", ");
      const hot = PROCS.filter(([k]) => u[k] >= SATURATED).map(([, name]) => name);
      let verdict;
      if (hot.length > 0) {
        verdict = `${hot.join(" and ")} ${hot.length > 1 ? "were" : "was"} at ${SATURATED * 100}% or more of a core: ${hot.length > 1 ? "they are" : "it is"} the limit`;
        if (hot.includes("load generator")) verdict += "; the generator saturates, so this throughput is a lower bound for the servers";
      } else if (machine >= env.nproc * 0.9) {
        const [, top] = PROCS.reduce((best, p) => (u[p[0]] > u[best[0]] ? p : best));
        verdict = `no single process filled a core, but all ${env.nproc} CPUs were busy (${f(machine, 2)} CPUs, of which ${f(other, 2)} other processes): the processes compete for the CPUs, so the throughput is bound by their total CPU cost per broadcast; the largest share is ${top}'s`;
      } else {
        verdict = `no process filled a core and the machine had idle CPU (${f(machine, 2)} of ${env.nproc} CPUs busy): the ${s.window}-broadcast window and the round trip through Redis bound it (latency-bound, not CPU-bound)`;
      }
      limits.push(`- ${mode}, ${kinds[kind].label}: ${parts} of one core; ${verdict}.`);
    }
  }

  L.push("## Ratios");
  L.push("");
  L.push(...summary);
  L.push("");
  L.push("## What limits it");
  L.push("");
  L.push(`Derived from the CPU each process used during the throughput phase (/proc/PID/stat and per-thread schedstat, divided by the phase's wall time; a process at ${SATURATED * 100}% or more of one core counts as saturated; Node processes and the C++ fixture with --threads 1 do their protocol work on one thread, redis-server on one).`);
  L.push("");
  L.push(...limits);
  L.push("");

  L.push("## Checks");
  L.push("");
  const failures = runs.filter((r) => !r.ok);
  const checked = runs.filter((r) => r.checks);
  const clean = checked.every((r) => r.checks.everyReceiverGotAll && r.checks.duplicated === 0 && r.checks.outOfOrder === 0 && r.checks.badPayload === 0);
  L.push(`- Every receiver checks each broadcast's sequence number and length: ${clean ? "in every run every receiver got every broadcast exactly once, in order, unaltered" : "SOME RUNS LOST, DUPLICATED, REORDERED OR ALTERED BROADCASTS (see the raw runs)"}; every bcast was acked.`);
  const rateRuns = runs.filter((r) => r.ok);
  const minTput = Math.min(...rateRuns.map((r) => r.tput.broadcastsPerSecond));
  L.push(`- Latency rate ${s.rate} broadcasts/s against the lowest throughput of any run (${fi(minTput)}/s): ${s.rate <= minTput / 2 ? "below half of saturation, as intended" : "NOT well below saturation: the latency figures include queueing"}.`);
  const genHot = rateRuns.filter((r) => r.tput.cpu.procs.generator.util >= SATURATED);
  L.push(`- Load generator: ${genHot.length === 0 ? `below ${SATURATED * 100}% of a core in every throughput phase (max ${pct(Math.max(...rateRuns.map((r) => r.tput.cpu.procs.generator.util)))})` : `SATURATED (≥ ${SATURATED * 100}% of a core) in ${genHot.length} of ${rateRuns.length} runs: those throughputs are bound by the generator`}.`);
  const busy = rateRuns.filter((r) => r.tput.cpu.otherUtil > 0.25);
  L.push(`- Other activity on the machine: ${busy.length === 0 ? "no run had more than a quarter of a CPU used by other processes" : `${busy.length} of ${rateRuns.length} runs had more than a quarter of a CPU used by other processes (column "other" below); their numbers are less reliable`}.`);
  L.push(`- Runs that failed: ${failures.length === 0 ? "none" : failures.map((r) => `${r.mode} ${r.kind} rep ${r.rep}: ${(r.error ?? JSON.stringify(r.checks)).slice(0, 300).replace(/\n/g, " ")}`).join("; ")}`);
  L.push("");

  L.push("## Method");
  L.push("");
  L.push("- Each run starts its own redis-server and two nodes of one kind with `--redis redis://127.0.0.1:PORT --redis-mode MODE`, waits until `cluster-count` is 2 on both nodes (and, in sharded mode, until `PUBSUB SHARDNUMSUB` of the room's channel is 2), runs a warm-up, the throughput phase and the latency phase, and stops everything by PID. Repetitions alternate which kind runs first.");
  L.push("- Generator: `bench/cluster-load.mjs`, one Node process, with the raw Engine.IO v4 / Socket.IO v5 WebSocket client of `bench/raw-client.mjs` (no socket.io-client, no JSON parsing of the broadcasts: it reads the sequence number and send time out of the frame text).");
  L.push("- CPU: the sum of the per-thread on-CPU time of each process (/proc/PID/task/*/schedstat; utime+stime from /proc/PID/stat in the raw JSON), sampled at the start and at the end of each phase; the generator's from process.cpuUsage(); \"other\" is the machine's busy time (/proc/stat) minus all of these. CPU per delivered message divides by every delivery of the phase (receivers on A and B).");
  L.push("- Everything shares the machine's CPUs: redis-server, both nodes and the generator run at once, so on a machine with few CPUs the sum of their demands, not one process, can be the limit (see above).");
  L.push("");

  L.push("## Raw runs");
  L.push("");
  L.push(`Full JSON: bench/.work/${path.basename(opts.out, ".md").toLowerCase().replace(/_/g, "-")}.json (not committed).`);
  L.push("");
  L.push("| rep | mode | kind | broadcasts | bcast/s | msgs/s | p50 ms | p99 ms | A core | B core | redis core | gen core | other CPUs | ok |");
  L.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of runs) {
    if (!r.tput) {
      L.push(`| ${r.rep} | ${r.mode} | ${r.kind} | | | | | | | | | | | NO: ${(r.error ?? "").slice(0, 160).replace(/\|/g, "/").replace(/\n/g, " ")} |`);
      continue;
    }
    const p = r.tput.cpu.procs;
    L.push(`| ${r.rep} | ${r.mode} | ${r.kind} | ${r.tput.broadcasts} | ${fi(r.tput.broadcastsPerSecond)} | ${fi(r.tput.messagesPerSecond)} | ${f(r.latency.p50, 2)} | ${f(r.latency.p99, 2)} | ${pct(p.a?.util)} | ${pct(p.b?.util)} | ${pct(p.redis?.util)} | ${pct(p.generator.util)} | ${f(r.tput.cpu.otherUtil, 2)} | ${r.ok ? "yes" : "NO"} |`);
  }
  L.push("");
  return L.join("\n");
}

// --- main ------------------------------------------------------------------------------------

async function main() {
  // One JSON per report, so that a quick or dry run does not overwrite the data of a full one.
  const jsonPath = path.join(workDir, `${path.basename(opts.out, ".md").toLowerCase().replace(/_/g, "-")}.json`);
  if (opts.render) {
    const data = JSON.parse(fs.readFileSync(opts.render, "utf8"));
    fs.writeFileSync(opts.out, render(data.env, data.runs, data.totalSeconds));
    log(`wrote ${path.relative(process.cwd(), opts.out)}`);
    return;
  }
  if (!tryRun("redis-server", ["--version"])) {
    log("redis-server not found on PATH (Debian: apt-get install redis-server)");
    process.exit(2);
  }
  const problem = await preflightCpp();
  if (problem) {
    log(`NOT RUN: ${problem}`);
    log("no numbers were produced and no report was written.");
    process.exit(3);
  }
  const env = environment();
  log(`cpp slot: ${env.cppCmd}${dryRun ? " (a Node script: dry run)" : ""}; report: ${path.relative(process.cwd(), opts.out)}`);
  const runs = [];
  const started = Date.now();
  for (let rep = 1; rep <= opts.reps; rep++) {
    for (const mode of opts.modes) {
      const order = rep % 2 === 1 ? ["cpp", "node"] : ["node", "cpp"];
      for (const kind of order) runs.push(await runOne(kind, mode, rep));
    }
  }
  const totalSeconds = (Date.now() - started) / 1000;
  fs.writeFileSync(jsonPath, JSON.stringify({ env, runs, totalSeconds }, null, 1));
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, render(env, runs, totalSeconds));
  log(`wrote ${path.relative(process.cwd(), opts.out)} and ${path.relative(process.cwd(), jsonPath)}`);
  if (runs.some((r) => !r.ok)) process.exit(1);
}

main().catch((e) => {
  process.stderr.write(`cluster.mjs: ${e.stack ?? e}\n`);
  process.exit(2);
});
