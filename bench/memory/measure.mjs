// Server memory per idle WebSocket Socket.IO connection, at several connection counts.
//
//   node bench/memory/measure.mjs [--n 1000,10000,19000] [--server PATH] [--workers 2]
//                                 [--heaptrack FILE] [--settle-ms 3000] [--timeout-ms 300000]
//
// Starts the release fixture server (port 0, 127.0.0.1 only, one I/O thread, ping interval
// 25 s so that no heartbeat runs during the measurement), opens and closes 50 connections
// (lazily initialised code is then in the baseline), reads VmRSS, then opens idle connections
// from 127.0.0.2..127.0.0.9 in `--workers` client processes (each under its own open-file
// limit) and reads VmRSS again at every count of --n, once it has stopped changing. Each
// connection completes the Socket.IO CONNECT to "/" (where the fixture registers its ~16
// handlers per socket); 20 of them answer an echo at the end to show they are alive.
//
// --heaptrack FILE runs the server under heaptrack (RSS figures are then meaningless), stops
// it after the last count and prints heaptrack's peak allocation sites: with every connection
// open at the peak, a site's peak bytes / N is what it holds per connection.
//
// Prints a table and one JSON line (prefix "result ") on stdout; progress on stderr.

import { execFileSync, fork, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");

const o = {
  n: [1000, 10000, 19000],
  server: path.join(repo, "build/release/examples/socketio-fixture-server"),
  workers: 2,
  heaptrack: "",
  settleMs: 3000,
  timeoutMs: 300000,
  serverArgs: [],
};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const v = () => process.argv[++i];
  if (a === "--n") o.n = v().split(",").map(Number);
  else if (a === "--server") o.server = path.resolve(v());
  else if (a === "--workers") o.workers = Number(v());
  else if (a === "--heaptrack") o.heaptrack = path.resolve(v());
  else if (a === "--settle-ms") o.settleMs = Number(v());
  else if (a === "--timeout-ms") o.timeoutMs = Number(v());
  else if (a === "--") o.serverArgs = process.argv.slice(i + 1), (i = process.argv.length);
  else throw new Error(`unknown option ${a}`);
}
o.n.sort((a, b) => a - b);
const log = (...a) => console.error("[memory]", ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();
const remaining = () => Math.max(1000, o.timeoutMs - (Date.now() - started));

function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m[1]) * 1024;
}

/** The fixture server's own PID: the process itself, or heaptrack's child running it. */
function serverPid(launcherPid) {
  if (!o.heaptrack) return launcherPid;
  const name = path.basename(o.server).slice(0, 15);
  const walk = (pid) => {
    if (fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() === name) return pid;
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
      const kids = fs.readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim();
      for (const k of kids ? kids.split(/\s+/).map(Number) : []) {
        const found = walk(k);
        if (found) return found;
      }
    }
    return 0;
  };
  return walk(launcherPid);
}

function startServer() {
  const args = ["--port", "0", "--host", "127.0.0.1", "--threads", "1", "--ping-interval", "25000",
    "--ping-timeout", "20000", ...o.serverArgs];
  const [cmd, argv] = o.heaptrack ? ["heaptrack", ["-o", o.heaptrack, o.server, ...args]] : [o.server, args];
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`no "listening" line; stderr: ${err}`)), 20000);
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), pid: serverPid(child.pid) });
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}); stderr: ${err}`)));
  });
}

function startWorker(index) {
  const w = fork(path.join(here, "idle-clients.mjs"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiting = [];
  w.on("message", (m) => waiting.shift()?.(m));
  w.request = (msg) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${index}: no answer to ${msg.cmd}`)), remaining());
      waiting.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
      w.send(msg);
    });
  // Worker k uses its own 127.0.0.x addresses, so no two workers compete for source ports.
  w.sources = Array.from({ length: 4 }, (_, j) => `127.0.0.${2 + index * 4 + j}`);
  return w;
}

/** Reads RSS until two samples 500 ms apart agree (at most settleMs after the first). */
async function settledRss(pid) {
  let last = rssBytes(pid);
  const until = Date.now() + o.settleMs;
  while (Date.now() < until) {
    await sleep(500);
    const now = rssBytes(pid);
    if (now === last) break;
    last = now;
  }
  return last;
}

