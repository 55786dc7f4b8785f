// Writes RESULTS.md and its chart (results.svg next to it) from the data bench.mjs collected.
// Every number in the report is computed here from that data; `node bench/bench.mjs --render
// bench/.work/results.json` re-renders a report without running anything.

import fs from "node:fs";
import path from "node:path";
import { median, stats } from "./load-util.mjs";

// --- statistics and formatting ---------------------------------------------------------------


const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const fi = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a");
const fmt = (s, d) => (s.n === 0 ? "n/a" : s.n === 1 ? fmtNum(s.median, d) : `${fmtNum(s.median, d)} (${fmtNum(s.min, d)} – ${fmtNum(s.max, d)})`);
const fmtNum = (x, d) => (d === "i" ? fi(x) : f(x, d));
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);
// Table-safe text; generator reasons end in "; " and several are joined with "; ".
const cell = (s) => String(s).replace(/\|/g, "/").replace(/\n/g, " ").replace(/(;\s*)+/g, "; ").replace(/[;\s]+$/, "");

// --- report ----------------------------------------------------------------------------------

export function writeReport(data, outFile) {
  const { env, sizes, runs, verify } = data;
  const svgFile = path.join(path.dirname(outFile), env.quick ? "results-quick.svg" : "results.svg");
  const okRuns = (sc, srv) => runs.filter((r) => r.scenario === sc && r.server === srv && r.result.ok).map((r) => r.result);
  const m = (sc, srv, fn) => stats(okRuns(sc, srv).map(fn));
  const labels = data.serverArgs.labels;

  // Measurement rows: C++ (one thread) and Node medians, C++/Node, the target and whether the
  // median meets it. `kind`: "ratio" targets bound C++/Node; "abs" bound the C++ figure alone;
  // "info" rows have none.
  const rows = [];
  const row = (o) => {
    const r = { ...o };
    r.ratio = ratio(o.cpp.median, o.node?.median);
    if (o.kind === "ratio") r.met = Number.isFinite(r.ratio) ? r.ratio <= o.limit : null;
    else if (o.kind === "abs") r.met = Number.isFinite(o.cpp.median) ? o.cpp.median <= o.limit : null;
    else if (o.kind === "check") r.met = o.met;
    rows.push(r);
    return r;
  };
  const fo = sizes.fanout;
  const ec = sizes.echo;
  const pf = sizes.pollFanout;
  const usDel = (r) => r.usPerDelivery;
  const fanout = row({ label: `fanout: server CPU per delivery, ${fo.clients} clients, ${fo.inFlight} in flight, ${fo.payload}-byte payload (µs)`, cpp: m("fanout", "cpp1", usDel), node: m("fanout", "node", usDel), kind: "ratio", limit: 1 / 15, target: "C++/Node ≤ 1/15", d: 3, chart: "fanout CPU per delivery" });
  row({ label: "… of which user space (µs)", cpp: m("fanout", "cpp1", (r) => r.userUsPerDelivery), node: m("fanout", "node", (r) => r.userUsPerDelivery), kind: "info", d: 3 });
  row({ label: "… of which kernel (µs)", cpp: m("fanout", "cpp1", (r) => r.systemUsPerDelivery), node: m("fanout", "node", (r) => r.systemUsPerDelivery), kind: "info", d: 3 });
  const echo = row({ label: `echo: server CPU per round trip, ${ec.clients} clients, 1 in flight each (µs)`, cpp: m("echo", "cpp1", (r) => r.usPerRoundTrip), node: m("echo", "node", (r) => r.usPerRoundTrip), kind: "ratio", limit: 0.3, target: "C++/Node ≤ 0.30", d: 2, chart: "echo CPU per round trip" });
  row({ label: "… of which user space (µs)", cpp: m("echo", "cpp1", (r) => r.userUsPerRoundTrip), node: m("echo", "node", (r) => r.userUsPerRoundTrip), kind: "abs", limit: 4, target: "C++ ≤ 4 µs", d: 2 });
  row({ label: "… of which kernel (µs)", cpp: m("echo", "cpp1", (r) => r.systemUsPerRoundTrip), node: m("echo", "node", (r) => r.systemUsPerRoundTrip), kind: "info", d: 2 });
  row({ label: "echo latency p50 (µs, generator side)", cpp: m("echo", "cpp1", (r) => r.latencyUs.p50), node: m("echo", "node", (r) => r.latencyUs.p50), kind: "info", d: 0 });
  row({ label: "echo latency p99 (µs)", cpp: m("echo", "cpp1", (r) => r.latencyUs.p99), node: m("echo", "node", (r) => r.latencyUs.p99), kind: "ratio", limit: 0.5, target: "C++/Node ≤ 0.5", d: 0, chart: "echo p99 latency" });
  row({ label: "echo latency p99.9 (µs)", cpp: m("echo", "cpp1", (r) => r.latencyUs.p999), node: m("echo", "node", (r) => r.latencyUs.p999), kind: "info", d: 0 });
  row({ label: "echo round trips per second", cpp: m("echo", "cpp1", (r) => r.roundTripsPerSecond), node: m("echo", "node", (r) => r.roundTripsPerSecond), kind: "info", d: "i" });
  row({ label: `polling fanout: server CPU per delivery, ${pf.clients} clients, ${pf.inFlight} in flight (µs)`, cpp: m("poll-fanout", "cpp1", usDel), node: m("poll-fanout", "node", usDel), kind: "ratio", limit: 1 / 5, target: "C++/Node ≤ 1/5", d: 3, chart: "polling fanout CPU per delivery" });
  const idleN = sizes.idle;
  for (const n of idleN) {
    row({ label: `idle WebSocket, N=${fi(n)}: RSS per connection (bytes)`, cpp: m(`idle-${n}`, "cpp1", (r) => r.bytesPerConnection), node: m(`idle-${n}`, "node", (r) => r.bytesPerConnection), kind: "abs", limit: 2048, target: "C++ ≤ 2,048 bytes", d: "i", chart: `RSS per connection, N=${fi(n)}`, chartInfo: true });
  }
  for (const n of idleN) {
    row({ label: `idle WebSocket, N=${fi(n)}: server CPU per connect (µs)`, cpp: m(`idle-${n}`, "cpp1", (r) => r.usPerConnect), node: m(`idle-${n}`, "node", (r) => r.usPerConnect), kind: "ratio", limit: 0.1, target: "C++/Node ≤ 1/10", d: 1, chart: `CPU per connect, N=${fi(n)}` });
  }
  for (const n of sizes.pings) {
    row({ label: `${fi(n)} connections, 1 s pings: server CPU per ping answered (µs)`, cpp: m(`pings-${n}`, "cpp1", (r) => r.usPerPing), node: m(`pings-${n}`, "node", (r) => r.usPerPing), kind: "info", d: 2, chart: `CPU per ping, N=${fi(n)}`, chartInfo: true });
  }
  const maxPing = Math.max(...sizes.pings);
  const pingRuns = runs.filter((r) => r.scenario === `pings-${maxPing}` && r.server === "cpp1");
  row({ label: `${fi(maxPing)} connections answering 1 s pings (C++ runs where every client answered every ping, none dropped)`, cpp: { median: pingRuns.filter((r) => r.result.ok).length, n: 1 }, node: { median: runs.filter((r) => r.scenario === `pings-${maxPing}` && r.server === "node" && r.result.ok).length, n: 1 }, kind: "check", met: pingRuns.length > 0 && pingRuns.every((r) => r.result.ok), target: `every run`, d: 0, noRatio: true });
  // Flat from the smallest to the largest N: the per-connection figure at the largest N at most
  // 20 % above the smallest N's (more would mean a cost that grows with the count).
  const lo = Math.min(...idleN);
  const hi = Math.max(...idleN);
  const flat = (label, sc0, sc1, fn, d) => {
    const a = m(sc0, "cpp1", fn).median;
    const b = m(sc1, "cpp1", fn).median;
    const rr = ratio(b, a);
    rows.push({ label, cpp: { median: rr, n: 1 }, node: { median: ratio(m(sc1, "node", fn).median, m(sc0, "node", fn).median), n: 1 }, kind: "check", met: Number.isFinite(rr) ? rr <= 1.2 : null, target: "C++ ≤ 1.2 (flat)", d, noRatio: true });
  };
  if (lo !== hi) {
    flat(`RSS per connection, N=${fi(hi)} / N=${fi(lo)}`, `idle-${lo}`, `idle-${hi}`, (r) => r.bytesPerConnection, 2);
    flat(`CPU per connect, N=${fi(hi)} / N=${fi(lo)}`, `idle-${lo}`, `idle-${hi}`, (r) => r.usPerConnect, 2);
  }
  const pLo = Math.min(...sizes.pings);
  if (pLo !== maxPing) flat(`CPU per ping, N=${fi(maxPing)} / N=${fi(pLo)}`, `pings-${pLo}`, `pings-${maxPing}`, (r) => r.usPerPing, 2);
  const t2 = (label, sc, fn, d) => {
    const one = m(sc, "cpp1", fn);
    const two = m(sc, "cpp2", fn);
    rows.push({ label, cpp: two, node: one, ratio: ratio(two.median, one.median), kind: "ratio", limit: 1.1, met: Number.isFinite(ratio(two.median, one.median)) ? ratio(two.median, one.median) <= 1.1 : null, target: "threads 2 / threads 1 ≤ 1.10", d, threads: true });
  };
  t2("fanout: C++ --threads 2 (C++ column) against --threads 1 (Node column), µs per delivery", "fanout", usDel, 3);
  t2("echo: C++ --threads 2 (C++ column) against --threads 1 (Node column), µs per round trip", "echo", (r) => r.usPerRoundTrip, 2);

  const L = [];
  L.push("# Benchmarks: socketio-cpp against the Node socket.io reference");
  L.push("");
  L.push(`Generated by \`bench/bench.mjs\` from the runs below; do not edit by hand: run \`${env.command}\` again.`);
  if (env.quick) L.push("", "**Quick run (`--quick`): small sizes, one repetition; not comparable with the full report.**");
  L.push("");
  L.push("## Machine and versions");
  L.push("");
  L.push(`- Date: ${env.date}`);
  L.push(`- Machine: ${env.nproc} CPUs (\`nproc\`), ${env.model}, ${env.memGiB} GiB RAM, Linux ${env.kernel}`);
  L.push(`- Command: \`${env.command}\` (${env.reps} repetition${env.reps > 1 ? "s" : ""}; ${f(data.totalSeconds / 60, 1)} min of runs)`);
  L.push(`- C++: \`${env.cppBin}\` and \`${env.loadgenBin}\` (CMAKE_BUILD_TYPE=${env.buildType}, ${env.compiler}), commit ${env.commit}${env.dirtyFiles ? ` with ${env.dirtyFiles} uncommitted file(s) in src/, include/, examples/ or bench/loadgen/` : ""}`);
  L.push(`- Node ${env.node}; socket.io ${env.socketio}, engine.io ${env.engineio} (bench/package-lock.json); socket.io-client ${env.client} (sanity check only)`);
  L.push(`- Open-file limit: ${env.fdLimit}; clock ticks: ${env.clkTck} per second`);
  L.push("");
  L.push("## Results (median of the repetitions that passed their checks; min – max in parentheses)");
  L.push("");
  L.push(`C++ is the fixture with \`--threads 1\` unless the row says otherwise. The ratio is C++ / Node (lower is better for C++). Chart: [results.svg](${path.basename(svgFile)}) (Node / C++, the inverse, against each target).`);
  L.push("");
  L.push("| measurement | C++ | Node | C++ / Node | target | met |");
  L.push("|---|---|---|---|---|---|");
  for (const r of rows) {
    const met = r.met === true ? "met" : r.met === false ? "**not met**" : r.kind === "info" ? "" : "n/a";
    L.push(`| ${r.label} | ${fmt(r.cpp, r.d)} | ${r.node ? fmt(r.node, r.d) : ""} | ${r.noRatio ? "" : f(r.ratio, 3)} | ${r.target ?? ""} | ${met} |`);
  }
  L.push("");
  const judged = rows.filter((r) => r.met !== undefined && r.kind !== "info");
  L.push(`Targets met: ${judged.filter((r) => r.met === true).length} of ${judged.length}${judged.some((r) => r.met === null) ? ` (${judged.filter((r) => r.met === null).length} without data)` : ""}.`);
  L.push("");

  // --- what the figures mean, computed from them ---
  const biggest = Math.max(...idleN);
  const rssBig = m(`idle-${biggest}`, "cpp1", (r) => r.bytesPerConnection).median;
  const connBig = m(`idle-${biggest}`, "cpp1", (r) => r.usPerConnect).median;
  const pingBig = m(`pings-${maxPing}`, "cpp1", (r) => r.usPerPing).median;
  const million = 1e6;
  L.push("## 1,000,000 connections, on paper");
  L.push("");
  L.push(`From the C++ figures above (one thread, N=${fi(biggest)} idle, ${fi(maxPing)} answering pings), scaled linearly (the flatness rows check that the per-connection costs do not grow with N):`);
  L.push("");
  L.push(`- Memory: ${fi(rssBig)} bytes of RSS per idle connection → ${f((rssBig * million) / 2 ** 30, 1)} GiB for ${fi(million)} connections, plus the kernel's socket memory (not in RSS; it depends on the buffer sizes the traffic grows them to).`);
  L.push(`- Connecting: ${f(connBig, 1)} µs of server CPU per connection (TCP accept, HTTP upgrade, Engine.IO and Socket.IO handshakes) → ${f((connBig * million) / 1e6, 0)} CPU-seconds to connect ${fi(million)} clients, e.g. ${f((connBig * million) / 1e6 / 60, 1)} minutes of one core for a full reconnect storm.`);
  L.push(`- Heartbeats: ${f(pingBig, 2)} µs of server CPU per ping answered → at the default 25 s interval ${fi(million / 25)} pings per second, ${f((pingBig * million) / 25 / 1e6, 2)} cores; at a 1 s interval ${f((pingBig * million) / 1e6, 2)} cores.`);
  L.push(`- Descriptors: one per connection; this machine allows ${env.fdLimit} per process, so ${fi(Math.ceil(million / (Number(env.fdLimit) - 1000)))} server processes (each joined to the others by the Redis adapter), or one process where the administrator raises the limit (Linux allows up to fs.nr_open, 1,048,576 by default).`);
  L.push("");
  const missed = rows.filter((r) => r.met === false);
  L.push("## Targets not met: cause and what it would take");
  L.push("");
  if (missed.length === 0) L.push("Every target with data is met.");
  const told = new Set();
  for (const r of missed) {
    let why = "";
    if (r.label.includes("RSS per connection") && !r.label.includes("/")) {
      why = "the per-object breakdown is in bench/MEMORY.md (`node bench/memory/measure.mjs`, heaptrack call sites). An idle connection still holds four reference-counted objects (Engine.IO session, WebSocket transport, Socket.IO client and socket), the request's headers and query (public `request_info`, shared by the handshake), the fixture's 16 handlers as `std::function`s, two id-keyed index entries (namespace table, room index) and the pending read's Asio operation with a type-erased executor. Reaching 2 KB takes merging the per-connection objects into one allocation, storing headers as one buffer, keying the tables by a handle instead of an id string, and a typed (not type-erased) executor for the lanes";
    } else if (r.threads) {
      why = "both I/O threads are pinned to the same CPU here, so the second thread adds no parallelism, only its wake-ups: Asio's scheduler wakes an idle thread (a futex round trip and a context switch on the shared core) whenever a reactor pass yields more than one handler. Lanes keep a broadcast's work on one thread (one hand-off per other lane); a pool of io_contexts with lanes pinned to them would remove the shared scheduler (docs/architecture.md, \"Scaling to many cores\")";
    } else if (r.label.startsWith("echo: server CPU per round trip")) {
      why = "the kernel's share: per round trip the server makes three system calls (the read, Asio's EPOLL_CTL_MOD that re-arms the readability wait, the sendmsg) plus its share of epoll_wait, and on loopback the sendmsg also runs the receiving side's TCP processing; user space is the smaller part (row \"of which user space\"). Going lower takes fewer system calls per message: an event loop that keeps its epoll registration instead of re-arming it per wait, or io_uring with multishot receives and batched sends (liburing is in Debian)";
    } else if (r.label.includes("CPU per connect")) {
      why = "connecting is dominated by the TCP accept, the HTTP upgrade parse and the kernel's socket setup; the figure varies with the machine's other load during the connect phase (column \"other\" in the raw tables)";
    } else {
      why = "see the raw runs below";
    }
    const again = told.has(why);
    told.add(why);
    L.push(`- ${r.label}: C++ ${fmt(r.cpp, r.d)}${r.node && !r.threads ? `, Node ${fmt(r.node, r.d)}` : ""}${r.noRatio ? "" : `, ratio ${f(r.ratio, 3)}`}; target ${r.target}. ${again ? "Same cause as above." : `Cause: ${why}.`}`);
  }
  L.push("");

  // --- checks ---
  L.push("## Checks");
  L.push("");
  for (const [key, v] of Object.entries(verify)) {
    L.push(`- socket.io-client ${env.client} against ${labels[key]}: ${v.ok ? "all checks passed" : "**FAILED**"} (${(v.checks ?? []).map((c) => `${c.name}: ${c.ok ? "ok" : "FAILED " + c.detail}`).join("; ") || v.error})`);
  }
  const fanRuns = runs.filter((r) => r.scenario.endsWith("fanout"));
  const fanWith = fanRuns.filter((r) => r.result.membersChecked !== undefined);
  const sum = (rs, k) => rs.reduce((a, r) => a + (r.result[k] ?? 0), 0);
  const exact = fanWith.filter((r) => r.result.membersWrong === 0 && r.result.minPerMember === r.result.expectedPerMember && r.result.maxPerMember === r.result.expectedPerMember);
  L.push(`- Fanout runs (WebSocket and polling): ${fanRuns.length}. In each, every member's "msg" count was checked against the broadcasts sent (warm-up included) and every payload against its sequence number and filler: ${fi(sum(fanWith, "membersChecked"))} member counts checked, ${exact.length} of ${fanWith.length} runs with every member at exactly the expected count; in all runs together ${fi(sum(fanWith, "lost"))} lost, ${fi(sum(fanWith, "duplicates"))} duplicated, ${fi(sum(fanWith, "reordered"))} reordered, ${fi(sum(fanWith, "altered"))} altered or malformed, ${fi(sum(fanWith, "extra"))} extra after a ${f((sizes.graceSeconds ?? 0.3) * 1000, 0)} ms grace; ${fi(sum(fanWith, "acked"))} broadcasts acked by the server (${fi(sum(fanWith, "badAcks"))} with unexpected ack arguments).`);
  const echoRuns = runs.filter((r) => r.scenario === "echo");
  L.push(`- Echo runs: ${echoRuns.length}; ${fi(sum(echoRuns, "roundTrips"))} measured round trips of ${fi(sum(echoRuns, "expectedRoundTrips"))} expected, each ack compared byte for byte with the arguments sent and its ack id: ${fi(sum(echoRuns, "mismatches"))} mismatches.`);
  const idleRuns = runs.filter((r) => r.scenario.startsWith("idle") || r.scenario.startsWith("pings"));
  const live = idleRuns.flatMap((r) => r.result.generators ?? []);
  L.push(`- Idle runs: ${idleRuns.length}; ${fi(idleRuns.reduce((a, r) => a + (r.result.connected ?? 0), 0))} connections of ${fi(idleRuns.reduce((a, r) => a + r.result.n, 0))} requested completed the Socket.IO CONNECT; liveness echoes answered afterwards: ${fi(live.reduce((a, g) => a + (g.livenessAnswered ?? 0), 0))} of ${fi(live.reduce((a, g) => a + (g.livenessSampled ?? 0), 0))}; connections dropped: ${fi(live.reduce((a, g) => a + (g.dropped ?? 0), 0))}.`);
  const pr = runs.filter((r) => r.scenario.startsWith("pings") && r.result.pingsAnswered !== undefined);
  if (pr.length) {
    L.push(`- Ping windows: ${pr.length}; ${fi(pr.reduce((a, r) => a + r.result.pingsAnswered, 0))} pings answered; the fewest answered by one client in a window: ${pr.map((r) => `${r.result.minPingsPerClient} (${r.server}, N=${fi(r.result.n)}, at least ${r.result.expectedMinPingsPerClient} expected in ${f(r.result.windowSeconds, 1)} s)`).join(", ")}.`);
  }
  // The two CPU sources: utime+stime (ticks) and the per-thread schedstat sum (ns).
  const phases = [];
  for (const r of runs) {
    for (const c of [r.result.cpu, r.result.connectCpu, r.result.windowCpu]) {
      if (c && c.ok) phases.push(Math.abs(c.userTicks + c.systemTicks - c.schedSeconds * c.ticksPerSecond));
    }
  }
  const within = phases.filter((d) => d <= 1).length;
  L.push(`- CPU sources: in ${phases.length} measured phases, utime+stime from /proc/PID/stat and the sum of /proc/PID/task/*/schedstat differ by at most ${f(Math.max(...phases), 2)} ticks (median ${f(median(phases), 2)}); ${within} of ${phases.length} agree within one tick${within < phases.length ? " (each reading is truncated to a whole tick, so a difference of two readings can be off by up to one tick on each side)" : ""}.`);
  const measured = runs.filter((r) => r.result.limitedBy);
  const by = (k) => measured.filter((r) => r.result.limitedBy === k);
  L.push(`- What limited the fanout and echo runs (a process counts as saturated when it was running or runnable-but-waiting for its core at least 90 % of the measured phase): the server in ${by("server").length} of ${measured.length}, the generator in ${by("generator").length}${by("generator").length ? ` (${by("generator").map((r) => `${r.scenario} rep ${r.rep} on ${r.server}`).join(", ")}: those measured the generator, not the server)` : ""}, neither (latency-bound: both processes partly idle) in ${by("latency").length}${by("latency").length ? ` (${by("latency").map((r) => `${r.scenario}/${r.server}`).filter((v, i, a) => a.indexOf(v) === i).join(", ")})` : ""}.`);
  const failures = runs.filter((r) => !r.result.ok);
  L.push(`- Runs that failed their checks (excluded from the medians): ${failures.length === 0 ? "none" : failures.map((r) => `${r.scenario} rep ${r.rep} on ${r.server}: ${cell(String(r.result.error ?? "?").slice(0, 300))}`).join("; ")}.`);
  const other = runs.map((r) => r.result.otherCpus).filter(Number.isFinite);
  const busyRuns = runs.filter((r) => r.result.otherCpus > 0.25);
  L.push(`- Other activity on the machine (CPU time of everything but the server and the generators, in CPUs): median ${f(median(other), 2)}, max ${f(Math.max(...other), 2)}; ${busyRuns.length === 0 ? "no run was disturbed by more than a quarter of a CPU." : `${busyRuns.length} of ${runs.length} runs had more than a quarter of a CPU used by other processes (column "other" in the raw tables); their numbers are less reliable.`}`);
  L.push("");

  // --- method ---
  const srvCmd = (k, c) => (k === "node" ? `node tests/e2e/reference/fixture.mjs ${c.join(" ")}` : `${env.cppBin} ${c.join(" ")} --threads ${k === "cpp2" ? 2 : 1}`);
  L.push("## Method");
  L.push("");
  L.push(`- Servers: \`${srvCmd("cpp1", data.serverArgs.common)}\` (and \`--threads 2\`), and \`${srvCmd("node", data.serverArgs.common)}\`, the latter run from a copy in bench/.work/ so that it loads socket.io from bench/node_modules. The ping runs use \`${data.serverArgs.pingArgs.slice(2).join(" ")}\`. A fresh server process for every run, on 127.0.0.1 only.`);
  L.push(`- Pinning: every server runs under \`taskset -c 0\` (CPU 0), with \`--threads 2\` too, so its second I/O thread shares CPU 0: the threads-2 rows measure the cost of the second thread's hand-offs, not parallel speed-up. The generator runs under \`taskset -c 1\`. CPU 0 is not isolated from the rest of the machine (see "other activity" above).`);
  L.push(`- Load generator: \`bench/loadgen\` (\`socketio-loadgen\`), C++20 on Boost.Asio, one thread per process; its own RFC 6455 client framing (masked frames out, unmasked frames parsed) and a minimal HTTP/1.1 response parser; Engine.IO v4 / Socket.IO v5 over WebSocket (\`GET /socket.io/?EIO=4&transport=websocket\`, \`0{…}\` → \`40\` → \`40{"sid"…}\`, \`2\` → \`3\`) and over long-polling (handshake GET, POST \`40\`, one GET always parked, \`\\x1e\`-separated payloads, pings answered by POST). Connections bind source addresses 127.0.0.2 onwards round robin (127.<p+1>.0.1 onwards for generator process p in the idle runs). It reads the server's /proc right before and after the measured phase of fanout and echo, and reports its own CPU time over the same phase: if the generator was running or waiting for its core ≥ 90 % of the phase while the server was not, the run measured the generator and says so.`);
  L.push(`- CPU: the per-unit figures divide the sum of the server's per-thread on-CPU time (/proc/PID/task/*/schedstat) over the measured phase by the units of work; user and kernel come from utime and stime in /proc/PID/stat over the same phase (tick resolution).`);
  L.push(`- Fanout: ${fo.clients} members (WebSocket) join \`bench-room\` (\`42N["join","bench-room"]\`, ack awaited); a separate driver emits \`bcast(room, payload)\` keeping ${fo.inFlight} in flight until ${fo.broadcasts} are acked, after 20 warm-up broadcasts that are not measured. The ${fo.payload}-byte payload is a 10-digit sequence number and filler that depends on it, so each member detects loss, duplicates, reordering and alteration per message. The phase ends when every member has every broadcast; the counts are checked again after a grace period. Server CPU per delivery = CPU / (members × broadcasts).`);
  L.push(`- Polling fanout: the same with ${pf.clients} long-polling members, ${pf.inFlight} broadcasts in flight and ${pf.broadcasts} broadcasts (the driver uses WebSocket).`);
  L.push(`- Echo: ${ec.clients} WebSocket clients, each with one \`echo("ping", {c, r})\` in flight for ${ec.rounds} measured round trips (after 20 warm-up ones); the ack must carry the same arguments. Latency from send to ack on the generator's steady clock, percentiles by nearest rank over all round trips of the run.`);
  L.push(`- Idle: N WebSocket connections with the Socket.IO CONNECT to \`/\` done, 200 handshakes in flight. Each generator first opens and closes 50 connections (warm-up), then the harness reads VmRSS and the server's CPU, lets the generators connect, reads the CPU again (CPU per connect = CPU / N), waits ${data.settleMs / 1000} s and reads VmRSS again: (after − before) / N. Then an evenly spread sample of 20 connections echoes once. Above ${fi(data.perProcessConnections)} connections the harness splits N over two generator processes (one process cannot hold more than the 20,000 open files the machine allows), both on CPU 1.`);
  L.push(`- Pings: as idle, with the server's ping interval at ${data.pingIntervalMs} ms; after the RSS reading every client answers every ping for a ${sizes.window} s window; server CPU over the window / pings answered. A client that answered fewer than window/interval − 1 pings, or any dropped connection, fails the run.`);
  L.push(`- Repetitions: ${env.reps}; within each, the servers of a scenario run one after the other, in reverse order in every other repetition. A run that fails a check is listed above and left out of the medians.`);
  L.push("");

  // --- raw runs ---
  L.push("## Raw runs");
  L.push("");
  L.push(`Full JSON: bench/.work/${env.quick ? "results-quick.json" : "results.json"} (not committed). "running+waiting" = share of the measured phase each process spent on its core, and runnable but waiting for it while another process held it (schedstat), server / generator. "other" = CPUs used by other processes during the run.`);
  L.push("");
  L.push("### Fanout and polling fanout");
  L.push("");
  L.push("| rep | scenario | server | per member (min/max/expected) | ticks user+sys | schedstat s | µs / delivery | user µs | kernel µs | deliveries / s | running+waiting: server / gen | limited by | other | ok |");
  L.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of fanRuns) {
    const x = r.result;
    L.push(`| ${r.rep} | ${r.scenario} | ${r.server} | ${x.minPerMember ?? "?"}/${x.maxPerMember ?? "?"}/${x.expectedPerMember ?? "?"} | ${x.cpu ? `${x.cpu.userTicks}+${x.cpu.systemTicks}` : ""} | ${f(x.cpu?.schedSeconds, 3)} | ${f(x.usPerDelivery, 3)} | ${f(x.userUsPerDelivery, 3)} | ${f(x.systemUsPerDelivery, 3)} | ${fi(x.deliveriesPerSecond)} | ${f(x.serverBusy, 2)}+${f(x.serverWaiting, 2)} / ${f(x.generatorBusy, 2)}+${f(x.generatorWaiting, 2)} | ${x.limitedBy ?? ""} | ${f(x.otherCpus, 2)} | ${x.ok ? "yes" : `NO: ${cell(String(x.error).slice(0, 150))}`} |`);
  }
  L.push("");
  L.push("### Echo");
  L.push("");
  L.push("| rep | server | round trips | ticks user+sys | schedstat s | µs / round trip | user µs | kernel µs | p50 µs | p99 µs | p99.9 µs | round trips / s | running+waiting: server / gen | limited by | other | ok |");
  L.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of echoRuns) {
    const x = r.result;
    L.push(`| ${r.rep} | ${r.server} | ${fi(x.roundTrips)} | ${x.cpu ? `${x.cpu.userTicks}+${x.cpu.systemTicks}` : ""} | ${f(x.cpu?.schedSeconds, 3)} | ${f(x.usPerRoundTrip, 2)} | ${f(x.userUsPerRoundTrip, 2)} | ${f(x.systemUsPerRoundTrip, 2)} | ${f(x.latencyUs?.p50, 0)} | ${f(x.latencyUs?.p99, 0)} | ${f(x.latencyUs?.p999, 0)} | ${fi(x.roundTripsPerSecond)} | ${f(x.serverBusy, 2)}+${f(x.serverWaiting, 2)} / ${f(x.generatorBusy, 2)}+${f(x.generatorWaiting, 2)} | ${x.limitedBy ?? ""} | ${f(x.otherCpus, 2)} | ${x.ok ? "yes" : `NO: ${cell(String(x.error).slice(0, 150))}`} |`);
  }
  L.push("");
  L.push("### Idle and pings");
  L.push("");
  L.push("| rep | scenario | server | generators | connected | connect s | RSS before KiB | RSS after KiB | bytes / conn | connect CPU s (ticks) | µs / connect | pings answered (min/client) | window CPU s | µs / ping | other | ok |");
  L.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of idleRuns) {
    const x = r.result;
    L.push(`| ${r.rep} | ${r.scenario} | ${r.server} | ${x.procs ?? ""} | ${fi(x.connected)} | ${f(x.connectSeconds, 2)} | ${fi(x.rssBefore / 1024)} | ${fi(x.rssAfter / 1024)} | ${fi(x.bytesPerConnection)} | ${x.connectCpu ? `${f(x.connectCpu.schedSeconds, 3)} (${x.connectCpu.userTicks}+${x.connectCpu.systemTicks})` : ""} | ${f(x.usPerConnect, 1)} | ${x.pingsAnswered !== undefined ? `${fi(x.pingsAnswered)} (${x.minPingsPerClient})` : ""} | ${f(x.windowCpu?.schedSeconds, 3)} | ${f(x.usPerPing, 2)} | ${f(x.otherCpus, 2)} | ${x.ok ? "yes" : `NO: ${cell(String(x.error).slice(0, 150))}`} |`);
  }
  L.push("");
  fs.writeFileSync(outFile, L.join("\n"));
  fs.writeFileSync(svgFile, chart(rows, env));
}

