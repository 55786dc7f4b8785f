// The soak benchmark: 10,000 WebSocket clients against the C++ fixture server for 10 minutes,
// with steady traffic, churn and a few injected faults (socketio-loadgen's `soak` scenario),
// while this script samples the server's RSS and open descriptors every second. Writes
// bench/SOAK.md and bench/soak.svg. Started by bench/soak.sh, which builds the binaries.
//
//   node bench/soak.mjs [--clients N] [--duration S] [--warmup S] [--quick] [--out FILE]
//                       [--cpp-bin PATH] [--loadgen-bin PATH] [--threads N] [--tls]
//   node bench/soak.mjs --render bench/.work/SOAK.json [--out FILE]   (report from saved data)
//
// The server runs pinned to CPU 0 (taskset), the generators to CPU 1, as in bench.mjs. Above
// 15,000 connections the clients are split over two generator processes, each with its own
// loopback source addresses and rooms. Everything is on 127.0.0.0/8; the run is bounded by
// --duration plus fixed limits for connecting and ending, and every process is stopped by PID.

import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { defaults, inRange, paths, readOptions } from "./options.mjs";
import {
  CLK_TCK, Generator, cpuDelta, cpuSample, fdCount, machineAndCommit, makeCertificate, machineTicks, processTicks, rssBytes,
  sleep, startServer, stopProcess,
} from "./proc-util.mjs";

const { benchDir, repoDir, workDir } = paths;

const opts = {
  clients: 10000,
  duration: 600,
  warmup: 120,
  churnPercent: 1.5, // of the clients, replaced gracefully per second
  echoInterval: 10, // seconds between two echoes of one client, on average
  broadcasts: 20, // per second, in all
  roomSize: 50,
  resets: 0.2, // per second
  stalls: 0.2, // per second
  pingInterval: 10000,
  pingTimeout: 5000,
  threads: 1,
  tls: false, // wss: the server with --tls-cert/--tls-key, the generators with --tls
  ...defaults(),
  command: process.env.SOAK_COMMAND ?? "node bench/soak.mjs",
};
{
  const argv = process.argv.slice(2);
  const num = (name, lo, hi, set) => [name, (v) => set(inRange(name, v, lo, hi))];
  const values = Object.fromEntries([
    num("--clients", 10, 30000, (x) => (opts.clients = x)),
    num("--duration", 10, 3600, (x) => (opts.duration = x)),
    num("--warmup", 0, 3600, (x) => (opts.warmup = x)),
    num("--churn-percent", 0, 20, (x) => (opts.churnPercent = x)),
    num("--resets", 0, 100, (x) => (opts.resets = x)),
    num("--stalls", 0, 100, (x) => (opts.stalls = x)),
    num("--threads", 1, 16, (x) => (opts.threads = x)),
  ]);
  readOptions(argv, opts, { values, flags: { "--tls": () => (opts.tls = true) } });
  if (opts.quick) {
    // Under a minute: the same shape, smaller and shorter.
    if (!argv.includes("--clients")) opts.clients = 2000;
    if (!argv.includes("--duration")) opts.duration = 40;
    if (!argv.includes("--warmup")) opts.warmup = 10;
    if (!argv.includes("--resets")) opts.resets = 1;
    if (!argv.includes("--stalls")) opts.stalls = 1;
  }
  opts.warmup = Math.min(opts.warmup, opts.duration / 2);
  opts.out ??= opts.quick ? path.join(workDir, "SOAK-quick.md") : path.join(benchDir, "SOAK.md");
}

const log = (...a) => process.stderr.write(`[soak] ${a.join(" ")}\n`);
// One generator process holds at most this many connections (20,000 open files per process).
const perProcessConnections = 15000;

// --- the run ---------------------------------------------------------------------------------

