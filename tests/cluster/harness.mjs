// Harness for the mixed-cluster suite: one private redis-server, N fixture nodes
// (C++ or the Node reference) joined through the Redis adapter, and
// socket.io-client clients on any node.
//
// Environment:
//   CLUSTER_NODES   comma-separated node kinds, default "node,node,node":
//                   `node` = the Node reference fixture (../e2e/reference/fixture.mjs),
//                   `cpp`  = the command in FIXTURE_SERVER (a path plus optional arguments).
//   CLUSTER_MODES   comma-separated adapter modes to run, default "classic,sharded".
//   REDIS_SERVER    redis-server binary, default `redis-server` from PATH.
//
// npm packages come from tests/e2e/node_modules (run `npm ci` there first).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { delay, startServer, withTimeout } from "../e2e/helpers.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const e2eRequire = createRequire(path.join(here, "..", "e2e", "package.json"));
const { io: ioClient } = e2eRequire("socket.io-client");
const { createClient } = e2eRequire("redis");
const { Emitter } = e2eRequire("@socket.io/redis-emitter");

export { delay, withTimeout };
export const HOST = "127.0.0.1";

/** Default wait for one expected event or ack. */
export const WAIT_MS = 5000;

// ---------------------------------------------------------------------------
// Configuration

/** The adapter modes to run (CLUSTER_MODES), each `classic` or `sharded`. */
export function clusterModes() {
  const raw = process.env.CLUSTER_MODES ?? "classic,sharded";
  const modes = raw.split(",").map((s) => s.trim()).filter(Boolean);
  for (const m of modes) {
    if (m !== "classic" && m !== "sharded") throw new Error(`CLUSTER_MODES: unknown mode ${m}`);
  }
  return modes;
}

/** The node kinds (CLUSTER_NODES), e.g. ["node", "cpp", "node"]. */
export function nodeKinds() {
  const raw = process.env.CLUSTER_NODES ?? "node,node,node";
  const kinds = raw.split(",").map((s) => s.trim()).filter(Boolean);
  for (const k of kinds) {
    if (k !== "node" && k !== "cpp") throw new Error(`CLUSTER_NODES: unknown node kind ${k}`);
  }
  if (kinds.length < 3) throw new Error("CLUSTER_NODES needs at least three nodes");
  return kinds;
}

/** The command line (argv array) that starts a node of the given kind. */
export function nodeCommand(kind) {
  if (kind === "node") return [process.execPath, path.join(here, "..", "e2e", "reference", "fixture.mjs")];
  const raw = process.env.FIXTURE_SERVER;
  if (!raw || raw.trim() === "") throw new Error("CLUSTER_NODES has `cpp` but FIXTURE_SERVER is not set");
  return raw.trim().split(/\s+/);
}

// ---------------------------------------------------------------------------
// Ports and Redis

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Sends PING on a fresh connection; resolves true on `+PONG`, false otherwise. */
function pingOnce(port, ms = 500) {
  return new Promise((resolve) => {
    const sock = net.connect(port, HOST);
    let buf = "";
    const done = (ok) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), ms);
    sock.setEncoding("utf8");
    sock.once("error", () => done(false));
    sock.once("connect", () => sock.write("PING\r\n"));
    sock.on("data", (chunk) => {
      buf += chunk;
      if (buf.includes("\r\n")) done(buf.startsWith("+PONG"));
    });
  });
}

/**
 * A redis-server of our own on 127.0.0.1 (no persistence). kill() sends
 * SIGKILL and waits for the exit; restart() starts it again on the same port;
 * stop() sends SIGTERM.
 */
export class RedisServer {
  static async start() {
    const r = new RedisServer(await freePort());
    await r.#launch();
    return r;
  }

  constructor(port) {
    this.port = port;
    this.url = `redis://${HOST}:${port}`;
    this.child = null;
    this.exited = null;
    this.log = "";
  }

  async #launch() {
    const bin = process.env.REDIS_SERVER || "redis-server";
    const child = spawn(bin, [
      "--port", String(this.port),
      "--bind", HOST,
      "--save", "",
      "--appendonly", "no",
      "--dir", os.tmpdir(),
      "--loglevel", "warning",
    ], { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    child.once("error", (err) => {
      this.log += `spawn error: ${err.message}\n`;
    });
    for (const s of [child.stdout, child.stderr]) {
      s.setEncoding("utf8");
      s.on("data", (c) => {
        this.log = (this.log + c).slice(-20000);
      });
    }
    const deadline = Date.now() + 10000;
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (await pingOnce(this.port)) return;
      if (Date.now() > deadline) break;
      await delay(25);
    }
    child.kill("SIGKILL");
    throw new Error(`redis-server on port ${this.port} did not answer PING; output:\n${this.log}`);
  }