async function openOn(workers, count) {
  const share = (k) => Math.floor(count / workers.length) + (k < count % workers.length ? 1 : 0);
  const answers = await Promise.all(
    workers.map((w, k) =>
      w.request({ cmd: "open", port: srv.port, count: share(k), sources: w.sources, concurrency: 100,
        timeoutMs: remaining() }),
    ),
  );
  const failed = answers.reduce((s, a) => s + a.failed, 0);
  if (failed) throw new Error(`${failed} connections failed: ${answers.flatMap((a) => a.errors).join("; ")}`);
}

const srv = await startServer();
log(`server pid ${srv.pid} port ${srv.port}${o.heaptrack ? " (under heaptrack)" : ""}`);
const workers = Array.from({ length: o.workers }, (_, k) => startWorker(k));
const rows = [];
let exitCode = 0;
try {
  // Warm-up: 50 connections opened and closed.
  const warm = startWorker(o.workers);
  await openOnWarm(warm);
  warm.send({ cmd: "close" });
  await new Promise((r) => warm.on("exit", r));
  await sleep(500);
  const base = await settledRss(srv.pid);
  log(`baseline RSS ${base} bytes`);
  let open = 0;
  let prev = { n: 0, rss: base };
  for (const n of o.n) {
    const t0 = Date.now();
    await openOn(workers, n - open);
    open = n;
    const rss = await settledRss(srv.pid);
    const row = {
      n,
      rss,
      perConnection: (rss - base) / n,
      marginal: (rss - prev.rss) / (n - prev.n),
      connectSeconds: (Date.now() - t0) / 1000,
    };
    rows.push(row);
    prev = row;
    log(`N=${n}: RSS ${rss}, ${row.perConnection.toFixed(0)} B/conn (${row.connectSeconds.toFixed(1)} s)`);
  }
  const echoes = await Promise.all(workers.map((w) => w.request({ cmd: "echo", count: 10, timeoutMs: 10000 })));
  const alive = echoes.reduce((s, e) => s + e.ok, 0);
  const dead = echoes.reduce((s, e) => s + e.failed, 0);
  if (dead) throw new Error(`${dead} of ${alive + dead} echo checks failed`);
  console.log(`| connections | server RSS (bytes) | per connection (bytes) | marginal (bytes per added connection) |`);
  console.log(`|---:|---:|---:|---:|`);
  console.log(`| 0 (baseline) | ${base.toLocaleString("en")} | | |`);
  for (const r of rows) {
    console.log(`| ${r.n.toLocaleString("en")} | ${r.rss.toLocaleString("en")} | ${Math.round(r.perConnection).toLocaleString("en")} | ${Math.round(r.marginal).toLocaleString("en")} |`);
  }
  console.log("result " + JSON.stringify({ baseline: base, rows, echoOk: alive, heaptrack: o.heaptrack || null }));
} catch (e) {
  log(`FAILED: ${e.message}`);
  exitCode = 1;
} finally {
  for (const w of workers) w.send({ cmd: "close" });
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r() : w.on("exit", r)))));
  // The server's own PID (not heaptrack's script): SIGTERM lets it close cleanly, which
  // lets heaptrack finish its file.
  const exited = new Promise((r) => srv.child.on("exit", r));
  process.kill(srv.pid, "SIGTERM");
  await Promise.race([exited, sleep(60000)]);
}
if (o.heaptrack && exitCode === 0) {
  const file = fs.readdirSync(path.dirname(o.heaptrack))
    .filter((f) => f.startsWith(path.basename(o.heaptrack) + ".") && /\.(gz|zst)$/.test(f))
    .map((f) => path.join(path.dirname(o.heaptrack), f))[0];
  log(`heaptrack data: ${file}`);
  process.stdout.write(execFileSync("heaptrack_print", ["-f", file, "-p", "1", "-a", "0", "-T", "0", "-n", "40", "-s", "3"],
    { maxBuffer: 64 << 20 }).toString());
}
process.exit(exitCode);

async function openOnWarm(w) {
  const a = await w.request({ cmd: "open", port: srv.port, count: 50, sources: w.sources, concurrency: 50, timeoutMs: 30000 });
  if (a.failed) throw new Error(`warm-up: ${a.failed} connections failed`);
}
