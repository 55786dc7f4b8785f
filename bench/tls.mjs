// What TLS costs the server: CPU per delivery (fanout) and RSS per idle connection over wss,
// beside the same figures in the clear, with the same method as bench.mjs (a fresh server per
// run, server pinned to CPU 0 and socketio-loadgen to CPU 1, medians of 3 repetitions, the
// order of the two modes flipped every repetition). Writes bench/TLS_RESULTS.md for the C++
// fixture and bench/TLS_RESULTS-node.md for the Node reference.
//
//   node bench/tls.mjs [--server cpp|node] [--reps N] [--quick] [--out FILE]
//                      [--cpp-bin PATH] [--loadgen-bin PATH]
//   node bench/tls.mjs --render bench/.work/tls-<server>.json [--out FILE]
//
// The certificate is a self-signed P-256 one made with the openssl CLI in bench/.work/tls/;
// the generator does not verify it (loopback only). Both fixtures take it as
// `--tls-cert PEM --tls-key PEM` (docs/FIXTURE.md); a C++ fixture built before it had them
// exits with a usage error, and this script then says so and exits with status 3.

import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { median } from "./load-util.mjs";
import { defaults, paths, readOptions, repetitions } from "./options.mjs";
import {
  Generator, cpuDelta, cpuSample, machineAndCommit, makeCertificate, rssBytes, runAgainst, sleep, startServer,
  stopProcess,
} from "./proc-util.mjs";

const { benchDir, repoDir, workDir } = paths;

const opts = {
  server: "cpp",
  reps: 3,
  ...defaults(),
  command: process.env.TLS_COMMAND ?? null,
};
{
  const argv = process.argv.slice(2);
  readOptions(argv, opts, { values: { "--server": (v) => (opts.server = v), "--reps": (v) => (opts.reps = repetitions(v)) } });
  if (opts.server !== "cpp" && opts.server !== "node") throw new Error("--server must be cpp or node");
  if (opts.quick && !argv.includes("--reps")) opts.reps = 1;
  // One report per server, so that a run on one does not replace the other's figures.
  opts.out ??= opts.quick
    ? path.join(workDir, `TLS_RESULTS-${opts.server}-quick.md`)
    : path.join(benchDir, opts.server === "cpp" ? "TLS_RESULTS.md" : "TLS_RESULTS-node.md");
  opts.command ??= `node bench/tls.mjs ${argv.join(" ")}`.trim();
}

const log = (...a) => process.stderr.write(`[tls] ${a.join(" ")}\n`);

const sizes = opts.quick
  ? { fanout: { clients: 200, broadcasts: 100, inFlight: 32, payload: 100 }, idle: 1000 }
  : { fanout: { clients: 1000, broadcasts: 500, inFlight: 32, payload: 100 }, idle: 10000 };
const settleMs = 3000; // idle: from the last connection to the RSS reading

const certDir = path.join(workDir, "tls");
const certFile = path.join(certDir, "cert.pem");
const keyFile = path.join(certDir, "key.pem");
const fixtureCopy = path.join(workDir, "fixture.mjs");

function serverCommand(tls) {
  // connectTimeout 30 s (both modes): on a busy machine 10,000 TLS handshakes take long enough
  // that the default 1 s between the Engine.IO open and the Socket.IO CONNECT can run out.
  const common = ["--port", 0, "--ping-interval", 25000, "--ping-timeout", 20000, "--connect-timeout", 30000, "--threads", 1];
  if (tls) common.push("--tls-cert", certFile, "--tls-key", keyFile);
  return opts.server === "cpp" ? { cmd: opts.cppBin, args: common } : { cmd: process.execPath, args: [fixtureCopy, ...common] };
}

// --- runs ------------------------------------------------------------------------------------

async function fanout(srv, tls) {
  const fo = sizes.fanout;
  const args = ["fanout", "--port", srv.port, "--server-pid", srv.pid, "--clients", fo.clients, "--broadcasts", fo.broadcasts,
    "--in-flight", fo.inFlight, "--payload-bytes", fo.payload, "--deadline", 115];
  if (tls) args.push("--tls");
  const g = new Generator(opts.loadgenBin, args, 1);
  const done = await g.event("done", 120000);
  await g.stop();
  return done;
}

async function idle(srv, tls) {
  const n = sizes.idle;
  const args = ["idle", "--port", srv.port, "--clients", n, "--deadline", 175, "--source-first", "127.1.0.1", "--source-count", 32];
  if (tls) args.push("--tls");
  const g = new Generator(opts.loadgenBin, args, 1);
  const fail = async (error) => {
    process.kill(g.child.pid, "SIGKILL");
    await g.exited;
    return { ok: false, error, generatorCpuSeconds: 0 };
  };
  let e = await g.event("ready", 30000);
  if (e.ok === false) return fail(e.error);
  const r = { n, rssBefore: rssBytes(srv.pid) };
  const c0 = cpuSample(srv.pid);
  g.go();
  e = await g.event("connected", 120000);
  if (e.ok === false) return fail(e.error);
  const c1 = cpuSample(srv.pid);
  r.connectSeconds = e.connectSeconds;
  r.connectCpu = cpuDelta(c0, c1);
  r.usPerConnect = (r.connectCpu.schedSeconds * 1e6) / n;
  await sleep(settleMs);
  r.rssAfter = rssBytes(srv.pid);
  r.bytesPerConnection = (r.rssAfter - r.rssBefore) / n;
  g.go();
  const done = await g.event("done", 30000);
  await g.stop();
  return { ...r, ok: done.ok === true, error: done.error, generatorCpuSeconds: done.generatorCpuSeconds ?? 0 };
}

