// Server API end to end: disconnecting / disconnect handlers and their reasons,
// socket.disconnect() and disconnect(true), reconnecting to a namespace, ping timeout.
// The server records each socket's "disconnecting" (rooms still joined) and "disconnect"
// (rooms left) and then tells the room "watchers" ("socket-gone"); the tests read the records
// with "disconnect-log". Scenario server: tests/e2e/api_server/main.cpp.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { Queue, poll, quietly } from "./helpers.mjs";
import { PollingSession } from "./sio-helpers.mjs";
import {
  WAIT_MS,
  assertNotReceived,
  call,
  closeAll,
  connect,
  connectOn,
  manager,
  nextOf,
  skipApi,
  sorted,
  startApi,
  waitGone,
  socketIoEndpoint,
} from "./api-helpers.mjs";

const TRANSPORTS = [["polling"], ["websocket"]];

function expectRecords(records, { nsp = "/", reason, rooms }) {
  assert.ok(Array.isArray(records), `records ${JSON.stringify(records)}`);
  assert.equal(records.length, 2, `records ${JSON.stringify(records)}`);
  const [disconnecting, disconnect] = records;
  assert.deepEqual({ ...disconnecting, rooms: sorted(disconnecting.rooms) },
    { event: "disconnecting", nsp, reason, rooms: sorted(rooms) }, "disconnecting sees the rooms");
  assert.deepEqual(disconnect, { event: "disconnect", nsp, reason, rooms: [] }, "disconnect after leaving them");
}

/** A Manager with "/" and a second namespace, so that the connection outlives "/". */
async function twoNamespaces(server, transports, dyn) {
  const mgr = await manager(server, { transports });
  const main = await connectOn(mgr, "/");
  const other = await connectOn(mgr, dyn);
  assert.deepEqual(await other.next("hello"), [dyn]);
  return { mgr, main, other, close: () => { closeAll(main, other); mgr.engine?.close(); } };
}

