// Server lifecycle end to end: server::close(done) runs `done` only once every session is gone,
// the future-returning calls on an I/O thread never leave a future only that thread could
// complete, and a socket handle (and the handshake copied from it) used after the socket
// disconnected. Scenario server: tests/e2e/api_server/main.cpp ("close-server",
// "future-on-io", "keep-handle", "kept-handle").

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { call, closeAll, connect, skipApi, startApi, unique, waitGone } from "./api-helpers.mjs";

const FLAGS = ["--ping-interval", "20000", "--ping-timeout", "20000"];

/** One scenario server for a describe block; clients pushed to `clients` are closed after. */
function sharedServer() {
  const ctx = { server: null, clients: [] };
  before(async () => {
    ctx.server = await startApi(FLAGS);
  });
  after(async () => {
    closeAll(ctx.clients);
    await ctx.server?.stop();
  });
  return ctx;
}

describe("api: future forms on an I/O thread", { skip: skipApi }, () => {
  const ctx = sharedServer();

  test("socket and broadcast acks fail at once with logic_error; fetch_sockets completes inline", async () => {
    const room = unique("fut");
    const t = await connect(ctx.server, "/", { transports: ["websocket"] });
    const other = await connect(ctx.server, "/", { transports: ["polling"] });
    ctx.clients.push(t, other);
    await call(t, "join", room);
    await call(other, "join", room);
    // Nobody answers "question": a future that waited for it would never be ready, and the
    // thread waiting on it would be the one the answer needs.
    const reply = await call(t, "future-on-io", room, 60000);
    assert.deepEqual(reply, {
      socket_ack: "logic_error",
      bcast_ack: "logic_error",
      fetch: "ok",
      ids: [t.socket.id, other.socket.id].sort(),
    });
    // The connection is still served.
    assert.equal(await call(t, "echo", "after"), "after");
  });

  test("from a thread that is not an I/O thread the socket emit_with_ack future works", async () => {
    const t = await connect(ctx.server, "/", { transports: ["websocket"] });
    ctx.clients.push(t);
    t.socket.on("question", (q, ack) => ack(`answer to ${q}`));
    assert.deepEqual(await call(t, "ask-future", 5000, "q"), { error: null, answer: ["answer to q"] });
  });
});

describe("api: a handle used after its socket disconnected", { skip: skipApi }, () => {
  const ctx = sharedServer();

  for (const transports of [["polling"], ["websocket"]]) {
    test(`the handshake copy stays valid, the gone handle is empty (${transports})`, async () => {
      const watcher = await connect(ctx.server, "/");
      ctx.clients.push(watcher);
      await call(watcher, "join", "watchers");
      const t = await connect(ctx.server, "/", { transports, auth: { tag: "kept" } });
      const id = t.socket.id;
      assert.equal(await call(t, "keep-handle"), true);
      t.close();
      await waitGone(watcher, id);

      const kept = await call(watcher, "kept-handle", id);
      assert.equal(kept.connected, false);
      assert.equal(kept.emit, false);
      assert.deepEqual(kept.now, { has_request: false, auth: {}, url: "" });
      assert.equal(kept.copy.has_request, true);
      assert.deepEqual(kept.copy.auth, { tag: "kept" });
      assert.match(kept.copy.url, /^\/socket\.io\/\?.*EIO=4/);
      assert.equal(kept.copy.host, `127.0.0.1:${ctx.server.port}`);
    });
  }
});

describe("api: server::close(done)", { skip: skipApi }, () => {
  for (const flags of [[], ["--executor", "1"]]) {
    test(`done runs once, after every socket's disconnect (${flags.join(" ") || "io_context"})`, async () => {
      const server = await startApi([...FLAGS, ...flags]);
      const clients = [];
      try {
        // The first client asks for the close. It is a WebSocket one: a polling client with
        // data queued at close time (that ack) gets the close packet only in a later GET, which
        // cannot reach a closed listener, so its session would linger (30 s, as the reference's).
        // The idle polling clients have a GET parked, which the close answers at once.
        for (const transports of [["websocket"], ["polling"], ["polling", "websocket"], ["polling"]]) {
          clients.push(await connect(server, "/", { transports }));
        }
        // A socket of another namespace (its own connection): it must go too.
        clients.push(await connect(server, "/admin", { auth: { admin: true } }));
        const ids = clients.map((t) => t.socket.id);

        assert.equal(await call(clients[0], "close-server"), true);
        const closedLine = await server.waitOutputLine(/^closed$/, 10000);
        assert.equal(closedLine, "closed");
        for (const t of clients) {
          const reason = await t.next("disconnect", 10000);
          assert.equal(reason, "transport close");
        }

        const lines = server.outputLines();
        const closedAt = lines.indexOf("closed");
        assert.equal(lines.filter((l) => l === "closed").length, 1, "done runs once");
        for (const id of ids) {
          const at = lines.findIndex((l) => l.startsWith(`disconnect ${id} `));
          assert.ok(at !== -1, `a disconnect line for ${id}`);
          assert.match(lines[at], / server shutting down$/);
          assert.ok(at < closedAt, `the disconnect of ${id} comes before "closed"`);
        }
      } finally {
        closeAll(clients);
        await server.stop();
      }
      // done ran once, also after SIGTERM closed the server a second time.
      assert.equal(server.outputLines().filter((l) => l === "closed").length, 1);
    });
  }
});

describe("api: server::drain(options, done)", { skip: skipApi }, () => {
  test("sockets see \"server shutting down\", clients \"transport close\"; done and the future complete after the last", async () => {
    const server = await startApi(FLAGS);
    const clients = [];
    try {
      for (const transports of [["websocket"], ["polling"], ["polling", "websocket"], ["websocket"]]) {
        clients.push(await connect(server, "/", { transports }));
      }
      clients.push(await connect(server, "/admin", { auth: { admin: true }, transports: ["websocket"] }));
      const ids = clients.map((t) => t.socket.id);

      assert.equal(await call(clients[0], "drain-server", 20), true);
      for (const t of clients) assert.equal(await t.next("disconnect", 10000), "transport close");
      await server.waitOutputLine(/^drained$/, 10000);
      await server.waitOutputLine(/^drain-future$/, 10000);

      const lines = server.outputLines();
      const drainedAt = lines.indexOf("drained");
      assert.equal(lines.filter((l) => l === "drained").length, 1, "done runs once");
      for (const id of ids) {
        const at = lines.findIndex((l) => l.startsWith(`disconnect ${id} `));
        assert.ok(at !== -1, `a disconnect line for ${id}`);
        assert.match(lines[at], / server shutting down$/);
        assert.ok(at < drainedAt, `the disconnect of ${id} comes before "drained"`);
      }
    } finally {
      closeAll(clients);
      await server.stop();
    }
  });
});