async function runOne(kind, tls) {
  const { cmd, args } = serverCommand(tls);
  const srv = await startServer(cmd, args, 0, opts.server);
  const result = await runAgainst(srv, () => (kind === "fanout" ? fanout(srv, tls) : idle(srv, tls)));
  log(`${kind} ${tls ? "tls" : "clear"}: ${result.ok ? "ok" : "FAILED"} in ${result.seconds.toFixed(1)} s`);
  if (!result.ok) log(`  ${String(result.error).slice(0, 600)}`);
  return result;
}

/** True when the C++ fixture takes --tls-cert/--tls-key (it listens); false on a usage error. */
async function cppSupportsTls() {
  try {
    const { cmd, args } = serverCommand(true);
    const srv = await startServer(cmd, args, 0, "C++ fixture");
    await stopProcess(srv.child);
    return true;
  } catch (e) {
    log(`the C++ fixture does not start with --tls-cert/--tls-key: ${String(e.message).slice(0, 300)}`);
    return false;
  }
}

// --- report ----------------------------------------------------------------------------------

const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const fi = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a");

export function writeReport(data, outFile) {
  const { env, runs } = data;
  const ok = (kind, tls) => runs.filter((r) => r.kind === kind && r.tls === tls && r.result.ok).map((r) => r.result);
  const stat = (kind, tls, fn) => {
    const v = ok(kind, tls).map(fn).filter(Number.isFinite);
    return { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length };
  };
  const show = (s, d) => (s.n === 0 ? "n/a" : s.n === 1 ? fmt(s.median, d) : `${fmt(s.median, d)} (${fmt(s.min, d)} – ${fmt(s.max, d)})`);
  const fmt = (x, d) => (d === "i" ? fi(x) : f(x, d));
  const rows = [
    ["fanout: server CPU per delivery (µs)", "fanout", (r) => r.usPerDelivery, 3],
    ["… of which user space (µs)", "fanout", (r) => r.userUsPerDelivery, 3],
    ["… of which kernel (µs)", "fanout", (r) => r.systemUsPerDelivery, 3],
    ["fanout: deliveries per second", "fanout", (r) => r.deliveriesPerSecond, "i"],
    [`idle, N=${fi(data.sizes.idle)}: server RSS per connection (bytes)`, "idle", (r) => r.bytesPerConnection, "i"],
    ["idle: server CPU per connect, handshakes included (µs)", "idle", (r) => r.usPerConnect, 0],
    ["idle: connect time for all (s)", "idle", (r) => r.connectSeconds, 2],
  ];
  const L = [];
  const label = data.server === "cpp" ? "C++ fixture (`socketio-fixture-server --threads 1`)" : "Node reference fixture (socket.io " + env.socketio + ")";
  L.push(`# TLS cost: ${label}`);
  L.push("");
  L.push(`${env.date}, commit ${env.commit}${env.dirtyFiles ? ` (+${env.dirtyFiles} uncommitted files)` : ""}; ${env.reps} repetition${env.reps > 1 ? "s" : ""}${env.quick ? ", quick sizes" : ""}.`);
  L.push("");
  L.push("```sh");
  L.push(env.command);
  L.push("```");
  L.push("");
  L.push("Medians (min – max) over the repetitions; TLS / clear is the ratio of the medians.");
  L.push("");
  L.push("| measurement | clear (ws) | TLS (wss) | TLS / clear |");
  L.push("|---|---|---|---|");
  for (const [name, kind, fn, d] of rows) {
    const c = stat(kind, false, fn);
    const t = stat(kind, true, fn);
    L.push(`| ${name} | ${show(c, d)} | ${show(t, d)} | ${f(t.median / c.median, 2)} |`);
  }
  L.push("");
  const limited = runs.filter((r) => r.kind === "fanout" && r.result.limitedBy).map((r) => `${r.tls ? "TLS" : "clear"} rep ${r.rep + 1}: ${r.result.limitedBy}`);
  L.push(`Who limited each fanout run (a process at ≥ 90 % of its core, from schedstat; "latency" when neither was): ${limited.join(", ") || "n/a"}.`);
  L.push("");
  L.push("## Runs");
  L.push("");
  L.push("| rep | kind | mode | ok | figure | other CPUs busy | note |");
  L.push("|---|---|---|---|---|---|---|");
  for (const r of runs) {
    const fig = r.kind === "fanout" ? `${f(r.result.usPerDelivery, 3)} µs/delivery` : `${fi(r.result.bytesPerConnection)} B/connection`;
    L.push(`| ${r.rep + 1} | ${r.kind} | ${r.tls ? "TLS" : "clear"} | ${r.result.ok ? "yes" : "**no**"} | ${fig} | ${f(r.result.otherCpus, 2)} | ${r.result.ok ? "" : String(r.result.error).replace(/\|/g, "/").slice(0, 200)} |`);
  }
  L.push("");
  L.push("## Method");
  L.push("");
  const fo = data.sizes.fanout;
  L.push(`- Server: ${data.server === "cpp" ? "`socketio-fixture-server`" : "`tests/e2e/reference/fixture.mjs` run from bench/.work so that it loads bench/node_modules"} with \`--port 0 --ping-interval 25000 --ping-timeout 20000 --connect-timeout 30000 --threads 1\`, plus \`--tls-cert --tls-key\` for TLS (a self-signed P-256 certificate made with the openssl CLI). A fresh server per run, pinned to CPU 0; \`socketio-loadgen\` pinned to CPU 1 (\`--tls\`: Boost.Asio SSL streams, no certificate check, TLS 1.3 as negotiated). The two modes alternate within a repetition and the order flips every repetition.`);
  L.push(`- fanout: ${fi(fo.clients)} WebSocket members in one room, ${fo.inFlight} \`bcast\` in flight until ${fo.broadcasts} are acked after 20 warm-up ones, ${fo.payload}-byte payload; every member checks every message (loss, duplicates, order, bytes). Server CPU over the measured phase (per-thread schedstat; user and kernel from /proc/PID/stat) divided by the deliveries. Over TLS each delivery is encrypted once per member, so the difference is the per-connection encryption and the larger writes.`);
  L.push(`- idle: 50 warm-up connections opened and closed, RSS read, then ${fi(data.sizes.idle)} WebSocket connections (200 handshakes in flight) that stay idle; RSS read ${settleMs / 1000} s after the last one connected. RSS per connection = (after − before) / N. CPU per connect covers the TCP accept, the TLS handshake (ECDHE P-256, ECDSA signature) and the Engine.IO/Socket.IO handshakes.`);
  L.push(`- Machine: ${env.nproc} × ${env.model}, kernel ${env.kernel}, node ${env.node}; shared with other work: the "other CPUs busy" column is the CPU time of every other process during each run, in CPUs.`);
  L.push("");
  fs.writeFileSync(outFile, L.join("\n"));
}

