// Shared helpers for the Socket.IO v5 end-to-end suite (tests/e2e/sio-*.test.mjs).
//
// The fixture server (FIXTURE_SERVER, see helpers.mjs) serves Socket.IO at
// /socket.io/ on the same port as the raw Engine.IO echo at /engine.io/.
// These helpers add:
//   - startSio(): startServer() with the URLs pointing at /socket.io/, so the
//     raw request helpers of helpers.mjs (handshake, poll, post, ...) address
//     the Socket.IO endpoint;
//   - PollingSession / WsSession: raw Engine.IO sessions that keep reading in
//     the background, answer pings at once and expose every other packet, in
//     order, through an awaitable queue;
//   - sioClient(): a socket.io-client socket whose events are queued per name;
//   - small utilities for acks and binary values.

import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import process from "node:process";
import WebSocket from "ws";
import {
  HOST,
  Queue,
  clientTls,
  SEP,
  SID_RE,
  assertError,
  eventually,
  handshake,
  parseOpen,
  poll,
  post,
  startServer,
  withTimeout,
  wsUrl,
} from "./helpers.mjs";

export {
  HOST,
  Queue,
  clientTls,
  SEP,
  SID_RE,
  assertError,
  eventually,
  handshake,
  parseOpen,
  poll,
  post,
  withTimeout,
  wsUrl,
};
export { isReference, since, assertWithin, quietly, request } from "./helpers.mjs";


export const SIO_PATH = "/socket.io/";

/** Default wait for one expected packet or event. Generous for ASan on a loaded machine. */
export const WAIT_MS = 5000;

/**
 * Starts the fixture server and returns the server object of helpers.mjs
 * with `url`/`wsBase` re-pointed at /socket.io/ (the Engine.IO echo URL stays
 * available as `eioUrl`).
 */
export async function startSio(args = []) {
  const server = await startServer(args);
  server.eioUrl = server.url;
  server.url = `${server.base}${SIO_PATH}`;
  server.wsBase = `${server.tls ? "wss" : "ws"}://${HOST}:${server.port}${SIO_PATH}`;
  return server;
}

/** Splits a polling body into its Engine.IO packets. */
export function splitPayload(text) {
  return text === "" ? [] : text.split(SEP);
}

/** Standard padded base64 of the given bytes, as written in `b<base64>` packets. */
export function b64(bytes) {
  return Buffer.from(bytes).toString("base64");
}

/** Marker pushed into a session queue when the server forgot the session. */
export const GONE = Symbol("session gone");

// ---------------------------------------------------------------------------
// Raw polling session

/**
 * A raw Engine.IO polling session on the Socket.IO endpoint.
 *
 * A background loop keeps one GET pending at all times, like a real client.
 * Pings (`2`) are answered at once with a POST of `3` and counted in
 * `pings`; every other packet goes, in order, into `packets`. The loop stops
 * after the close packet `1` or when a GET fails; a GET answered with
 * 400 {"code":1,...} queues GONE. All POSTs of the session are serialised, so
 * that a pong never overlaps a test's POST.
 */
export class PollingSession {
  static async open(server, { autoPoll = true } = {}) {
    const { sid, open } = await handshake(server);
    const s = new PollingSession(server, sid, open);
    s.openedAt = performance.now();
    if (autoPoll) s.startPolling();
    return s;
  }

  constructor(server, sid, open) {
    this.server = server;
    this.sid = sid;
    this.open = open;
    this.packets = new Queue("Engine.IO packet");
    this.pings = 0;
    this.pingWaiters = [];
    this.postChain = Promise.resolve();
    this.loop = null;
    this.stopped = false;
    this.paused = false;
    this.closed = false;
  }

