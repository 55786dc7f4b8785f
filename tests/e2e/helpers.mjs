// Shared helpers for the Engine.IO end-to-end suite.
//
// The server under test is the command in FIXTURE_SERVER (a path, possibly
// followed by space-separated arguments). It is started with extra flags and
// `--port 0`, prints `listening <port>` once ready, listens on 127.0.0.1 and
// exits with status 0 on SIGTERM.
//
// SOCKETIO_E2E_TLS=1 runs the same suites over TLS: the fixture is started with
// `--tls-cert/--tls-key` (a CA and a server certificate made with the openssl CLI at test
// time, tls-certs.mjs), URLs become https/wss, and every client of these helpers trusts that
// CA (`ca` option), so certificates are verified as in production.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { testCertificates } from "./tls-certs.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

export const HOST = "127.0.0.1";
export const SEP = "\x1e";
export const EIO_PATH = "/engine.io/";

/** True when the suites run over TLS (SOCKETIO_E2E_TLS=1). */
export const TLS = process.env.SOCKETIO_E2E_TLS === "1";

/**
 * Client options that trust the test CA when `server` was started over TLS: `{ ca }`, else
 * `{}`. For engine.io-client, socket.io-client, ws, https and tls.
 */
export function clientTls(server) {
  return server.tls ? trustTestCa() : {};
}

/** `{ ca }` with the CA of the test certificates (tls-certs.mjs). */
export function trustTestCa() {
  return { ca: testCertificates().ca.pem };
}

/** True when the suite runs against the Node reference fixture (REFERENCE=1). */
export const isReference = process.env.REFERENCE === "1";

export function fixtureCommand() {
  const raw = process.env.FIXTURE_SERVER;
  if (raw && raw.trim() !== "") return raw.trim().split(/\s+/);
  // Default: the Node reference fixture that ships with the suite.
  return [process.execPath, path.join(here, "reference", "fixture.mjs")];
}

const STARTUP_TIMEOUT_MS = Number(process.env.FIXTURE_STARTUP_TIMEOUT_MS ?? 15000);
const STOP_TIMEOUT_MS = 10000;

/**
 * Starts the fixture server (or `command`, another server with the same contract) with the
 * given extra arguments. Resolves to { port, url, base, stop() } once the `listening <port>`
 * line has been printed. stop() sends SIGTERM, waits for the exit and asserts that the exit
 * status is 0.
 */
