// Secrets never reach the log. The throwing server (tests/e2e/throwing_server) logs at level
// debug to stderr; clients send distinct secrets in every place a credential travels (auth
// payload, Cookie, Authorization, a token in the query, event arguments, packet bodies) through
// every path that logs: throwing handlers and middleware of every kind, a refused handshake,
// an unknown transport and an unknown sid, a refused WebSocket Origin, a bad namespace, a
// malformed Socket.IO packet and an Engine.IO parse error. Each path's log line is awaited (so
// the test proves the paths were taken and logged), then no secret may appear anywhere in it.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { connectWs, eioClient, eventually, request } from "./helpers.mjs";
import { call, closeAll, connect, connectError } from "./api-helpers.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_BUILD = path.join(here, "..", "..", "build", "tests", "socketio-throwing-server");

function command() {
  const raw = process.env.THROWING_SERVER;
  if (raw && raw.trim() !== "") return raw.trim().split(/\s+/);
  if (fs.existsSync(DEFAULT_BUILD)) return [DEFAULT_BUILD];
  return null;
}
const skip = command() ? false : `THROWING_SERVER is not set and ${DEFAULT_BUILD} does not exist`;

// Random, so a match can only come from this run's traffic.
const secret = (name) => `${name}-${randomBytes(8).toString("hex")}`;
const SECRETS = {
  auth: secret("auth"),
  cookie: secret("cookie"),
  bearer: secret("bearer"),
  query: secret("query"),
  event: secret("event"),
  body: secret("body"),
};
const HEADERS = {
  Cookie: `session=${SECRETS.cookie}`,
  Authorization: `Bearer ${SECRETS.bearer}`,
};