  startPolling() {
    if (this.loop) return;
    this.paused = false;
    this.loop = this.#pollLoop().finally(() => {
      this.loop = null;
    });
  }

  /**
   * Stops issuing GETs once the pending one is answered. `trigger` must make
   * the server answer it (for example by sending an event that is echoed);
   * resolves once no GET is pending any more.
   */
  async pausePolling(trigger) {
    this.paused = true;
    const loop = this.loop;
    await trigger();
    if (loop) await withTimeout(loop, WAIT_MS, "the pending GET to be answered");
  }

  async #pollLoop() {
    while (!this.stopped && !this.paused) {
      let res;
      try {
        res = await poll(this.server, this.sid, { timeout: 60000 });
      } catch (err) {
        if (!this.stopped) this.packets.fail(new Error(`polling GET failed: ${err.message}`));
        return;
      }
      if (res.status !== 200) {
        let gone = false;
        try {
          assertError(res, 400, 1, "Session ID unknown");
          gone = true;
        } catch {
          // another error: reported below
        }
        if (gone) this.packets.push(GONE);
        else this.packets.fail(new Error(`polling GET got ${res.status} ${JSON.stringify(res.text)}`));
        this.closed = true;
        return;
      }
      for (const p of splitPayload(res.text)) {
        if (p === "2") {
          this.pings++;
          for (const w of this.pingWaiters.splice(0)) w();
          // A failed pong means the session is closing; the GET loop reports it.
          this.post("3").catch(() => {});
          continue;
        }
        this.packets.push(p);
        if (p === "1") {
          this.closed = true;
          return;
        }
      }
    }
  }

  /** POSTs the packets joined by the record separator; resolves to the response. */
  post(...packets) {
    const body = packets.join(SEP);
    const run = this.postChain.then(() => post(this.server, this.sid, body));
    this.postChain = run.catch(() => {});
    return run;
  }

  /** POSTs the packets and asserts the exact `200 ok` answer. */
  async send(...packets) {
    const res = await this.post(...packets);
    assert.equal(res.status, 200, `POST ${JSON.stringify(packets)} status (body ${JSON.stringify(res.text)})`);
    assert.equal(res.text, "ok", "POST body");
  }

  /**
   * Resolves to the next packet other than a ping or a noop (`6`), which is
   * how a real client sees the stream. Fails after `ms`.
   */
  async next(ms = WAIT_MS, label = "next Socket.IO packet") {
    for (;;) {
      const p = await this.packets.take(ms, label);
      if (p === "6") continue;
      return p;
    }
  }

  /** Takes the next packet and asserts its exact text. */
  async expect(exact, ms = WAIT_MS) {
    const p = await this.next(ms, JSON.stringify(exact));
    assert.equal(p, exact);
    return p;
  }

  /** Resolves once `count` pings in total have been received (and answered). */
  async waitPings(count, ms = WAIT_MS) {
    while (this.pings < count) {
      await withTimeout(new Promise((resolve) => this.pingWaiters.push(resolve)), ms, `ping #${count}`);
    }
  }

  /**
   * Sends CONNECT for `nsp` (with an optional auth object) and checks the
   * exact reply `40[<nsp>,]{"sid":"…"}`. Returns the socket id. The "auth"
   * event that follows is left in the queue.
   */
  async connect(nsp = "/", auth) {
    const prefix = nsp === "/" ? "" : `${nsp},`;
    await this.send(`40${prefix}${auth === undefined ? "" : JSON.stringify(auth)}`);
    const reply = await this.next(WAIT_MS, `CONNECT reply for ${nsp}`);
    const m = /^40(\/[^,]*,)?(\{.*\})$/.exec(reply);
    assert.ok(m, `CONNECT reply expected, got ${JSON.stringify(reply)}`);
    assert.equal(m[1] ?? "", prefix, "namespace of the CONNECT reply");
    const json = JSON.parse(m[2]);
    assert.deepEqual(Object.keys(json), ["sid"], `CONNECT reply keys in ${reply}`);
    assert.match(json.sid, SID_RE);
    assert.notEqual(json.sid, this.sid, "socket id must differ from the engine sid");
    assert.equal(reply, `40${prefix}${JSON.stringify({ sid: json.sid })}`);
    return json.sid;
  }

  /** connect() and then the exact "auth" event. Returns the socket id. */
  async join(nsp = "/", auth) {
    const id = await this.connect(nsp, auth);
    const prefix = nsp === "/" ? "" : `${nsp},`;
    await this.expect(`42${prefix}${JSON.stringify(["auth", auth ?? {}])}`);
    return id;
  }

  /**
   * Asserts that the server closes the session: the next packet (pings and
   * noops aside) is the close packet `1`, and the sid is then unknown.
   */
  async expectClosed(ms = WAIT_MS) {
    const p = await this.next(ms, "close packet `1`");
    assert.equal(p, "1", "the session should have been closed with a `1` packet");
    await this.expectGone();
  }

  /** Asserts that requests for this sid get 400 {"code":1,"message":"Session ID unknown"}. */
  async expectGone(timeout = 3000) {
    // The probe is a pong: harmless while the session is still open.
    await eventually(async () => {
      const res = await post(this.server, this.sid, "3");
      assertError(res, 400, 1, "Session ID unknown");
    }, { timeout });
  }

  /** Closes the session from the client side (`1`) and stops the loop. */
  async close() {
    if (this.stopped) return;
    this.stopped = true;
    if (!this.closed) await this.post("1").catch(() => {});
    if (this.loop) await this.loop.catch(() => {});
  }
}