async function run() {
  // The fixture's 1 s Socket.IO connect timeout (FIXTURE.md) would count a replacement client
  // delayed by the machine's other load as a failure; the soak looks for leaks and lost
  // messages, so it allows 30 s, as tls.mjs does.
  const serverArgs = ["--port", 0, "--ping-interval", opts.pingInterval, "--ping-timeout", opts.pingTimeout, "--threads", opts.threads, "--connect-timeout", 30000];
  if (opts.tls) {
    const { cert, key } = makeCertificate(path.join(workDir, "tls"));
    serverArgs.push("--tls-cert", cert, "--tls-key", key);
  }
  const srv = await startServer(opts.cppBin, serverArgs, 0, "socketio-fixture-server");
  log(`server pid ${srv.pid} on port ${srv.port}`);
  const data = { env: environment(), opts: { ...opts }, serverArgs, samples: [], generators: [] };
  const m0 = machineTicks();
  const s0 = processTicks(srv.pid);
  const started = performance.now();
  let gens = [];
  try {
    await sleep(500);
    data.baseline = { fds: fdCount(srv.pid), rss: rssBytes(srv.pid) };
    log(`baseline: ${data.baseline.fds} descriptors, RSS ${(data.baseline.rss / 1048576).toFixed(1)} MiB`);

    const procs = Math.ceil(opts.clients / perProcessConnections);
    const share = (total, p) => total / procs;
    const deadline = Math.ceil(opts.duration + 300);
    for (let p = 0; p < procs; p++) {
      const n = Math.floor(opts.clients / procs) + (p < opts.clients % procs ? 1 : 0);
      gens.push(new Generator(opts.loadgenBin, [
        "soak", "--port", srv.port, "--clients", n, "--duration", opts.duration, "--deadline", deadline,
        "--churn-per-second", (n * opts.churnPercent) / 100, "--echo-interval", opts.echoInterval,
        "--broadcasts-per-second", share(opts.broadcasts, p), "--room-size", opts.roomSize,
        "--resets-per-second", share(opts.resets, p), "--stalls-per-second", share(opts.stalls, p),
        "--ping-interval-ms", opts.pingInterval, "--ping-timeout-ms", opts.pingTimeout,
        "--room-prefix", `soak${p}`, "--source-first", `127.${p + 1}.0.1`, "--source-count", 32,
        ...(opts.tls ? ["--tls"] : []),
      ], 1));
    }

    // Samples every second from now until the end, whatever phase the generators are in.
    let phase = "connecting";
    let steadyAt = null;
    let prevCpu = cpuSample(srv.pid);
    const sampler = setInterval(() => {
      try {
        const cpu = cpuSample(srv.pid);
        const ticks = gens.map((g) => g.lastTick).filter(Boolean);
        const sum = (k) => ticks.reduce((a, t) => a + (t[k] ?? 0), 0);
        const now = performance.now();
        // Steady only once every generator's latest line is from its steady phase.
        const genPhase = ticks.length === gens.length && ticks.every((t) => t.phase === "steady") ? "steady" : ticks.map((t) => t.phase).join(",");
        data.samples.push({
          t: (now - started) / 1000,
          ts: steadyAt === null ? null : (now - steadyAt) / 1000,
          phase: phase === "steady" && genPhase !== "steady" ? "settling" : phase,
          rss: rssBytes(srv.pid),
          fds: fdCount(srv.pid),
          serverBusy: cpuDelta(prevCpu, cpu).busy,
          active: sum("active"),
          starting: sum("starting"),
          leaving: sum("leaving"),
          closing: sum("closing"),
          stalled: sum("stalled"),
          joined: sum("joined"),
          graceful: sum("graceful"),
          resets: sum("resets"),
          stalls: sum("stalls"),
          stallsClosed: sum("stallsClosed"),
          echoes: sum("echoes"),
          broadcasts: sum("broadcasts"),
          deliveries: sum("deliveries"),
          pings: sum("pings"),
          echoMaxUs: Math.max(0, ...ticks.map((t) => t.echoMaxUs ?? 0)),
          errors: sum("errors"),
        });
        prevCpu = cpu;
      } catch (e) {
        log(`sample failed: ${e.message}`);
      }
    }, 1000);

    try {
      const connected = await Promise.all(gens.map((g) => g.event("connected", 120000)));
      const bad = connected.find((e) => e.ok === false || e.connected === undefined);
      steadyAt = performance.now();
      phase = "steady";
      data.connect = connected;
      if (bad) throw new Error(`connecting: ${bad.error ?? JSON.stringify(bad)}`);
      log(`${opts.clients} clients connected; steady phase of ${opts.duration} s`);
      let minute = 0;
      const progress = setInterval(() => {
        const s = data.samples.at(-1);
        if (s) log(`t=${(++minute * 60).toString().padStart(4)} s: ${s.active} active, ${s.fds} fds, RSS ${(s.rss / 1048576).toFixed(1)} MiB, ${s.errors} errors`);
      }, 60000);
      await sleep(opts.duration * 1000);
      clearInterval(progress);
      phase = "ending";
      const dones = await Promise.all(gens.map((g) => g.event("done", 120000)));
      data.generators = dones;
      phase = "after";
      // The clients are gone: the descriptors must come back to the baseline.
      const endAt = performance.now();
      let fds = fdCount(srv.pid);
      while (fds !== data.baseline.fds && performance.now() - endAt < 30000) {
        await sleep(100);
        fds = fdCount(srv.pid);
      }
      data.after = { fds, secondsToBaseline: fds === data.baseline.fds ? (performance.now() - endAt) / 1000 : null };
      await sleep(5000);
      data.after.rss = rssBytes(srv.pid);
      data.after.fdsLater = fdCount(srv.pid);
    } finally {
      clearInterval(sampler);
    }
  } catch (e) {
    data.error = String(e.stack ?? e);
    log(`FAILED: ${data.error}`);
  } finally {
    for (const g of gens) await g.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const m1 = machineTicks();
  const s1 = processTicks(srv.pid);
  data.serverExit = await stopProcess(srv.child);
  data.serverStderr = srv.stderr().slice(-2000);
  const genCpu = data.generators.reduce((a, d) => a + (d.generatorCpuSeconds ?? 0), 0);
  data.seconds = seconds;
  data.serverCpuSeconds = (s1 - s0) / CLK_TCK;
  data.generatorCpuSeconds = genCpu;
  // CPU used by anything but the server and the generators, in CPUs (1.0 = one CPU all along).
  data.otherCpus = Math.max(0, ((m1.busy - m0.busy - (s1 - s0)) / CLK_TCK - genCpu) / seconds);
  return data;
}

function environment() {
  return {
    ...machineAndCommit(repoDir),
    command: opts.command,
    cppBin: path.relative(repoDir, opts.cppBin),
  };
}

// --- analysis --------------------------------------------------------------------------------

/** Least-squares line through (x, y): slope and intercept. */
function fit(points) {
  const n = points.length;
  if (n < 2) return { slope: NaN, intercept: NaN };
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) * (x - mx);
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

// A leak that grows with the connections replaced is the one a soak can find and a short
// benchmark cannot. An idle connection costs the server about 3.9 KB of RSS (bench/MEMORY.md):
// the run fails if RSS rose, after warm-up, by more than 1 % of that per connection replaced
// in the window, i.e. 40 bytes each (spread over the messages instead, it is about 1.5 bytes
// per message at these rates). Allocator noise at a steady load is far below that: a healthy
// server's fitted rise is within a few hundred KB either way.
const leakBytesPerReplacement = 40;
// The descriptor count may differ from the generators' count of open connections by the
// connections in transit between the two readings (a 1.5 %/s churn moves ~150 a second): 1 % of
// the clients. Connections being opened or closed, and stalled ones, may or may not still be
// open in the server, so they count only towards the upper bound.
const fdSlackFraction = 0.01;

export function analyse(data) {
  const a = { checks: [] };
  const check = (name, ok, detail) => a.checks.push({ name, ok, detail });
  const steady = data.samples.filter((s) => s.phase === "steady" && s.ts !== null && s.ts <= data.opts.duration);
  const window = steady.filter((s) => s.ts >= data.opts.warmup);
  a.window = window.length ? { from: window[0].ts, to: window.at(-1).ts, samples: window.length } : null;

  // RSS
  const line = fit(window.map((s) => [s.ts, s.rss]));
  a.rssFit = line;
  a.rssSlopeBytesPerMinute = line.slope * 60;
  a.windowSeconds = window.length ? window.at(-1).ts - window[0].ts : NaN;
  a.rssFittedRise = line.slope * a.windowSeconds;
  const first = window[0];
  const last = window.at(-1);
  a.replacedInWindow = first && last ? (last.graceful - first.graceful) + (last.resets - first.resets) + (last.stalls - first.stalls) : NaN;
  a.messagesInWindow = first && last ? (last.echoes - first.echoes) * 2 + (last.broadcasts - first.broadcasts) + (last.deliveries - first.deliveries) + (last.pings - first.pings) * 2 : NaN;
  a.rssLimit = leakBytesPerReplacement * a.replacedInWindow;
  a.rssMin = Math.min(...window.map((s) => s.rss));
  a.rssMax = Math.max(...window.map((s) => s.rss));
  a.rssWarmupEnd = first?.rss;
  a.rssEnd = last?.rss;
  a.leakPerReplacement = a.rssFittedRise / a.replacedInWindow;
  // The second half of the window alone: a leak keeps rising there, a warm-up step does not.
  const late = window.filter((s) => s.ts >= (window[0]?.ts ?? 0) + a.windowSeconds / 2);
  a.rssLateMin = Math.min(...late.map((s) => s.rss));
  a.rssLateMax = Math.max(...late.map((s) => s.rss));
  a.rssLateFrom = late[0]?.ts;
  check("RSS flat after warm-up", Number.isFinite(a.rssFittedRise) && a.rssFittedRise <= a.rssLimit,
    `fitted rise ${kib(a.rssFittedRise)} over ${f(a.windowSeconds, 0)} s (slope ${kib(a.rssSlopeBytesPerMinute)}/min) ≤ ${leakBytesPerReplacement} B × ${fi(a.replacedInWindow)} connections replaced = ${kib(a.rssLimit)}`);

  // Descriptors
  const base = data.baseline.fds;
  let over = 0;
  let under = 0;
  let worst = null;
  for (const s of steady) {
    const open = s.active + s.starting + s.leaving + s.closing + s.stalled;
    const held = s.fds - base;
    const slack = data.opts.clients * fdSlackFraction;
    const ex = held - (open + slack);
    const de = s.active + s.leaving - slack - held;
    if (ex > 0) over++;
    if (de > 0) under++;
    const dev = held - (s.active + s.leaving);
    if (!worst || Math.abs(dev) > Math.abs(worst.dev)) worst = { dev, ts: s.ts, held, active: s.active };
  }
  a.fdWorst = worst;
  a.fdRange = steady.length ? [Math.min(...steady.map((s) => s.fds)), Math.max(...steady.map((s) => s.fds))] : [NaN, NaN];
  check("descriptors track the connections", steady.length > 0 && over === 0 && under === 0,
    `${steady.length} samples; server descriptors − baseline within [active + leaving − 1 %, all open + 1 %] of the generators' counts in all but ${over + under}; largest difference from active ${worst ? worst.dev : "n/a"} at t=${worst ? f(worst.ts, 0) : "?"} s`);
  check("descriptors back to the baseline after the clients left", data.after?.fds === base && data.after?.fdsLater === base,
    `baseline ${base}, ${data.after?.fds ?? "n/a"} after the clients left (${data.after?.secondsToBaseline === null || data.after?.secondsToBaseline === undefined ? "not reached in 30 s" : `reached in ${f(data.after.secondsToBaseline, 1)} s`}), ${data.after?.fdsLater ?? "n/a"} 5 s later`);

  // Errors and deliveries
  const g = data.generators;
  const tot = (k) => g.reduce((s, d) => s + (d[k] ?? 0), 0);
  a.errors = {};
  for (const d of g) for (const [k, v] of Object.entries(d.errors ?? {})) a.errors[k] = (a.errors[k] ?? 0) + v;
  a.totals = Object.fromEntries(["joined", "graceful", "resets", "stalls", "stallsClosedByServer", "echoesSent", "echoesAcked", "broadcastsSent", "broadcastsAcked", "deliveries", "requiredDeliveries", "checkedMembers", "pings", "skipped"].map((k) => [k, tot(k)]));
  const errorTotal = Object.values(a.errors).reduce((x, y) => x + y, 0);
  check("no error beyond those injected", g.length > 0 && g.every((d) => d.ok === true) && errorTotal === 0,
    `${errorTotal} errors (every kind listed below); generators ${g.map((d) => (d.ok ? "ok" : `failed: ${d.error}`)).join(", ") || "none finished"}`);
  const injected = a.totals.resets + a.totals.stalls;
  const unansweredByFaulty = a.totals.echoesSent - a.totals.echoesAcked + (a.totals.broadcastsSent - a.totals.broadcastsAcked);
  a.unansweredByFaulty = unansweredByFaulty;
  check("every request answered, but those of the faulty clients", unansweredByFaulty <= 2 * injected,
    `${fi(a.totals.echoesAcked)} of ${fi(a.totals.echoesSent)} echoes and ${fi(a.totals.broadcastsAcked)} of ${fi(a.totals.broadcastsSent)} broadcasts acked; the ${unansweredByFaulty} others were in flight on the ${injected} clients reset or stalled (at most 2 each)`);
  const sc = g.map((d) => d.stallCloseSeconds).filter(Boolean);
  a.stallClose = {
    n: sc.reduce((x, y) => x + y.n, 0),
    min: Math.min(...sc.map((x) => x.min)),
    p50: sc[0]?.p50,
    max: Math.max(...sc.map((x) => x.max)),
  };
  check("the server closed every stalled connection (heartbeat timeout)", a.totals.stalls > 0 && a.totals.stallsClosedByServer === a.totals.stalls && a.stallClose.n === a.totals.stalls,
    `${a.totals.stallsClosedByServer} of ${a.totals.stalls} stalled connections closed by the server within ping interval + ping timeout + 5 s; closed ${f(a.stallClose.min, 1)} – ${f(a.stallClose.max, 1)} s after the client stopped reading (median ${f(a.stallClose.p50, 1)} s; ping interval ${data.opts.pingInterval / 1000} s + timeout ${data.opts.pingTimeout / 1000} s)`);
  check("the server exited cleanly", data.serverExit?.exit === 0, JSON.stringify(data.serverExit));
  if (data.error) check("the run completed", false, data.error);
  a.ok = a.checks.every((c) => c.ok);
  return a;
}

// --- report ----------------------------------------------------------------------------------

const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const fi = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a");
const mib = (x) => `${f(x / 1048576, 1)} MiB`;
const kib = (x) => (Number.isFinite(x) ? `${x < 0 ? "−" : ""}${fi(Math.abs(x) / 1024)} KiB` : "n/a");

export function writeReport(data, outFile) {
  const a = analyse(data);
  const o = data.opts;
  const svgName = path.basename(outFile).replace(/\.md$/, "").toLowerCase() + ".svg";
  const L = [];
  L.push("# Soak: the C++ fixture server under churn for " + (o.duration >= 120 ? `${f(o.duration / 60, 0)} minutes` : `${o.duration} s`));
  L.push("");
  L.push(`**${a.ok ? "PASS" : "FAIL"}** — ${fi(o.clients)} WebSocket clients${o.tls ? " over TLS" : ""}, ${o.churnPercent} % of them replaced per second, ${o.resets} resets/s and ${o.stalls} stalled readers/s injected. ${data.env.date}, commit ${data.env.commit}${data.env.dirtyFiles ? ` (+${data.env.dirtyFiles} uncommitted files)` : ""}.`);
  L.push("");
  L.push("```sh");
  L.push(data.env.command);
  L.push("```");
  L.push("");
  L.push("| check | result | detail |");
  L.push("|---|---|---|");
  for (const c of a.checks) L.push(`| ${c.name} | ${c.ok ? "pass" : "**FAIL**"} | ${String(c.detail).replace(/\|/g, "/")} |`);
  L.push("");
  L.push("## Figures");
  L.push("");
  const t = a.totals;
  const steadyS = o.duration;
  L.push("| | |");
  L.push("|---|---|");
  L.push(`| server | \`${data.env.cppBin} ${data.serverArgs.join(" ")}\`, pinned to CPU 0; generator${data.generators.length > 1 ? "s" : ""} pinned to CPU 1 |`);
  L.push(`| connecting ${fi(o.clients)} clients | ${f(Math.max(...(data.connect ?? []).map((c) => c.connectSeconds)), 1)} s |`);
  L.push(`| RSS: baseline, end of warm-up (t=${f(o.warmup, 0)} s), end of run, after the clients left | ${mib(data.baseline.rss)}, ${mib(a.rssWarmupEnd)}, ${mib(a.rssEnd)}, ${mib(data.after?.rss)} |`);
  L.push(`| RSS after warm-up: min – max, least-squares slope, fitted rise | ${mib(a.rssMin)} – ${mib(a.rssMax)}, ${kib(a.rssSlopeBytesPerMinute)}/min, ${kib(a.rssFittedRise)} over ${f(a.windowSeconds, 0)} s (${f(a.leakPerReplacement, 1)} bytes per connection replaced) |`);
  L.push(`| RSS in the second half of that window (t ≥ ${f(a.rssLateFrom, 0)} s): min – max | ${mib(a.rssLateMin)} – ${mib(a.rssLateMax)} (${kib(a.rssLateMax - a.rssLateMin)} apart) |`);
  L.push(`| descriptors: baseline, during the steady phase (min – max), after | ${data.baseline.fds}, ${a.fdRange[0]} – ${a.fdRange[1]}, ${data.after?.fds ?? "n/a"} |`);
  L.push(`| clients that joined (initial + replacements) | ${fi(t.joined)} |`);
  L.push(`| clients replaced during the steady phase | ${fi(t.joined - o.clients)} (${f((t.joined - o.clients) / steadyS, 1)}/s) |`);
  L.push(`| graceful leaves (leave, Socket.IO DISCONNECT, WebSocket close), the final ones included | ${fi(t.graceful)} |`);
  L.push(`| injected: TCP resets / stalled readers (closed by the server) | ${fi(t.resets)} / ${fi(t.stalls)} (${fi(t.stallsClosedByServer)}) |`);
  L.push(`| stalled reader to the server's close (seen every 100 ms from the TCP state, nothing read) | ${f(a.stallClose.min, 1)} – ${f(a.stallClose.max, 1)} s, median ${f(a.stallClose.p50, 1)} s |`);
  L.push(`| echoes acked / sent | ${fi(t.echoesAcked)} / ${fi(t.echoesSent)} (${f(t.echoesAcked / steadyS, 0)}/s) |`);
  L.push(`| broadcasts acked / sent | ${fi(t.broadcastsAcked)} / ${fi(t.broadcastsSent)}, rooms of ${o.roomSize} |`);
  L.push(`| deliveries received; of which required by the checks | ${fi(t.deliveries)} (${f(t.deliveries / steadyS, 0)}/s); ${fi(t.requiredDeliveries)} over ${fi(t.checkedMembers)} members checked |`);
  L.push(`| pings answered (interval ${o.pingInterval} ms) | ${fi(t.pings)} |`);
  const lat = data.generators[0]?.echoLatencyMs;
  if (lat) L.push(`| echo latency p50 / p99 / p99.9 / max (ms) | ${f(lat.p50)} / ${f(lat.p99)} / ${f(lat.p999)} / ${f(lat.max)} |`);
  L.push(`| CPU: server, generator${data.generators.length > 1 ? "s" : ""}, other processes | ${f(data.serverCpuSeconds / data.seconds * 100, 1)} %, ${f(data.generatorCpuSeconds / data.seconds * 100, 1)} % of one CPU; others ${f(data.otherCpus, 2)} CPUs on average |`);
  L.push("");
  L.push("Errors, by kind (each must be 0; the injected faults are not errors and are counted above):");
  L.push("");
  L.push("| kind | count |");
  L.push("|---|---|");
  for (const [k, v] of Object.entries(a.errors)) L.push(`| ${k} | ${v} |`);
  const reasons = data.generators.flatMap((d) => Object.values(d.reasons ?? {}));
  if (reasons.length) {
    L.push("");
    L.push("First reasons: " + reasons.slice(0, 8).map((r) => `\`${r}\``).join("; "));
  }
  L.push("");
  L.push(`## Over time ([${svgName}](${svgName}))`);
  L.push("");
  L.push(`![RSS and descriptors over time](${svgName})`);
  L.push("");
  L.push("t is seconds since every client connected. Rates are over the previous row's interval.");
  L.push("");
  L.push("| t (s) | active | server fds − baseline | RSS (MiB) | server CPU | joins/s | echoes/s | deliveries/s | max echo (ms) | errors |");
  L.push("|---|---|---|---|---|---|---|---|---|---|");
  const steady = data.samples.filter((s) => s.ts !== null);
  const step = o.duration >= 300 ? 30 : 5;
  let prev = null;
  for (const s of steady) {
    if (prev && s.ts - prev.ts < step - 0.5 && s !== steady.at(-1)) continue;
    const dt = prev ? s.ts - prev.ts : NaN;
    const rate = (k) => (prev ? f((s[k] - prev[k]) / dt, 0) : "");
    const win = steady.filter((x) => (prev ? x.ts > prev.ts : x === s) && x.ts <= s.ts);
    L.push(`| ${f(s.ts, 0)}${s.phase !== "steady" ? ` (${s.phase})` : ""} | ${fi(s.active)} | ${s.fds - data.baseline.fds} | ${f(s.rss / 1048576, 1)} | ${f((win.reduce((x, y) => x + y.serverBusy, 0) / Math.max(1, win.length)) * 100, 0)} % | ${rate("joined")} | ${rate("echoes")} | ${rate("deliveries")} | ${f(Math.max(...win.map((x) => x.echoMaxUs)) / 1000, 1)} | ${s.errors} |`);
    prev = s;
  }
  L.push("");
  L.push("## Method");
  L.push("");
  L.push(`- One server (\`--threads ${o.threads}\`, ping interval ${o.pingInterval} ms, ping timeout ${o.pingTimeout} ms) on 127.0.0.1, pinned to CPU 0; \`socketio-loadgen soak\` pinned to CPU 1 (${data.generators.length || 1} process${data.generators.length > 1 ? "es" : ""}, at most ${fi(perProcessConnections)} connections each, source addresses 127.x.0.1–32).`);
  L.push(`- ${fi(o.clients)} clients connect (200 handshakes in flight), each joins room \`i % ${Math.ceil(o.clients / o.roomSize)}\` (${o.roomSize} per room). Then for ${o.duration} s, every 100 ms: each client sends an \`echo\` every ${o.echoInterval} s on average (the ack must carry the same bytes); ${o.broadcasts} \`bcast\` per second in all, each from a client to its own room (payload: a sequence number and filler derived from it); ${o.churnPercent} % of the clients per second leave their room (acked), send Socket.IO DISCONNECT and a WebSocket close and wait for the server's close, while a new client takes the slot; ${o.resets} clients per second vanish with a TCP reset (SO_LINGER 0) and ${o.stalls} per second stop reading with the connection open, both replaced at once. A stalled connection is read again after ping interval + ping timeout + 5 s: the server must have closed it by then.`);
  L.push("- Delivery check (no clocks involved): the generator stamps, in the order it saw them, each join ack, each broadcast's send and ack, and each leave request. At its leave ack a member must have had every broadcast to its room sent after its join ack and acked before its leave request, must not have had one acked before its join request, nor any twice, nor any not of its room; its echo and broadcast in flight must have been acked before the leave ack. Reset and stalled clients are left out of the delivery check (what the server did with their last requests is unknown), and so are their unacked broadcasts.");
  L.push(`- Every second this script reads the server's VmRSS and the entries of /proc/PID/fd, and takes the generators' latest counts (they print one line per second). RSS after warm-up (t ≥ ${o.warmup} s): least-squares line; **pass** when its rise over the window is at most ${leakBytesPerReplacement} bytes per connection replaced in the window. Why: an idle connection costs this server about 3.9 KB (MEMORY.md), so a leak of 1 % of a connection per connection replaced fails the run, and so does, at these rates, a leak of about 1.5 bytes per message; a server that leaks nothing stays within allocator noise, far below the limit.`);
  L.push(`- Descriptors: during the steady phase, server descriptors − baseline must lie between the generators' active + leaving connections − 1 % and all their open connections (connecting, closing and stalled ones included: the server may already have closed those) + 1 % (connections in transit between the two readings); after every client left they must be back at the baseline, and still 5 s later.`);
  L.push(`- The machine (${data.env.nproc} × ${data.env.model}, kernel ${data.env.kernel}, node ${data.env.node}) is shared: other processes used ${f(data.otherCpus, 2)} CPUs on average during the run, which shows in latency and CPU share, not in the checks.`);
  L.push("");
  fs.writeFileSync(outFile, L.join("\n"));
  fs.writeFileSync(path.join(path.dirname(outFile), svgName), chart(data, a));
  return a;
}

/** Two panels over time: RSS (MiB) and server descriptors − baseline beside active clients. */
function chart(data, a) {
  const s = data.samples.filter((x) => x.ts !== null);
  const W = 760;
  const H = 200;
  const left = 70;
  const top = 30;
  const gap = 60;
  const tMax = Math.max(...s.map((x) => x.ts), 1);
  const X = (t) => left + (t / tMax) * W;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${left + W + 30}" height="${top + 3 * H + 2 * gap + 50}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  const panel = (y0, title, series, unit, only = () => true) => {
    const all = series.flatMap((sr) => sr.values.filter((v, i) => only(s[i])));
    let lo = Math.min(...all);
    let hi = Math.max(...all);
    if (hi - lo < 1e-9) hi = lo + 1;
    const pad = (hi - lo) * 0.1;
    lo = Math.max(0, lo - pad);
    hi += pad;
    const Y = (v) => y0 + H - ((v - lo) / (hi - lo)) * H;
    out.push(`<text x="${left}" y="${y0 - 8}" font-weight="bold">${title}</text>`);
    out.push(`<rect x="${left}" y="${y0}" width="${W}" height="${H}" fill="none" stroke="#999"/>`);
    for (let i = 0; i <= 4; i++) {
      const v = lo + ((hi - lo) * i) / 4;
      const digits = hi - lo < 2 ? 2 : v >= 100 ? 0 : 1;
      out.push(`<text x="${left - 6}" y="${Y(v) + 4}" text-anchor="end">${v.toFixed(digits)}</text>`);
      out.push(`<line x1="${left}" x2="${left + W}" y1="${Y(v)}" y2="${Y(v)}" stroke="#eee"/>`);
    }
    const wx = X(data.opts.warmup);
    out.push(`<line x1="${wx}" x2="${wx}" y1="${y0}" y2="${y0 + H}" stroke="#c60" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${wx + 4}" y="${y0 + 14}" fill="#c60">end of warm-up</text>`);
    const dx = X(data.opts.duration);
    out.push(`<line x1="${dx}" x2="${dx}" y1="${y0}" y2="${y0 + H}" stroke="#666" stroke-dasharray="4 3"/>`);
    let ly = y0 + 14;
    for (const sr of series) {
      const pts = s.map((x, i) => (only(x) ? `${X(x.ts).toFixed(1)},${Y(sr.values[i]).toFixed(1)}` : null)).filter(Boolean).join(" ");
      out.push(`<polyline points="${pts}" fill="none" stroke="${sr.color}" stroke-width="1.5"/>`);
      out.push(`<text x="${left + W - 8}" y="${ly}" text-anchor="end" fill="${sr.color}">${sr.label}</text>`);
      ly += 14;
    }
    out.push(`<text x="14" y="${y0 + H / 2}" transform="rotate(-90 14 ${y0 + H / 2})" text-anchor="middle">${unit}</text>`);
  };
  panel(top, `Server RSS (fitted slope after warm-up ${kib(a.rssSlopeBytesPerMinute)}/min)`, [
    { label: "VmRSS", color: "#1f77b4", values: s.map((x) => x.rss / 1048576) },
  ], "MiB");
  const inWindow = (x) => x.phase === "steady" && x.ts >= data.opts.warmup && x.ts <= data.opts.duration;
  panel(top + H + gap, `Server RSS after warm-up, zoomed, with the least-squares line (rise ${kib(a.rssFittedRise)})`, [
    { label: "VmRSS", color: "#1f77b4", values: s.map((x) => x.rss / 1048576) },
    { label: "fitted", color: "#c60", values: s.map((x) => (a.rssFit.intercept + a.rssFit.slope * x.ts) / 1048576) },
  ], "MiB", inWindow);
  panel(top + 2 * (H + gap), "Server descriptors − baseline, and the generators' active clients", [
    { label: "server fds − baseline", color: "#d62728", values: s.map((x) => x.fds - data.baseline.fds) },
    { label: "active clients", color: "#2ca02c", values: s.map((x) => x.active) },
  ], "count");
  const yAxis = top + 3 * H + 2 * gap + 20;
  for (let i = 0; i <= 5; i++) {
    const t = (tMax * i) / 5;
    out.push(`<text x="${X(t)}" y="${yAxis}" text-anchor="middle">${Math.round(t)}</text>`);
  }
  out.push(`<text x="${left + W / 2}" y="${yAxis + 18}" text-anchor="middle">seconds since all clients connected (dashed grey: end of the steady phase)</text>`);
  out.push("</svg>");
  return out.join("\n");
}

// --- main ------------------------------------------------------------------------------------

async function main() {
  if (opts.render) {
    const saved = JSON.parse(fs.readFileSync(opts.render, "utf8"));
    const a = writeReport(saved, opts.out);
    log(`wrote ${path.relative(process.cwd(), opts.out)} from ${opts.render}: ${a.ok ? "PASS" : "FAIL"}`);
    return;
  }
  for (const bin of [opts.cppBin, opts.loadgenBin]) {
    if (!fs.existsSync(bin)) throw new Error(`missing ${bin}: build it first (bench/soak.sh does)`);
  }
  fs.mkdirSync(workDir, { recursive: true });
  const data = await run();
  // Named after the report, so that a short run with --out does not replace the full run's data.
  const json = path.join(workDir, `${path.basename(opts.out).replace(/\.md$/, "")}.json`);
  fs.writeFileSync(json, JSON.stringify(data));
  const a = writeReport(data, opts.out);
  log(`wrote ${path.relative(process.cwd(), opts.out)} (data: ${path.relative(process.cwd(), json)}): ${a.ok ? "PASS" : "FAIL"}`);
  for (const c of a.checks) log(`  ${c.ok ? "pass" : "FAIL"}: ${c.name}: ${c.detail}`);
  process.exitCode = a.ok ? 0 : 1;
}

main().catch((e) => {
  log(String(e.stack ?? e));
  process.exit(2);
});