describe("api: disconnect reasons", { skip: skipApi }, () => {
  let server;
  let watcher;
  before(async () => {
    server = await startApi();
    watcher = await connect(server, "/", { transports: ["websocket"] });
    await call(watcher, "join", "watchers");
  });
  after(async () => {
    closeAll(watcher);
    await server?.stop();
  });

  let n = 0;
  for (const transports of TRANSPORTS) {
    const tag = transports.join("+");

    test(`client namespace disconnect (${tag})`, async () => {
      const t = await connect(server, "/", { transports });
      const id = t.socket.id;
      await call(t, "join", ["room-a", "room-b"]);
      t.socket.disconnect();
      expectRecords(await waitGone(watcher, id), {
        reason: "client namespace disconnect",
        rooms: [id, "room-a", "room-b"],
      });
      closeAll(t);
    });

    test(`socket.disconnect(): "io server disconnect", then the client reconnects (${tag})`, async () => {
      const c = await twoNamespaces(server, transports, `/dyn-${500 + n++}`);
      try {
        const id = c.main.socket.id;
        const engine = c.mgr.engine;
        await call(c.main, "join", "kick-room");
        c.main.socket.emit("disconnect-me", false);
        assert.equal(await c.main.next("disconnect"), "io server disconnect");
        expectRecords(await waitGone(watcher, id), {
          reason: "server namespace disconnect",
          rooms: [id, "kick-room"],
        });
        // The connection stays open: the other namespace works, "/" can connect again.
        assert.equal(await call(c.other, "echo", "still"), "still");
        c.main.socket.connect();
        await c.main.next("connect");
        assert.notEqual(c.main.socket.id, id, "a new socket id");
        assert.equal(c.mgr.engine, engine, "on the same Engine.IO connection");
        assert.deepEqual((await call(c.main, "whoami")).rooms, [c.main.socket.id], "a fresh socket");
        await assertNotReceived(c.other, "disconnect");
      } finally {
        c.close();
      }
    });

    test(`socket.disconnect() of the only socket; socket.connect() opens a new connection (${tag})`, async () => {
      const t = await connect(server, "/", { transports });
      try {
        const id = t.socket.id;
        t.socket.emit("disconnect-me", false);
        assert.equal(await t.next("disconnect"), "io server disconnect");
        expectRecords(await waitGone(watcher, id), { reason: "server namespace disconnect", rooms: [id] });
        t.socket.connect();
        await t.next("connect");
        assert.notEqual(t.socket.id, id);
        assert.equal(await call(t, "echo", "back"), "back");
      } finally {
        closeAll(t);
      }
    });

    test(`socket.disconnect(true) disconnects every namespace and closes the connection (${tag})`, async () => {
      const c = await twoNamespaces(server, transports, `/dyn-${500 + n++}`);
      try {
        const ids = { main: c.main.socket.id, other: c.other.socket.id };
        const closed = nextOf(c.mgr, "close");
        c.main.socket.emit("disconnect-me", true);
        assert.equal(await c.main.next("disconnect"), "io server disconnect", "/");
        assert.equal(await c.other.next("disconnect"), "io server disconnect", "the other namespace gets its DISCONNECT too");
        await closed;
        const gone = new Map();
        while (gone.size < 2) {
          const [goneId, nsp, reason] = await watcher.next("socket-gone");
          if (goneId === ids.main || goneId === ids.other) gone.set(goneId, { nsp, reason });
        }
        assert.deepEqual(gone.get(ids.main), { nsp: "/", reason: "server namespace disconnect" });
        assert.deepEqual(gone.get(ids.other), { nsp: c.other.socket.nsp, reason: "server namespace disconnect" });
        expectRecords(await call(watcher, "disconnect-log", ids.main), { reason: "server namespace disconnect", rooms: [ids.main] });
        expectRecords(await call(watcher, "disconnect-log", ids.other), {
          nsp: c.other.socket.nsp, reason: "server namespace disconnect", rooms: [ids.other],
        });
      } finally {
        c.close();
      }
    });

    test(`transport close: every namespace of the connection (${tag})`, async () => {
      const c = await twoNamespaces(server, transports, `/dyn-${500 + n++}`);
      const ids = [c.main.socket.id, c.other.socket.id];
      await call(c.main, "join", "tc-room");
      c.mgr.engine.close();
      const reasons = new Map();
      while (reasons.size < 2) {
        const [goneId, , reason] = await watcher.next("socket-gone");
        if (ids.includes(goneId)) reasons.set(goneId, reason);
      }
      expectRecords(await call(watcher, "disconnect-log", ids[0]), { reason: "transport close", rooms: [ids[0], "tc-room"] });
      expectRecords(await call(watcher, "disconnect-log", ids[1]), {
        nsp: c.other.socket.nsp, reason: "transport close", rooms: [ids[1]],
      });
      c.close();
    });
  }

  test("a client namespace disconnect keeps the connection and the other namespaces", async () => {
    const c = await twoNamespaces(server, ["websocket"], "/dyn-599");
    try {
      const id = c.other.socket.id;
      c.other.socket.disconnect();
      expectRecords(await waitGone(watcher, id), { nsp: "/dyn-599", reason: "client namespace disconnect", rooms: [id] });
      assert.equal(await call(c.main, "echo", "alive"), "alive");
      assert.equal(c.mgr.engine.readyState, "open");
    } finally {
      c.close();
    }
  });
});