export async function startServer(args = [], { command, name = "fixture server", tls: useTls } = {}) {
  // Over TLS only the fixture (the default command): the scenario servers have no TLS flags.
  useTls ??= TLS && command === undefined;
  command ??= fixtureCommand();
  const tlsArgs = [];
  if (useTls) {
    const { server: cert } = testCertificates();
    tlsArgs.push("--tls-cert", cert.cert, "--tls-key", cert.key);
  }
  const [cmd, ...cmdArgs] = command;
  const child = spawn(cmd, [...cmdArgs, ...tlsArgs, ...args, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
    if (stderr.length > 200000) stderr = stderr.slice(-100000);
  });
  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  child.once("error", () => {});

  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      child.kill("SIGKILL");
      reject(new Error(`${name} did not print "listening <port>" within ${STARTUP_TIMEOUT_MS} ms; stderr:\n${stderr}`));
    }, STARTUP_TIMEOUT_MS);
    const onData = (chunk) => {
      stdout += chunk;
      const nl = stdout.indexOf("\n");
      if (nl === -1) return;
      const line = stdout.slice(0, nl).replace(/\r$/, "");
      cleanup();
      const m = /^listening (\d+)$/.exec(line);
      if (!m) {
        child.kill("SIGKILL");
        reject(new Error(`unexpected first line from ${name}: ${JSON.stringify(line)}`));
        return;
      }
      resolve(Number(m[1]));
    };
    const onExit = (code, signal) => {
      cleanup();
      reject(new Error(`${name} exited early (code ${code}, signal ${signal}); stderr:\n${stderr}`));
    };
    const onError = (err) => {
      cleanup();
      reject(new Error(`cannot start ${name} ${JSON.stringify(cmd)}: ${err.message}`));
    };
    function cleanup() {
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.off("exit", onExit);
      child.off("error", onError);
    }
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", onData);
    child.once("exit", onExit);
    child.once("error", onError);
  });
  // Keep draining stdout so that the child never blocks on a full pipe; the lines after
  // `listening <port>` are kept (bounded) for servers that report events there.
  let output = stdout.slice(stdout.indexOf("\n") + 1);
  const outputWaiters = new Set();
  child.stdout.on("data", (chunk) => {
    output += chunk;
    if (output.length > 400000) output = output.slice(-200000);
    for (const w of [...outputWaiters]) w();
  });
  child.once("exit", () => {
    for (const w of [...outputWaiters]) w();
  });

  let stopped = null;
  const scheme = useTls ? "https" : "http";
  const server = {
    port,
    tls: useTls,
    base: `${scheme}://${HOST}:${port}`,
    url: `${scheme}://${HOST}:${port}${EIO_PATH}`,
    wsBase: `${useTls ? "wss" : "ws"}://${HOST}:${port}${EIO_PATH}`,
    child,
    stderr: () => stderr,
    /** Complete stdout lines printed after `listening <port>`. */
    outputLines: () => output.split("\n").slice(0, -1),
    /**
     * Resolves to the first complete stdout line (after `listening`) that matches `re`;
     * rejects after `ms` or when the process exited without printing one.
     */
    waitOutputLine(re, ms = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = output.split("\n").slice(0, -1).find((l) => re.test(l));
          if (line !== undefined) {
            done();
            resolve(line);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`${name} exited without printing a line matching ${re}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name} printed no line matching ${re} within ${ms} ms`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          outputWaiters.delete(check);
        };
        outputWaiters.add(check);
        check();
      });
    },
    async stop() {
      if (stopped) return stopped;
      stopped = (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        let timer;
        const result = await Promise.race([
          exited,
          new Promise((resolve) => {
            timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS);
          }),
        ]);
        clearTimeout(timer);
        if (result === null) {
          child.kill("SIGKILL");
          await exited;
          assert.fail(`${name} did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM; stderr:\n${stderr}`);
        }
        assert.equal(result.code, 0,
          `${name} exit status ${result.code} (signal ${result.signal}); stderr:\n${stderr}`);
      })();
      return stopped;
    },
  };
  return server;
}

// ---------------------------------------------------------------------------
// Timing helpers

/** Rejects with a descriptive error after `ms`. */
export function withTimeout(promise, ms, label = "operation") {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${label}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves when `emitter` emits `event` (first argument), or fails after `ms`. */
export function once(emitter, event, ms = 5000) {
  let handler;
  const p = new Promise((resolve) => {
    handler = (...args) => resolve(args.length <= 1 ? args[0] : args);
    emitter.once(event, handler);
  });
  return withTimeout(p, ms, `"${event}" event`).finally(() => {
    if (typeof emitter.off === "function") emitter.off(event, handler);
  });
}

/**
 * Waits for a fixed duration. Only for timing tests that must observe the
 * server at a given moment (never to wait for something that has an event).
 */
export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Retries `check` (an async function that throws while its condition does
 * not hold) until it passes or `ms` elapses; the last error is rethrown.
 * Used for server-side effects that have no client-visible event, e.g. the
 * server noticing that a TCP connection was closed.
 */
export async function eventually(check, { timeout = 3000, interval = 20 } = {}) {
  const deadline = performance.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (performance.now() >= deadline) throw err;
    }
    await delay(interval);
  }
}

/** Milliseconds since an origin taken with performance.now(). */
export function since(t0) {
  return performance.now() - t0;
}

