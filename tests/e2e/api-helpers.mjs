// Helpers for the server-API suite (tests/e2e/api-*.test.mjs), which drives the scenario
// server tests/e2e/api_server/main.cpp (its event contract is documented at the top of that
// file) with the real socket.io-client.
//
// The server under test is the command in API_SERVER (a path, optionally followed by
// space-separated arguments). Each file starts its own server with `--port 0` and extra
// flags, waits for `listening <port>`, and stops it with SIGTERM expecting exit status 0.
// Without API_SERVER the default build location is used when it exists; otherwise the api
// tests are skipped (they need the C++ scenario server, which has no Node reference).

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Queue, startServer, withTimeout } from "./helpers.mjs";
import { SIO_PATH, WAIT_MS, emitAck, socketIoClient, track } from "./sio-helpers.mjs";

export { WAIT_MS, emitAck, track };

const here = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_BUILD = path.join(here, "..", "..", "build", "tests", "socketio-api-server");

function apiCommand() {
  const raw = process.env.API_SERVER;
  if (raw && raw.trim() !== "") return raw.trim().split(/\s+/);
  if (fs.existsSync(DEFAULT_BUILD)) return [DEFAULT_BUILD];
  return null;
}

/** A reason to skip the api tests, or false (for node:test's `skip` option). */
export const skipApi = apiCommand()
  ? false
  : `API_SERVER is not set and ${DEFAULT_BUILD} does not exist`;

/**
 * Starts the scenario server (helpers.mjs startServer with API_SERVER's command). Resolves to
 * { port, base, stop(), stderr() } once it printed `listening <port>`; stop() sends SIGTERM and
 * asserts exit status 0.
 */
export async function startApi(args = []) {
  const command = apiCommand();
  assert.ok(command, "API_SERVER is not set");
  return startServer(args, { command, name: "api server" });
}

/**
 * The scenario server as the raw-session helpers (sio-helpers.mjs) address it: their `url` is
 * the Socket.IO endpoint.
 */
export function socketIoEndpoint(server) {
  return { ...server, url: `${server.base}/socket.io/` };
}

/** Options shared by every client: own Manager, no reconnection, explicit connect. */
function clientOptions(opts) {
  return { path: SIO_PATH, forceNew: true, reconnection: false, autoConnect: false, ...opts };
}

/** Resolves once `socket` connects; rejects with the connect_error. */
function waitConnect(socket, ms, label) {
  return withTimeout(new Promise((resolve, reject) => {
    const ok = () => {
      socket.off("connect_error", ko);
      resolve();
    };
    const ko = (err) => {
      socket.off("connect", ok);
      reject(err);
    };
    socket.once("connect", ok);
    socket.once("connect_error", ko);
  }), ms, label);
}

function wrap(socket) {
  const t = track(socket);
  t.close = () => {
    socket.io.reconnection(false);
    socket.disconnect();
    socket.io.engine?.close();
  };
  return t;
}

/**
 * A connected socket.io-client socket for `nsp` on its own Manager. Resolves to the tracker
 * of sio-helpers track() (queued events per name, "connect"/"disconnect"/"connect_error"
 * included) with close(). Rejects with the connect_error when the server refuses.
 */
export async function connect(server, nsp = "/", opts = {}, ms = WAIT_MS) {
  const { io } = await socketIoClient();
  const socket = io(`${server.base}${nsp}`, clientOptions(opts));
  const t = wrap(socket);
  socket.connect();
  try {
    await waitConnect(socket, ms, `connect to ${nsp}`);
  } catch (err) {
    t.close();
    throw err;
  }
  await t.next("connect", ms);
  return t;
}

/** Connects expecting a refusal; resolves to the connect_error (an Error with .data). */
export async function connectError(server, nsp = "/", opts = {}, ms = WAIT_MS) {
  let t;
  try {
    t = await connect(server, nsp, opts, ms);
  } catch (err) {
    assert.ok(err instanceof Error, `connect_error expected, got ${err}`);
    return err;
  }
  t.close();
  assert.fail(`connecting to ${nsp} should have been refused`);
}

/** A Manager (one Engine.IO connection) for several namespaces: manager.socket(nsp). */
export async function manager(server, opts = {}) {
  const { Manager } = await socketIoClient();
  return new Manager(server.base, clientOptions(opts));
}

/** Connects a namespace on an existing Manager; resolves to its tracker. */
export async function connectOn(mgr, nsp, opts = {}, ms = WAIT_MS) {
  const socket = mgr.socket(nsp, opts);
  const t = wrap(socket);
  socket.connect();
  await waitConnect(socket, ms, `connect to ${nsp}`);
  await t.next("connect", ms);
  return t;
}

/** Emits `event` with an ack and resolves to the first ack argument. */
export async function call(t, event, ...args) {
  const reply = await emitAck(t.socket, event, args);
  return reply[0];
}

/**
 * Proves that `event` has not reached `t` (beyond what was already taken): an "echo" round
 * trip on t's own connection comes after anything the server queued for t before it, since
 * delivery is ordered.
 */
export async function assertNotReceived(t, event, what = event) {
  assert.deepEqual(await call(t, "echo", "marker"), "marker");
  assert.equal(t.pending(event), 0, `${what}: no "${event}" event expected`);
}

/** Closes every tracker, ignoring failures. */
export function closeAll(...trackers) {
  for (const t of trackers.flat()) {
    try {
      t?.close();
    } catch {
      // already closed
    }
  }
}

/**
 * Waits until the watcher (a client in room "watchers") is told that socket `id` is gone,
 * then resolves to the server's disconnect records of that socket.
 */
export async function waitGone(watcher, id, ms = WAIT_MS) {
  for (let i = 0; i < 1000; i++) {
    const [goneId] = await watcher.next("socket-gone", ms);
    if (goneId === id) return call(watcher, "disconnect-log", id);
  }
  assert.fail(`no "socket-gone" for ${id}`);
}

/** Sorted copy. */
export function sorted(list) {
  return [...list].sort();
}

/** A unique name for rooms and namespaces of one test. */
let counter = 0;
export function unique(prefix) {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** Resolves to the next `event` of a Manager or socket (first argument), within `ms`. */
export function nextOf(emitter, event, ms = WAIT_MS) {
  const q = new Queue(`"${event}"`);
  const handler = (...a) => q.push(a.length <= 1 ? a[0] : a);
  emitter.on(event, handler);
  return q.take(ms).finally(() => emitter.off(event, handler));
}