describe("api: ping timeout", { skip: skipApi }, () => {
  let server;
  before(async () => {
    server = await startApi(["--ping-interval", "200", "--ping-timeout", "200"]);
  });
  after(() => server?.stop());

  test("a client that stops answering pings: \"ping timeout\"", async () => {
    const watcher = await connect(server, "/", { transports: ["websocket"] });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`);
    try {
      await call(watcher, "join", "watchers");
      const frames = new Queue("frame");
      ws.on("message", (data) => frames.push(data.toString()));
      ws.on("error", () => {});
      assert.match(await frames.take(WAIT_MS, "OPEN"), /^0\{/);
      ws.send("40");
      const reply = await frames.take(WAIT_MS, "CONNECT reply");
      const id = JSON.parse(reply.slice(2)).sid;
      // Never answer the pings.
      const records = await waitGone(watcher, id);
      expectRecords(records, { reason: "ping timeout", rooms: [id] });
      assert.ok(watcher.socket.connected, "the watcher answers its pings");
    } finally {
      ws.terminate();
      closeAll(watcher);
    }
  });
});

/**
 * The reasons that come from the connection rather than from an API call, as the reference
 * (socket.io 4.8 client.js, engine.io 6.6 socket.js) produces them:
 * - "transport error": the Engine.IO transport failed (here: a GET overlapping the parked one,
 *   engine.io's "overlap from client");
 * - "parse error": an invalid Engine.IO packet;
 * - "forced close": the server closed the Engine.IO connection, here because of an invalid
 *   Socket.IO packet (the reference's Client.onerror closes the connection and the sockets see
 *   the engine's "forced close");
 * - "forced server close": Client.close() on an invalid state (a packet for a namespace that is
 *   not joined) when the connection cannot close at once (no GET parked): the sockets go before
 *   the engine does;
 * - "server shutting down": io.close().
 * Each is read from the scenario server's stdout (`disconnect <id> <nsp> <reason>`).
 */
describe("api: disconnect reasons from the connection", { skip: skipApi }, () => {
  let server;
  let sio;
  const sessions = [];
  before(async () => {
    server = await startApi(["--ping-interval", "20000", "--ping-timeout", "20000"]);
    sio = socketIoEndpoint(server);
  });
  after(async () => {
    for (const s of sessions) await quietly(() => s.close());
    await server?.stop();
  });

  /** A raw polling session joined to "/" (and `others`); resolves to { s, id, ids }. */
  async function joined(others = []) {
    const s = await PollingSession.open(sio);
    sessions.push(s);
    const id = await s.connect("/");
    const ids = { "/": id };
    for (const nsp of others) {
      ids[nsp] = await s.connect(nsp);
      assert.deepEqual(await s.next(), `42${nsp},${JSON.stringify(["hello", nsp])}`);
    }
    return { s, id, ids };
  }

  function reasonOf(id, nsp = "/") {
    return server.waitOutputLine(new RegExp(`^disconnect ${id} ${nsp} `), WAIT_MS)
      .then((line) => line.slice(`disconnect ${id} ${nsp} `.length));
  }

  test("\"transport error\": a GET overlapping the parked one", async () => {
    const { s, id } = await joined();
    // The session's own polling loop is issuing its next GET over another connection at the
    // same moment: whichever of the two the server sees second is refused with 400, and the
    // one it had parked is answered `1`. Either way the session ends with "transport error".
    const overlapping = await poll(sio, s.sid);
    if (overlapping.status === 200) {
      assert.equal(overlapping.text, "1", "the parked GET is answered 1 when another overlaps it");
    } else {
      assert.equal(overlapping.status, 400, "the overlapping GET is refused");
    }
    assert.equal(await reasonOf(id), "transport error");
  });

  test("\"parse error\": a POST with an invalid Engine.IO packet", async () => {
    const { s, id } = await joined();
    await s.post("x");
    assert.equal(await reasonOf(id), "parse error");
  });

  test("\"forced close\": an invalid Socket.IO packet closes the connection", async () => {
    const { s, id } = await joined();
    await s.send("42{}");
    assert.equal(await reasonOf(id), "forced close");
    await s.expectClosed();
  });

  test("\"forced server close\": a packet for a namespace not joined, no GET parked", async () => {
    // With a GET parked the engine would close at once and the sockets would see its
    // "forced close" first, as in the reference.
    const { s, id, ids } = await joined(["/dyn-7"]);
    // Park no GET: the loop stops once the echo has been answered.
    await s.pausePolling(() => s.send('421["echo","pause"]'));
    assert.equal(await s.next(), '431["pause"]');
    await s.send('42/dyn-8,["x"]');
    assert.equal(await reasonOf(id), "forced server close");
    assert.equal(await reasonOf(ids["/dyn-7"], "/dyn-7"), "forced server close");
    s.startPolling();
    await s.expectClosed();
  });

});

describe("api: \"server shutting down\"", { skip: skipApi }, () => {
  test("io.close() runs every socket's disconnect handler with \"server shutting down\"", async () => {
    const server = await startApi();
    let clients = [];
    try {
      clients = [
        await connect(server, "/", { transports: ["websocket"] }),
        await connect(server, "/", { transports: ["polling"] }),
        await connect(server, "/dyn-3"),
      ];
      // The third client starts on polling and upgrades: let the upgrade finish first. When a
      // server goes away between "3probe" and the end of the client's pause, engine.io-client
      // 6.6 leaves its polling transport paused after the failed probe and only notices at its
      // ping timeout (45 s here): client behaviour, not what this test is about.
      const upgrading = clients[2].socket.io.engine;
      if (upgrading.transport.name !== "websocket") await nextOf(upgrading, "upgrade");
      const ids = clients.map((t) => [t.socket.id, t.socket.nsp]);
      // The wait starts before the server is stopped and covers its shutdown too, which takes
      // seconds on a loaded sanitized build: a generous bound, still finite.
      const gone = clients.map((t) => t.next("disconnect", 4 * WAIT_MS));
      await server.stop();
      const lines = server.outputLines();
      for (const [id, nsp] of ids) {
        assert.ok(lines.includes(`disconnect ${id} ${nsp} server shutting down`),
          `no "server shutting down" for ${id} on ${nsp}; stdout:\n${lines.join("\n")}`);
      }
      // The clients see the connection go (no DISCONNECT packet is sent).
      for (const reason of await Promise.all(gone)) assert.equal(reason, "transport close");
    } finally {
      closeAll(clients);
      await server.stop();
    }
  });
});