/** Asserts lo <= value <= hi with a readable message. */
export function assertWithin(value, lo, hi, what) {
  assert.ok(value >= lo && value <= hi,
    `${what}: ${value.toFixed(1)} ms is outside [${lo}, ${hi}] ms`);
}

/**
 * A parked request cannot be observed from the client. After its bytes were
 * handed to the kernel, this gives the server a short moment to take it
 * before a request on another connection races it.
 */
export function letServerPark() {
  return delay(60);
}

// ---------------------------------------------------------------------------
// Raw HTTP

/** Builds an Engine.IO URL on the server: eioUrl(server, {transport, sid, ...}). */
export function eioUrl(server, params = {}) {
  const q = new URLSearchParams();
  if (!("EIO" in params)) q.set("EIO", "4");
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    q.set(k, String(v));
  }
  return `${server.url}?${q.toString()}`;
}

export function pollingUrl(server, sid, extra = {}) {
  return eioUrl(server, { transport: "polling", sid, ...extra });
}

export function wsUrl(server, params = {}) {
  return eioUrl(server, { transport: "websocket", ...params }).replace(/^http/, "ws");
}

/**
 * Sends one HTTP request on a fresh connection and resolves to
 * { status, headers, text, body (Buffer) }. No Accept-Encoding is sent, so
 * bodies arrive exactly as written. `timeout` fails the request.
 */
export function request(url, { method = "GET", body, headers = {}, timeout = 5000, signal } = {}) {
  return new Promise((resolve, reject) => {
    const hdrs = { ...headers };
    let payload;
    if (body !== undefined) {
      payload = Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
      if (!Object.keys(hdrs).some((h) => h.toLowerCase() === "content-type")) {
        hdrs["Content-Type"] = "text/plain;charset=UTF-8";
      }
      hdrs["Content-Length"] = String(payload.length);
    }
    const secure = url.startsWith("https:");
    const req = (secure ? https : http).request(url, {
      method, headers: hdrs, agent: false, signal, ...(secure ? trustTestCa() : {}),
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`${method} ${url} got no response within ${timeout} ms`));
    }, timeout);
    req.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.once("response", (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      res.once("end", () => {
        clearTimeout(timer);
        const buf = Buffer.concat(chunks);
        resolve({ status: res.statusCode, headers: res.headers, body: buf, text: buf.toString("utf8") });
      });
    });
    req.end(payload);
  });
}

/** Polling GET for a session. */
export function poll(server, sid, opts = {}) {
  return request(pollingUrl(server, sid), { method: "GET", ...opts });
}

/** Polling POST of an exact body for a session. */
export function post(server, sid, body, opts = {}) {
  return request(pollingUrl(server, sid), { method: "POST", body, ...opts });
}

/** Asserts an Engine.IO JSON error response. */
export function assertError(res, status, code, message) {
  assert.equal(res.status, status, `status (body ${JSON.stringify(res.text)})`);
  assert.match(String(res.headers["content-type"]), /^application\/json\b/i, "error Content-Type");
  assert.deepEqual(JSON.parse(res.text), { code, message });
  assert.equal(res.text, JSON.stringify({ code, message }), "error body bytes");
}

export const SID_RE = /^[A-Za-z0-9_-]{20}$/;

/**
 * Parses an OPEN packet `0{...}` and checks its exact shape: keys sid,
 * upgrades, pingInterval, pingTimeout, maxPayload in that order.
 */
export function parseOpen(text, expected = {}) {
  assert.equal(text[0], "0", `OPEN packet expected, got ${JSON.stringify(text.slice(0, 80))}`);
  const json = JSON.parse(text.slice(1));
  assert.deepEqual(Object.keys(json), ["sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"]);
  assert.equal(typeof json.sid, "string");
  assert.match(json.sid, SID_RE);
  assert.ok(Array.isArray(json.upgrades));
  assert.ok(Number.isInteger(json.pingInterval));
  assert.ok(Number.isInteger(json.pingTimeout));
  assert.ok(Number.isInteger(json.maxPayload));
  for (const [k, v] of Object.entries(expected)) assert.deepEqual(json[k], v, `OPEN ${k}`);
  // The body is exactly `0` + compact JSON, nothing before or after.
  assert.equal(text, "0" + JSON.stringify(json));
  return json;
}

