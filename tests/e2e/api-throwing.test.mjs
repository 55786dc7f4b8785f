// User callbacks that throw: for every kind of callback the library calls (CORS predicate,
// allow_request, namespace predicate, connection middleware, connection handlers, event
// handlers, any / outgoing listeners, packet middleware, the error handler, ack callbacks,
// disconnecting / disconnect handlers, raw Engine.IO connection / message / close handlers),
// the server reports the exception through its logger hook and carries on: the throwing
// client's own connection keeps working where the protocol allows, a bystander client is
// unaffected, and the server exits 0 on SIGTERM.
// Scenario server: tests/e2e/throwing_server/main.cpp (its contract is at the top).

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { after, afterEach, before, describe, test } from "node:test";
import { eioClient, eventually, request, startServer } from "./helpers.mjs";
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

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("api: throwing user callbacks", { skip }, () => {
  let server;
  let bystander;
  let echoes = 0;

  /** Waits for a logger line `LOG error <what...> threw: <detail>`. */
  async function logged(what, detail) {
    const re = new RegExp(`^LOG error ${what} threw: ${escape(detail)}$`, "m");
    await eventually(() => assert.match(server.stderr(), re));
  }

  before(async () => {
    server = await startServer([], { command: command(), name: "throwing server" });
    bystander = await connect(server, "/");
  });
  afterEach(async () => {
    // The bystander's connection is untouched by whatever the test made throw.
    echoes += 1;
    assert.deepEqual(await call(bystander, "echo", "still here", echoes), "still here");
    assert.equal(bystander.socket.connected, true);
    assert.equal(bystander.pending("disconnect"), 0);
  });
  after(async () => {
    closeAll(bystander);
    await server?.stop();  // asserts exit status 0
  });

  test("an event handler that throws (std::exception or anything else)", async () => {
    const t = await connect(server, "/");
    try {
      t.socket.emit("throw");
      t.socket.emit("throw-other");
      assert.equal(await call(t, "echo", "after"), "after");
      const sid = escape(t.socket.id);
      await logged(`event handler "throw" of socket ${sid} on /`, "handler boom");
      await logged(`event handler "throw-other" of socket ${sid} on /`,
        "an exception not derived from std::exception");
    } finally {
      closeAll(t);
    }
  });

  test("an any listener and an outgoing listener that throw", async () => {
    const t = await connect(server, "/");
    try {
      t.socket.emit("any-throw");
      await logged(`any listener "any-throw" of socket ${escape(t.socket.id)} on /`, "any boom");
      // The outgoing listener throws, the emit still goes out.
      assert.equal(await call(t, "emit-back", "out-throw"), true);
      await t.next("out-throw");
      await logged(`outgoing listener "out-throw" of socket ${escape(t.socket.id)} on /`,
        "outgoing boom");
    } finally {
      closeAll(t);
    }
  });

  test("a packet middleware and an error handler that throw", async () => {
    const t = await connect(server, "/");
    try {
      t.socket.emit("mw-throw");
      t.socket.emit("mw-error");
      assert.equal(await call(t, "echo", 1), 1);
      const sid = escape(t.socket.id);
      await logged(`packet middleware "mw-throw" of socket ${sid} on /`, "packet middleware boom");
      await logged(`error handler of socket ${sid} on /`, "error handler boom");
    } finally {
      closeAll(t);
    }
  });

  test("ack callbacks that throw (answered, timed out, broadcast)", async () => {
    const t = await connect(server, "/");
    try {
      t.socket.on("question", (cb) => cb("yes"));
      assert.equal(await call(t, "ask", 5000), true);
      const sid = escape(t.socket.id);
      await logged(`ack callback of socket ${sid} on /`, "ack boom (answer)");
      t.socket.off("question");
      t.socket.on("question", () => {});  // never answers
      assert.equal(await call(t, "ask", 100), true);
      await logged(`ack callback \\(timed out\\) of socket ${sid} on /`,
        "ack boom (operation has timed out)");
      // The bystander never answers "question-all", so the broadcast times out.
      assert.equal(await call(t, "ask-all", 100), true);
      await logged("broadcast ack callback", "broadcast ack boom");
      assert.equal(await call(t, "echo", 2), 2);
    } finally {
      closeAll(t);
    }
  });

  test("a connection middleware that throws refuses that connection only", async () => {
    const err = await connectError(server, "/", { auth: { throw: "middleware", token: "s3cr3t-tok" } });
    assert.equal(err.message, "middleware boom");
    await logged("connection middleware of socket \\S+ on /", "middleware boom");
    const other = await connectError(server, "/", { auth: { throw: "middleware-other" } });
    assert.equal(other.message, "middleware error");
    await logged("connection middleware of socket \\S+ on /", "middleware error");
    assert.ok(!server.stderr().includes("s3cr3t-tok"), "the auth payload is never logged");
  });

  test("a connection handler that throws: later handlers still run", async () => {
    const t = await connect(server, "/", { auth: { throw: "connection" } });
    try {
      assert.equal(await call(t, "echo", "works"), "works");
      await logged(`connection handler of socket ${escape(t.socket.id)} on /`, "connection boom");
    } finally {
      closeAll(t);
    }
  });

  test("a namespace predicate that throws does not match", async () => {
    const err = await connectError(server, "/pred-throw");
    assert.equal(err.message, "Invalid namespace");
    await logged("namespace predicate \\(for /pred-throw\\)", "predicate boom");
    const t = await connect(server, "/pred-ok");
    try {
      assert.equal(await call(t, "echo", "dyn"), "dyn");
    } finally {
      closeAll(t);
    }
  });

  test("disconnecting and disconnect handlers that throw", async () => {
    const t = await connect(server, "/", { auth: { throw: "disconnect" } });
    const sid = escape(t.socket.id);
    closeAll(t);
    await logged(`disconnecting handler of socket ${sid} on /`, "disconnecting boom");
    await logged(`disconnect handler of socket ${sid} on /`, "disconnect boom");
  });

  test("a CORS origin predicate that throws allows nothing", async () => {
    const url = `${server.base}/socket.io/?EIO=4&transport=polling`;
    const bad = await request(url, { headers: { origin: "http://throw.test" } });
    assert.equal(bad.status, 200);
    assert.equal(bad.headers["access-control-allow-origin"], undefined);
    await logged("cors allow_origin", "cors boom");
    const other = await request(url, { headers: { origin: "http://other.test" } });
    assert.equal(other.headers["access-control-allow-origin"], undefined);
    await logged("cors allow_origin", "an exception not derived from std::exception");
    const good = await request(url, { headers: { origin: "http://fine.test" } });
    assert.equal(good.headers["access-control-allow-origin"], "http://fine.test");
  });

  test("an allow_request that throws refuses the handshake", async () => {
    const res = await request(`${server.base}/socket.io/?EIO=4&transport=polling&throw=allow`);
    assert.equal(res.status, 403);
    assert.deepEqual(JSON.parse(res.text), { code: 4, message: "Forbidden" });
    await logged("allow_request", "allow boom");
    const other = await request(`${server.base}/socket.io/?EIO=4&transport=polling&throw=allow-other`);
    assert.equal(other.status, 403);
    await logged("allow_request", "an exception not derived from std::exception");
  });

  test("raw Engine.IO: connection, message and close handlers that throw", async () => {
    const first = await eioClient(server, { query: { throw: "connection" } });
    await logged(`connection handler of session ${escape(first.socket.id)}`,
      "engine connection boom");
    first.socket.close();
    await first.closed;

    const c = await eioClient(server, { transports: ["websocket"] });
    const sid = escape(c.socket.id);
    try {
      c.socket.send("throw");
      c.socket.send("hi");
      assert.equal(await c.messages.take(5000), "hi");
      await logged(`message handler of session ${sid}`, "engine message boom");
    } finally {
      c.socket.close();
    }
    await c.closed;
    await logged(`close handler of session ${sid}`, "engine close boom");
  });

  test("nothing but the reports above is logged at the default level", async () => {
    for (let i = 0; i < 20; i++) assert.equal(await call(bystander, "echo", i), i);
    const lines = server.stderr().split("\n").filter((l) => l.startsWith("LOG "));
    assert.ok(lines.length > 0);
    for (const line of lines) assert.match(line, /^LOG error .+ threw: .+$/);
  });
});