// ---------------------------------------------------------------------------
// Raw WebSocket session

/**
 * A raw Engine.IO WebSocket-only session on the Socket.IO endpoint. Pings are
 * answered at once; other frames are queued as strings (text) or Buffers
 * (binary). `closed` resolves to { code, at } when the connection closes.
 */
export class WsSession {
  static async open(server, ms = WAIT_MS) {
    const ws = new WebSocket(wsUrl(server), { perMessageDeflate: false, ...clientTls(server) });
    const s = new WsSession(ws);
    await withTimeout(new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    }), ms, "WebSocket open");
    const open = await s.next(ms, "OPEN packet");
    assert.equal(typeof open, "string", "OPEN must be a text frame");
    s.open = parseOpen(open, { upgrades: [] });
    s.sid = s.open.sid;
    s.openedAt = performance.now();
    return s;
  }

  constructor(ws) {
    this.ws = ws;
    this.frames = new Queue("WebSocket frame");
    this.pings = 0;
    this.pingWaiters = [];
    ws.on("error", () => {});
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        this.frames.push(Buffer.from(data));
        return;
      }
      const text = data.toString("utf8");
      if (text === "2") {
        this.pings++;
        if (ws.readyState === WebSocket.OPEN) ws.send("3");
        for (const w of this.pingWaiters.splice(0)) w();
        return;
      }
      this.frames.push(text);
    });
    this.closed = new Promise((resolve) => {
      ws.once("close", (code) => {
        this.frames.fail(new Error(`WebSocket closed (code ${code})`));
        resolve({ code, at: performance.now() });
      });
    });
  }

  send(data) {
    this.ws.send(data);
  }

  /** Resolves once `count` pings in total have been received (and answered). */
  async waitPings(count, ms = WAIT_MS) {
    while (this.pings < count) {
      await withTimeout(new Promise((resolve) => this.pingWaiters.push(resolve)), ms, `ping #${count}`);
    }
  }

  next(ms = WAIT_MS, label = "next WebSocket frame") {
    return this.frames.take(ms, label);
  }

  async expect(exact, ms = WAIT_MS) {
    const f = await this.next(ms, typeof exact === "string" ? JSON.stringify(exact) : "binary frame");
    if (typeof exact === "string") {
      assert.equal(typeof f, "string", `expected the text frame ${JSON.stringify(exact)}, got a binary frame`);
      assert.equal(f, exact);
    } else {
      assert.ok(Buffer.isBuffer(f), `expected a binary frame, got ${JSON.stringify(f)}`);
      assert.deepEqual(f, Buffer.from(exact));
    }
    return f;
  }

  async close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.terminate();
    }
    await this.closed;
  }
}