function environment() {
  let socketio = "?";
  try {
    socketio = JSON.parse(fs.readFileSync(path.join(benchDir, "node_modules/socket.io/package.json"), "utf8")).version;
  } catch {
    // not installed: the report says "?"
  }
  return {
    ...machineAndCommit(repoDir),
    socketio,
    command: opts.command,
    reps: opts.reps,
    quick: opts.quick,
  };
}

// --- main ------------------------------------------------------------------------------------

async function main() {
  if (opts.render) {
    writeReport(JSON.parse(fs.readFileSync(opts.render, "utf8")), opts.out);
    log(`wrote ${path.relative(process.cwd(), opts.out)} from ${opts.render}`);
    return;
  }
  if (!fs.existsSync(opts.loadgenBin)) throw new Error(`missing ${opts.loadgenBin}: build it first (bench/tls.sh does)`);
  fs.mkdirSync(workDir, { recursive: true });
  makeCertificate(certDir);
  if (opts.server === "node") {
    fs.copyFileSync(path.join(repoDir, "tests/e2e/reference/fixture.mjs"), fixtureCopy);
  } else {
    if (!fs.existsSync(opts.cppBin)) throw new Error(`missing ${opts.cppBin}: build it first (bench/tls.sh does)`);
    if (!(await cppSupportsTls())) {
      log("this C++ fixture has no TLS yet (docs/FIXTURE.md: --tls-cert/--tls-key); nothing measured");
      process.exit(3);
    }
  }
  const data = { server: opts.server, env: environment(), sizes, runs: [] };
  for (let rep = 0; rep < opts.reps; rep++) {
    const order = rep % 2 === 0 ? [false, true] : [true, false];
    for (const kind of ["fanout", "idle"]) {
      for (const tls of order) data.runs.push({ rep, kind, tls, result: await runOne(kind, tls) });
    }
  }
  const json = path.join(workDir, `tls-${opts.server}${opts.quick ? "-quick" : ""}.json`);
  fs.writeFileSync(json, JSON.stringify(data));
  writeReport(data, opts.out);
  log(`wrote ${path.relative(process.cwd(), opts.out)} (data: ${path.relative(process.cwd(), json)})`);
  const failed = data.runs.filter((r) => !r.result.ok).length;
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  log(String(e.stack ?? e));
  process.exit(2);
});