/** Performs a polling handshake and returns { sid, open, res }. */
export async function handshake(server, expected = {}, extra = {}) {
  const res = await request(eioUrl(server, { transport: "polling", ...extra }));
  assert.equal(res.status, 200, `handshake status (body ${JSON.stringify(res.text)})`);
  const open = parseOpen(res.text, expected);
  return { sid: open.sid, open, res };
}

/**
 * Resolves when an Engine.IO session answers requests with 400 code 1
 * ("Session ID unknown"), retrying briefly while the server has not yet
 * noticed what ended it. The probe is a POST of a message packet, which is
 * harmless while the session is still alive.
 */
export function expectSessionGone(server, sid, timeout = 3000) {
  return eventually(async () => {
    const res = await post(server, sid, "4still-there?");
    assertError(res, 400, 1, "Session ID unknown");
  }, { timeout });
}

/**
 * Sends raw bytes on a fresh TCP connection (over TLS when `tls`, by default in a TLS run).
 * Resolves to an object with the socket, a promise of everything received until the peer
 * closes, and `flushed` (resolves once the bytes were handed to the kernel).
 */
export function rawConnect(port, { tls: useTls = TLS } = {}) {
  return new Promise((resolve, reject) => {
    const socket = useTls
      ? tls.connect({ host: HOST, port, ...trustTestCa() })
      : net.connect({ host: HOST, port });
    socket.once("error", reject);
    socket.once(useTls ? "secureConnect" : "connect", () => {
      socket.off("error", reject);
      const chunks = [];
      socket.on("data", (c) => chunks.push(c));
      socket.on("error", () => {});
      const ended = new Promise((res) => socket.once("close", () => res(Buffer.concat(chunks))));
      resolve({
        socket,
        ended,
        received: () => Buffer.concat(chunks),
        write(data) {
          return new Promise((res, rej) => socket.write(data, (err) => (err ? rej(err) : res())));
        },
      });
    });
  });
}

// ---------------------------------------------------------------------------
// Async queues for events