  get pid() {
    return this.child?.pid;
  }

  /** SIGKILL, then wait until the process is gone. */
  async kill() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }

  /** Starts redis-server again on the same port (after kill() or stop()). */
  async restart() {
    await this.kill();
    await this.#launch();
  }

  async stop() {
    if (!this.child) return;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    const r = await Promise.race([this.exited, delay(5000).then(() => null)]);
    if (r === null) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }
}

/** A node-redis client connected to `redis` (for PUBSUB checks and the emitter). */
export async function redisClient(redis) {
  const c = createClient({ url: redis.url, socket: { reconnectStrategy: 50 } });
  c.on("error", () => {});
  await c.connect();
  return c;
}

/** An @socket.io/redis-emitter Emitter (classic channels) on a redis client. */
export function redisEmitter(client) {
  return new Emitter(client);
}

// ---------------------------------------------------------------------------
// Fixture nodes

/**
 * Starts one fixture node of `kind` joined to `redis` in `mode`. Resolves to
 * the server object of ../e2e/helpers.mjs (port, base, child, stop(), stderr())
 * plus `kind` and kill() (SIGKILL, waits for the exit).
 */
export async function startNode(kind, redis, mode, index = 0) {
  const node = await startServer(["--redis", redis.url, "--redis-mode", mode], {
    command: nodeCommand(kind),
    name: `cluster node ${index} (${kind})`,
  });
  const exited = new Promise((resolve) => {
    if (node.child.exitCode !== null || node.child.signalCode !== null) resolve();
    else node.child.once("exit", () => resolve());
  });
  node.kind = kind;
  node.index = index;
  node.killed = false;
  node.kill = async () => {
    node.killed = true;
    if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill("SIGKILL");
    await exited;
  };
  return node;
}

/** Starts one node per kind (in parallel). */
export async function startNodes(kinds, redis, mode) {
  const started = await Promise.allSettled(kinds.map((k, i) => startNode(k, redis, mode, i)));
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    for (const r of started) if (r.status === "fulfilled") await r.value.kill();
    throw failed.reason;
  }
  return started.map((r) => r.value);
}

// ---------------------------------------------------------------------------
// Clients

/**
 * A socket.io-client socket on `/` of one node. Every event it receives is
 * kept, in arrival order, in `log`; waitFor() resolves on the first logged
 * event that matches (now or later), so checks never depend on consuming
 * events in a particular order, and `seen()` tells what arrived so far.
 */
export class Client {
  static async connect(node, { ms = WAIT_MS, ...opts } = {}) {
    const c = new Client(node, opts);
    await c.#connected(ms);
    return c;
  }

  constructor(node, opts) {
    this.node = node;
    this.log = [];
    this.waiters = [];
    this.socket = ioClient(`${node.base}/`, {
      path: "/socket.io/",
      forceNew: true,
      reconnection: false,
      autoConnect: false,
      transports: ["websocket"],
      ...opts,
    });
    // The ack callback of an event that asks for one is not part of its arguments.
    this.socket.onAny((event, ...args) => {
      this.#record(event, typeof args.at(-1) === "function" ? args.slice(0, -1) : args);
    });
    this.socket.on("disconnect", (reason) => this.#record("disconnect", [reason]));
    this.socket.on("connect_error", (err) => this.#record("connect_error", [err.message]));
  }

  #record(event, args) {
    const entry = { event, args };
    this.log.push(entry);
    for (const w of this.waiters.slice()) {
      if (w.event === event && w.pred(args)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(args);
      }
    }
  }

  async #connected(ms) {
    this.socket.connect();
    try {
      await withTimeout(new Promise((resolve, reject) => {
        this.socket.once("connect", resolve);
        this.socket.once("connect_error", reject);
      }), ms, `socket.io-client connect to node ${this.node.index}`);
      await this.waitFor("auth", () => true, ms);
    } catch (err) {
      this.close();
      throw err;
    }
    this.id = this.socket.id;
  }