// ---------------------------------------------------------------------------
// socket.io-client

let clientModule = null;
async function clientLib() {
  clientModule ??= await import("socket.io-client");
  return clientModule;
}

/**
 * Queues every event a socket.io-client socket receives, per event name, and
 * records connect errors and disconnects.
 */
export function track(socket) {
  const queues = new Map();
  const queue = (name) => {
    if (!queues.has(name)) queues.set(name, new Queue(`"${name}" event`));
    return queues.get(name);
  };
  socket.onAny((event, ...args) => queue(event).push(args));
  socket.on("connect_error", (err) => queue("connect_error").push(err));
  socket.on("disconnect", (reason) => queue("disconnect").push(reason));
  socket.on("connect", () => queue("connect").push(socket.id));
  return {
    socket,
    /** Arguments array of the next `event`. */
    next: (event, ms = WAIT_MS) => queue(event).take(ms, `"${event}" event`),
    pending: (event) => queue(event).length,
  };
}

/**
 * Creates a socket.io-client socket on its own Manager (forceNew) for the
 * namespace `nsp`, without reconnection unless asked. Resolves once it is
 * connected, to the tracker of track() with `auth` (the arguments of the
 * first "auth" event) and `close()`.
 */
export async function sioClient(server, nsp = "/", opts = {}, ms = WAIT_MS) {
  const { io } = await clientLib();
  const socket = io(`${server.base}${nsp}`, {
    path: SIO_PATH,
    forceNew: true,
    reconnection: false,
    autoConnect: false,
    ...clientTls(server),
    ...opts,
  });
  const t = track(socket);
  t.close = () => {
    socket.io.reconnection(false);
    socket.disconnect();
    socket.io.engine?.close();
  };
  socket.connect();
  try {
    await withTimeout(new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    }), ms, `socket.io-client connect to ${nsp}`);
  } catch (err) {
    t.close();
    throw err;
  }
  t.auth = await t.next("auth", ms);
  return t;
}

/** The socket.io-client module (io, Manager, Socket). */
export function socketIoClient() {
  return clientLib();
}

/**
 * Emits with an ack and resolves to the array of all ack arguments; fails
 * after `ms` (socket.timeout()).
 */
export function emitAck(socket, event, args = [], ms = WAIT_MS) {
  return new Promise((resolve, reject) => {
    socket.timeout(ms).emit(event, ...args, (err, ...reply) => {
      if (err) reject(new Error(`no ack for "${event}" within ${ms} ms: ${err.message}`));
      else resolve(reply);
    });
  });
}

// ---------------------------------------------------------------------------
// Values

/** True for a Buffer, ArrayBuffer or typed array. */
export function isBinary(v) {
  return Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

/** Deep copy in which every binary value is a Buffer, for exact comparison. */
export function normalize(v) {
  if (Buffer.isBuffer(v)) return Buffer.from(v);
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalize(x);
    return out;
  }
  return v;
}

/**
 * Asserts that `actual` equals `expected` with binary values compared byte
 * by byte and object keys in the same order (JSON key order is preserved).
 */
export function assertSameValue(actual, expected, what = "value") {
  const a = normalize(actual);
  const e = normalize(expected);
  assert.deepStrictEqual(a, e, what);
  assert.equal(keyOrder(a), keyOrder(e), `${what}: object key order`);
}

function keyOrder(v) {
  return JSON.stringify(v, (k, x) => {
    if (x && x.type === "Buffer" && Array.isArray(x.data)) return `<bytes ${Buffer.from(x.data).toString("hex")}>`;
    return x;
  });
}