describe("secrets never logged (log level debug)", { skip }, () => {
  let server;
  let startCommand;

  async function logged(re) {
    await eventually(() => assert.match(server.stderr(), re), { timeout: 5000 });
  }
  /** Socket.IO client options that carry every kind of secret. */
  function withSecrets(auth = {}) {
    return {
      auth: { token: SECRETS.auth, ...auth },
      query: { token: SECRETS.query },
      extraHeaders: HEADERS,
    };
  }
  const sioUrl = (query) => `${server.base}/socket.io/?${query}&token=${SECRETS.query}`;

  before(async () => {
    startCommand = command();
    const { startServer } = await import("./helpers.mjs");
    server = await startServer(["--log-level", "debug"], { command: startCommand, name: "throwing server" });
  });
  after(async () => {
    await server?.stop();
  });

  test("handlers, listeners and middleware that throw, with secrets in auth, headers, query and args", async () => {
    for (const transports of [["polling"], ["websocket"]]) {
      const t = await connect(server, "/", { transports, ...withSecrets({ throw: "connection" }) });
      try {
        t.socket.emit("throw", { token: SECRETS.event });
        t.socket.emit("any-throw", SECRETS.event);
        t.socket.emit("mw-throw", SECRETS.event);
        t.socket.emit("mw-error", SECRETS.event);
        assert.equal(await call(t, "echo", SECRETS.event), SECRETS.event);
      } finally {
        closeAll(t);
      }
    }
    await logged(/^LOG error connection handler of socket \S+ on \/ threw: connection boom$/m);
    await logged(/^LOG error event handler "throw" of socket \S+ on \/ threw: handler boom$/m);
    await logged(/^LOG error any listener "any-throw" .* threw: any boom$/m);
    await logged(/^LOG error packet middleware "mw-throw" .* threw: packet middleware boom$/m);
    await logged(/^LOG error error handler of socket .* threw: error handler boom$/m);
  });

  test("a connection middleware that throws, and one that disconnects", async () => {
    const err = await connectError(server, "/", withSecrets({ throw: "middleware" }));
    assert.equal(err.message, "middleware boom");
    await logged(/^LOG error connection middleware of socket \S+ on \/ threw: middleware boom$/m);
    const t = await connect(server, "/", withSecrets({ throw: "disconnect" }));
    closeAll(t);
    await logged(/^LOG error disconnect handler of socket \S+ on \/ threw: disconnect boom$/m);
  });

  test("a bad namespace", async () => {
    const err = await connectError(server, "/nope", withSecrets());
    assert.equal(err.message, "Invalid namespace");
    await logged(/^LOG debug CONNECT to an unknown namespace refused$/m);
  });

  test("refused requests: allow_request, unknown transport, unknown sid, WebSocket Origin", async () => {
    const refused = await request(sioUrl("EIO=4&transport=polling&throw=allow"), { headers: HEADERS });
    assert.equal(refused.status, 403);
    await logged(/^LOG error allow_request threw: allow boom$/m);
    await logged(/^LOG debug handshake refused by allow_request$/m);

    const transport = await request(sioUrl("EIO=4&transport=carrier-pigeon"), { headers: HEADERS });
    assert.equal(transport.status, 400);
    await logged(/^LOG debug GET refused: Transport unknown$/m);

    const sid = await request(sioUrl(`EIO=4&transport=polling&sid=${SECRETS.body.slice(0, 20)}`), {
      method: "POST", body: `4${SECRETS.body}`, headers: HEADERS,
    });
    assert.equal(sid.status, 400);
    await logged(/^LOG debug POST refused: Session ID unknown$/m);

    // The throwing server's origin predicate throws for this Origin: the upgrade is refused.
    const ws = await connectWs(sioUrl("EIO=4&transport=websocket").replace(/^http/, "ws"), {
      headers: { ...HEADERS, Origin: "http://throw.test" },
    });
    assert.equal(ws.status, 403);
    await logged(/^LOG debug WebSocket upgrade refused: Origin not allowed$/m);
  });

  test("a malformed Socket.IO packet and an Engine.IO parse error", async () => {
    const ws = await connectWs(sioUrl("EIO=4&transport=websocket").replace(/^http/, "ws"), { headers: HEADERS });
    assert.ok(ws.ok, "WebSocket opened");
    const conn = ws.conn;
    await conn.nextText(5000, "OPEN");
    conn.send(`40{"token":"${SECRETS.auth}"}`);
    await conn.nextText(5000, "CONNECT reply");
    conn.send(`42["x",{"token":"${SECRETS.event}"`);  // unterminated JSON
    await conn.closed;
    await logged(/^LOG debug malformed Socket.IO packet, closing the connection$/m);

    const open = await request(sioUrl("EIO=4&transport=polling"), { headers: HEADERS });
    const { sid } = JSON.parse(open.text.slice(1));
    const bad = await request(`${server.base}/socket.io/?EIO=4&transport=polling&sid=${sid}&token=${SECRETS.query}`, {
      method: "POST", body: `x${SECRETS.body}`, headers: HEADERS,
    });
    assert.equal(bad.status, 200);
    await logged(/^LOG debug session closed: parse error$/m);
  });

  test("raw Engine.IO: a message handler that throws on a message carrying a secret", async () => {
    const c = await eioClient(server, {
      transports: ["websocket"], query: { token: SECRETS.query }, extraHeaders: HEADERS,
    });
    c.socket.send("throw");
    c.socket.send(SECRETS.event);
    assert.equal(await c.messages.take(5000, "echo"), SECRETS.event);
    c.socket.close();
    await c.closed;
    await logged(/^LOG error message handler of session \S+ threw: engine message boom$/m);
  });

  test("no secret appears anywhere in the log", async () => {
    const log = server.stderr();
    assert.match(log, /^LOG debug /m, "debug lines were written");
    for (const [where, value] of Object.entries(SECRETS)) {
      assert.ok(!log.includes(value), `the ${where} secret is in the log:\n${log}`);
      // Nor its random part alone (a log that quoted a mangled or encoded form).
      assert.ok(!log.includes(value.split("-")[1]), `part of the ${where} secret is in the log`);
    }
  });
});