/** A FIFO of values with awaitable take(timeout). */
export class Queue {
  constructor(label = "item") {
    this.label = label;
    this.items = [];
    this.waiters = [];
    this.failure = null;
  }
  push(item) {
    const w = this.waiters.shift();
    if (w) w.resolve(item);
    else this.items.push(item);
  }
  /** Makes every pending and future take() fail once the queue is empty. */
  fail(err) {
    this.failure = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
  take(ms = 5000, label = this.label) {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    if (this.failure) return Promise.reject(this.failure);
    let entry;
    const p = new Promise((resolve, reject) => {
      entry = { resolve, reject };
      this.waiters.push(entry);
    });
    return withTimeout(p, ms, label).catch((err) => {
      const i = this.waiters.indexOf(entry);
      if (i !== -1) this.waiters.splice(i, 1);
      throw err;
    });
  }
  get length() {
    return this.items.length;
  }
}

// ---------------------------------------------------------------------------
// Raw WebSocket

/**
 * Opens a raw `ws` WebSocket. Resolves to { ok: true, conn } on 101 or to
 * { ok: false, status, headers, body } when the server answers the upgrade
 * with another status, or { ok: false, error } when the connection fails.
 */
export function connectWs(url, { headers = {}, timeout = 5000, maxPayload } = {}) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, {
      headers, perMessageDeflate: false, maxPayload: maxPayload ?? 100 * 1024 * 1024,
      ...(url.startsWith("wss:") ? trustTestCa() : {}),
    });
    const messages = new Queue("WebSocket message");
    let upgradeHeaders = null;
    let settled = false;
    const timer = setTimeout(() => {
      finish({ ok: false, error: new Error(`WebSocket to ${url} did not open within ${timeout} ms`) });
      ws.terminate();
    }, timeout);
    function finish(v) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(v);
    }
    const closed = new Promise((res) => {
      ws.once("close", (code, reason) => {
        const info = { code, reason: reason.toString(), at: performance.now() };
        messages.fail(new Error(`WebSocket closed (code ${code}) before the expected message`));
        res(info);
      });
    });
    ws.on("error", (err) => {
      finish({ ok: false, error: err });
    });
    ws.on("upgrade", (res) => {
      upgradeHeaders = res.headers;
    });
    ws.on("unexpected-response", (req, res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      const done = () => {
        const body = Buffer.concat(chunks).toString("utf8");
        finish({ ok: false, status: res.statusCode, headers: res.headers, body });
        req.destroy();
      };
      res.once("end", done);
      res.once("error", done);
      res.once("aborted", done);
      res.once("close", done);
    });
    ws.on("message", (data, isBinary) => {
      const at = performance.now();
      if (isBinary) messages.push({ binary: true, data: Buffer.from(data), at });
      else messages.push({ binary: false, text: data.toString("utf8"), at });
    });
    ws.once("open", () => {
      finish({
        ok: true,
        conn: {
          ws,
          messages,
          closed,
          headers: upgradeHeaders,
          openedAt: performance.now(),
          send: (data) => ws.send(data),
          /** Next message; fails on close or timeout. */
          next: (ms = 5000, label) => messages.take(ms, label),
          /** Next text message, asserting it is text. */
          async nextText(ms = 5000, label) {
            const m = await messages.take(ms, label);
            assert.equal(m.binary, false, "expected a text frame");
            return m.text;
          },
          close: () => {
            ws.close();
            return closed;
          },
          terminate: () => {
            ws.terminate();
            return closed;
          },
        },
      });
    });
  });
}

/** Opens a WebSocket that must succeed (101). */
export async function openWs(url, opts) {
  const r = await connectWs(url, opts);
  if (!r.ok) {
    throw new Error(`WebSocket to ${url} failed: ${r.error ? r.error.message : `HTTP ${r.status} ${r.body}`}`);
  }
  return r.conn;
}

/** Opens a WebSocket-only Engine.IO session; returns { conn, open, sid }. */
export async function wsHandshake(server, expected = {}) {
  const conn = await openWs(wsUrl(server));
  const text = await conn.nextText(5000, "OPEN packet");
  const open = parseOpen(text, expected);
  return { conn, open, sid: open.sid };
}

/** Closes whatever is given, ignoring errors (test cleanup). */
export async function quietly(fn) {
  try {
    await fn();
  } catch {
    // cleanup only
  }
}

// ---------------------------------------------------------------------------
// engine.io-client

/**
 * Opens an engine.io-client Socket to the server and waits for "open".
 * Returns { socket, messages (Queue), closed (Promise of the close reason) }.
 */
export async function eioClient(server, opts = {}, timeout = 5000) {
  const { Socket } = await import("engine.io-client");
  const socket = new Socket(server.base, { path: "/engine.io/", ...clientTls(server), ...opts });
  const messages = new Queue("engine.io-client message");
  socket.on("message", (data) => messages.push(data));
  const closed = new Promise((resolve) => {
    socket.once("close", (reason, description) => {
      messages.fail(new Error(`engine.io-client closed (${reason}) before the expected message`));
      resolve({ reason, description });
    });
  });
  await withTimeout(new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  }), timeout, "engine.io-client open");
  return { socket, messages, closed };
}

/** Normalises a message received by engine.io-client to a Buffer (binary) or string. */
export function asBytes(data) {
  // engine.io-client reports an empty text message (`4`) as undefined.
  if (data === undefined) return "";
  if (typeof data === "string") return data;
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new Error(`unexpected message type ${Object.prototype.toString.call(data)}`);
}