  /** Resolves to the arguments of the first `event` whose arguments satisfy `pred`. */
  waitFor(event, pred = () => true, ms = WAIT_MS) {
    const hit = this.log.find((e) => e.event === event && pred(e.args));
    if (hit) return Promise.resolve(hit.args);
    let entry;
    const p = new Promise((resolve) => {
      entry = { event, pred, resolve };
      this.waiters.push(entry);
    });
    return withTimeout(p, ms, `"${event}" on client ${this.id} (node ${this.node.index})`).catch((err) => {
      const i = this.waiters.indexOf(entry);
      if (i !== -1) this.waiters.splice(i, 1);
      throw err;
    });
  }

  /** Resolves to the arguments of the `event` whose first argument is `payload`. */
  waitPayload(event, payload, ms = WAIT_MS) {
    return this.waitFor(event, (args) => isDeepEqual(args[0], payload), ms);
  }

  /** Every logged `event` whose arguments satisfy `pred`. */
  seen(event, pred = () => true) {
    return this.log.filter((e) => e.event === event && pred(e.args)).map((e) => e.args);
  }

  /** Emits with an ack; resolves to the ack's argument list, fails after `ms`. */
  ack(event, args = [], ms = WAIT_MS) {
    return new Promise((resolve, reject) => {
      this.socket.timeout(ms).emit(event, ...args, (err, ...reply) => {
        if (err) reject(new Error(`no ack for "${event}" from node ${this.node.index} within ${ms} ms`));
        else resolve(reply);
      });
    });
  }

  /** Joins `room` on its node (the fixture's "join"). */
  async join(room) {
    assert.deepEqual(await this.ack("join", [room]), []);
  }

  get connected() {
    return this.socket.connected;
  }

  close() {
    this.socket.io.reconnection(false);
    this.socket.disconnect();
    this.socket.io.engine?.close();
  }
}

function isDeepEqual(a, b) {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/** Connects `perNode` clients to every node; returns them grouped by node. */
export async function clientsOnEach(nodes, perNode = 2) {
  const groups = await Promise.all(nodes.map((n) => Promise.all(
    Array.from({ length: perNode }, () => Client.connect(n)),
  )));
  return groups;
}

/** Closes every client in a (possibly nested) list. */
export function closeAll(list) {
  for (const c of list.flat(3)) c?.close();
}

// ---------------------------------------------------------------------------
// Cluster-wide waits

/**
 * Waits until `check` (async, throws while its condition does not hold)
 * passes, retrying every `interval` ms at most until `timeout` ms elapsed;
 * rethrows the last failure.
 */
export async function until(check, { timeout = 10000, interval = 50, label = "condition" } = {}) {
  const deadline = Date.now() + timeout;
  let lastErr;
  for (let attempt = 0; attempt < 10000; attempt++) {
    try {
      // A check holds when it returns anything but `false` without throwing.
      const result = await check();
      if (result !== false) return result;
      lastErr = "it was false";
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() >= deadline) break;
    await delay(interval);
  }
  throw new Error(`${label} did not hold within ${timeout} ms: ${lastErr?.message ?? lastErr}`);
}

/** Waits until `cluster-count` is `n` as seen from every client in `viaClients`. */
export async function awaitCount(viaClients, n, opts = {}) {
  await until(async () => {
    for (const c of viaClients) {
      const [count] = await c.ack("cluster-count", [], 1000);
      assert.equal(count, n, `cluster-count via node ${c.node.index}`);
    }
  }, { label: `cluster-count = ${n}`, ...opts });
}

/**
 * Sharded (dynamic) nodes SSUBSCRIBE to a room's channel when the room
 * appears, without waiting for Redis; waits until `nodeCount` nodes are
 * subscribed to `socket.io#/#<room>#`, so that a broadcast published next
 * reaches them all. Classic nodes use one pattern subscription: nothing to wait for.
 */
export async function awaitRoomChannel(redisCli, mode, room, nodeCount) {
  if (mode !== "sharded") return;
  const channel = `socket.io#/#${room}#`;
  await until(async () => {
    const reply = await redisCli.sendCommand(["PUBSUB", "SHARDNUMSUB", channel]);
    assert.equal(Number(reply[1]), nodeCount, `SHARDNUMSUB ${channel}`);
  }, { interval: 10, timeout: WAIT_MS, label: `${nodeCount} shard subscribers on ${channel}` });
}

/** A unique name for rooms and payloads. */
let uniq = 0;
export function unique(prefix) {
  uniq += 1;
  return `${prefix}-${process.pid}-${uniq}`;
}

/** Node.js sort order of FIXTURE.md: numbers ascending, strings by code unit. */
export function sorted(values) {
  if (values.every((v) => typeof v === "number")) return [...values].sort((a, b) => a - b);
  return [...values].sort();
}
