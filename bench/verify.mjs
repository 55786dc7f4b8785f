// The sanity check that runs before the benchmarks (bench.mjs): real socket.io-client
// connections against one server, next to a raw client of raw-client.mjs, so that the view of
// the wire the C++ generator (bench/loadgen) relies on matches the official client's.
//
//   node bench/verify.mjs --port P [--timeout-ms MS]
//
// Three socket.io-client connections and one raw client join a room; echo acks must carry the
// same arguments; two broadcasts (one from a real client, one from the raw one) must reach
// every member exactly once, in order. One JSON object on stdout; exit status 0 when every
// check passed, 1 otherwise.

import process from "node:process";
import { RawClient } from "./raw-client.mjs";
import { io as realIo } from "socket.io-client";

function parseArgs(argv) {
  const o = { port: 0, timeoutMs: 30000 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === "--port" && /^\d+$/.test(v ?? "")) o.port = Number(argv[++i]);
    else if (argv[i] === "--timeout-ms" && /^\d+$/.test(v ?? "")) o.timeoutMs = Number(argv[++i]);
    else throw new Error(`unknown or bad argument ${argv[i]}`);
  }
  if (!o.port) throw new Error("--port is required");
  return o;
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Resolves once `cond` holds (checked whenever `emitter` sees `event`), or false after `ms`. */
function until(cond, ms, subscribe) {
  return new Promise((resolve) => {
    if (cond()) return resolve(true);
    const timer = setTimeout(() => resolve(cond()), ms);
    subscribe(() => {
      if (cond()) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
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

async function verify(o) {
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
  const listeners = [];
  const changed = () => listeners.forEach((l) => l());
  const rawGot = [];
  const rawPeer = await new RawClient(o.port, {
    onEvent: (name, args) => {
      if (name === "msg") rawGot.push(args[0]);
      changed();
    },
  }).connect();
  const got = real.map(() => []);
  real.forEach((s, i) =>
    s.on("msg", (p) => {
      got[i].push(p);
      changed();
    }),
  );
  for (const s of real) await s.timeout(5000).emitWithAck("join", "v");
  await rawPeer.emitWithAck("join", "v");
  const rawEcho = await rawPeer.emitWithAck("echo", "x", { y: 1 });
  check("raw client echo matches", JSON.stringify(rawEcho) === JSON.stringify(["x", { y: 1 }]), JSON.stringify(rawEcho));
  await real[1].timeout(5000).emitWithAck("bcast", "v", { hello: "world" });
  await rawPeer.emitWithAck("bcast", "v", "from-raw");
  await until(() => got.every((g) => g.length >= 2) && rawGot.length >= 2, 5000, (l) => listeners.push(l));
  const want = JSON.stringify([{ hello: "world" }, "from-raw"]);
  check(
    "every member (3 socket.io-client + 1 raw) got both broadcasts, once, in order",
    got.every((g) => JSON.stringify(g) === want) && JSON.stringify(rawGot) === want,
    JSON.stringify({ got, rawGot }),
  );
  for (const s of real) s.close();
  rawPeer.close();
  return { ok: checks.every((c) => c.ok), checks };
}

let result;
try {
  const o = parseArgs(process.argv.slice(2));
  result = await withTimeout(verify(o), o.timeoutMs, "verify");
} catch (e) {
  result = { ok: false, error: String(e.stack ?? e) };
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(result.ok ? 0 : 1);