// --- chart -----------------------------------------------------------------------------------

function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Horizontal bars of Node / C++ on a log axis, with each target as a red mark. */
function chart(rows, env) {
  const bars = rows.filter((r) => r.chart).map((r) => ({
    label: r.chart,
    value: ratio(r.node?.median, r.cpp?.median),
    target: r.kind === "ratio" && !r.chartInfo ? 1 / r.limit : null,
  }));
  const lo = 0.1;
  const hi = 100;
  const left = 250;
  const width = 520;
  const rowH = 26;
  const top = 50;
  const height = top + bars.length * rowH + 50;
  const x = (v) => Math.round((left + (Math.log10(Math.min(hi, Math.max(lo, v)) / lo) / Math.log10(hi / lo)) * width) * 10) / 10;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 90}" height="${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="10" y="20" font-size="14" font-weight="bold">Node / C++ (higher is better for C++), log scale; red mark = target</text>`);
  out.push(`<text x="10" y="38" fill="#555">${esc(`${env.date.slice(0, 10)}, commit ${env.commit}, ${env.reps} repetition(s), medians`)}</text>`);
  for (const t of [0.1, 1, 10, 100]) {
    out.push(`<line x1="${x(t)}" y1="${top - 5}" x2="${x(t)}" y2="${top + bars.length * rowH}" stroke="${t === 1 ? "#333" : "#ddd"}"/>`);
    out.push(`<text x="${x(t)}" y="${top + bars.length * rowH + 16}" text-anchor="middle">${t}</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${left - 8}" y="${y + 16}" text-anchor="end">${esc(b.label)}</text>`);
    if (Number.isFinite(b.value)) {
      const met = b.target === null || b.value >= b.target;
      out.push(`<rect x="${x(lo)}" y="${y + 5}" width="${Math.max(1, x(b.value) - x(lo))}" height="${rowH - 10}" fill="${b.target === null ? "#9ab" : met ? "#4a8" : "#d84"}"/>`);
      out.push(`<text x="${x(b.value) + 4}" y="${y + 16}">${b.value.toFixed(2)}</text>`);
    } else {
      out.push(`<text x="${x(lo) + 4}" y="${y + 16}" fill="#a00">no data</text>`);
    }
    if (b.target !== null) {
      out.push(`<line x1="${x(b.target)}" y1="${y + 2}" x2="${x(b.target)}" y2="${y + rowH - 2}" stroke="red" stroke-width="3"/>`);
    }
  });
  out.push(`<text x="10" y="${height - 10}" fill="#555">green: target met; orange: not met; grey: no ratio target (absolute target or information)</text>`);
  out.push("</svg>");
  return out.join("\n") + "\n";
}
