// Socket.IO namespace CONNECT: exact replies over raw polling and WebSocket,
// the "auth" event that follows, refused namespaces, and socket.io-client
// connections (auth payloads, multiplexing, connect_error).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  clientTls,
  PollingSession,
  SID_RE,
  WAIT_MS,
  WsSession,
  quietly,
  sioClient,
  socketIoClient,
  startSio,
  track,
  withTimeout,
} from "./sio-helpers.mjs";

describe("Socket.IO CONNECT", () => {
  let server;
  const sessions = [];
  const clients = [];
  before(async () => {
    server = await startSio();
  });
  after(async () => {
    for (const c of clients) c.close();
    for (const s of sessions) await quietly(() => s.close());
    await server?.stop();
  });

  async function session() {
    const s = await PollingSession.open(server);
    sessions.push(s);
    return s;
  }

  describe("raw polling", () => {
    it("handshake advertises the engine options of the fixture", async () => {
      const s = await session();
      assert.deepEqual(s.open.upgrades, ["websocket"]);
      assert.equal(s.open.pingInterval, 300);
      assert.equal(s.open.pingTimeout, 200);
      assert.equal(s.open.maxPayload, 1000000);
    });

    it("`40` gets `40{\"sid\":…}` and then `42[\"auth\",{}]`, in that order", async () => {
      const s = await session();
      await s.send("40");
      const reply = await s.next(WAIT_MS, "CONNECT reply");
      const m = /^40\{"sid":"([^"]*)"\}$/.exec(reply);
      assert.ok(m, `expected exactly 40{"sid":"…"}, got ${JSON.stringify(reply)}`);
      assert.match(m[1], SID_RE, "socket id format (20 URL-safe base64 characters)");
      assert.notEqual(m[1], s.sid, "the socket id is not the engine sid");
      assert.ok(!reply.includes("pid"), "no pid without connection state recovery");
      await s.expect('42["auth",{}]');
    });

    it("two sessions get different socket ids", async () => {
      const a = await session();
      const b = await session();
      const idA = await a.join();
      const idB = await b.join();
      assert.notEqual(idA, idB);
    });

    it("`40/custom,{\"token\":\"x\"}` gets `40/custom,{\"sid\":…}` and the auth payload back", async () => {
      const s = await session();
      await s.send('40/custom,{"token":"x"}');
      const reply = await s.next(WAIT_MS, "CONNECT reply");
      const m = /^40\/custom,\{"sid":"([^"]*)"\}$/.exec(reply);
      assert.ok(m, `expected exactly 40/custom,{"sid":"…"}, got ${JSON.stringify(reply)}`);
      assert.match(m[1], SID_RE);
      assert.notEqual(m[1], s.sid);
      await s.expect('42/custom,["auth",{"token":"x"}]');
    });

    it("`40/custom` without a comma is accepted", async () => {
      const s = await session();
      await s.send("40/custom");
      const reply = await s.next(WAIT_MS, "CONNECT reply");
      assert.match(reply, /^40\/custom,\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
      await s.expect('42/custom,["auth",{}]');
    });

    it("`40/custom,` with an empty payload gets auth {}", async () => {
      const s = await session();
      await s.send("40/custom,");
      assert.match(await s.next(), /^40\/custom,\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
      await s.expect('42/custom,["auth",{}]');
    });

    it("the auth object comes back with its key order and nested values", async () => {
      const s = await session();
      const auth = '{"z":1,"a":{"y":[true,null,"é"],"b":-2.5},"m":"日本"}';
      await s.send(`40${auth}`);
      assert.match(await s.next(), /^40\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
      await s.expect(`42["auth",${auth}]`);
    });

    it("`/` and `/custom` on one session: different socket ids, both work", async () => {
      const s = await session();
      const main = await s.join("/");
      const custom = await s.join("/custom", { n: 2 });
      assert.notEqual(main, custom);
      assert.notEqual(main, s.sid);
      assert.notEqual(custom, s.sid);
      await s.send('421["echo","still here"]');
      await s.expect('431["still here"]');
    });

    it("`40/random,` is refused with exactly `44/random,{\"message\":\"Invalid namespace\"}`", async () => {
      const s = await session();
      await s.send("40/random,");
      await s.expect('44/random,{"message":"Invalid namespace"}');
      // The Engine.IO session stays open: a CONNECT to `/` still works.
      await s.join("/");
      await s.send('421["echo",1]');
      await s.expect("431[1]");
    });

    it("`40/random` without a comma is refused with the comma written", async () => {
      const s = await session();
      await s.send("40/random");
      await s.expect('44/random,{"message":"Invalid namespace"}');
      await s.join("/custom");
    });

    it("a refused namespace with an auth payload is refused the same way", async () => {
      const s = await session();
      await s.send('40/random,{"token":"x"}');
      await s.expect('44/random,{"message":"Invalid namespace"}');
      await s.join("/");
    });

    it("a refused CONNECT may be retried on the same session", async () => {
      const s = await session();
      await s.send("40/nope,");
      await s.expect('44/nope,{"message":"Invalid namespace"}');
      await s.send("40/nope,");
      await s.expect('44/nope,{"message":"Invalid namespace"}');
      await s.join("/");
    });
  });

  describe("raw WebSocket", () => {
    it("`40` over a WebSocket-only session gets the reply then the auth event", async () => {
      const s = await WsSession.open(server);
      try {
        s.send("40");
        const reply = await s.next(WAIT_MS, "CONNECT reply");
        assert.equal(typeof reply, "string");
        const m = /^40\{"sid":"([^"]*)"\}$/.exec(reply);
        assert.ok(m, `expected exactly 40{"sid":"…"}, got ${JSON.stringify(reply)}`);
        assert.match(m[1], SID_RE);
        assert.notEqual(m[1], s.sid);
        await s.expect('42["auth",{}]');
        s.send('40/custom,{"k":[1]}');
        assert.match(await s.next(), /^40\/custom,\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
        await s.expect('42/custom,["auth",{"k":[1]}]');
        s.send("40/random,");
        await s.expect('44/random,{"message":"Invalid namespace"}');
        s.send('421["echo","ws"]');
        await s.expect('431["ws"]');
      } finally {
        await s.close();
      }
    });
  });

  describe("socket.io-client", () => {
    it("io(url) receives \"auth\" {}", async () => {
      const c = await sioClient(server);
      clients.push(c);
      assert.deepEqual(c.auth, [{}]);
      assert.match(c.socket.id, SID_RE);
      assert.notEqual(c.socket.id, c.socket.io.engine.id, "socket id differs from the engine id");
    });

    it("io(url, {auth: {a: 1}}) receives {a: 1}", async () => {
      const c = await sioClient(server, "/", { auth: { a: 1 } });
      clients.push(c);
      assert.deepEqual(c.auth, [{ a: 1 }]);
    });

    it("an auth function is evaluated and its object sent", async () => {
      const c = await sioClient(server, "/custom", { auth: (cb) => cb({ token: "t", list: [1, "2"] }) });
      clients.push(c);
      assert.deepEqual(c.auth, [{ token: "t", list: [1, "2"] }]);
    });

    it("`/` and `/custom` multiplexed on one manager share one engine session", async () => {
      const { Manager } = await socketIoClient();
      const manager = new Manager(server.base, {
        path: "/socket.io/", reconnection: false, autoConnect: false, ...clientTls(server),
      });
      const main = track(manager.socket("/"));
      const custom = track(manager.socket("/custom", { auth: { ns: "custom" } }));
      try {
        main.socket.connect();
        custom.socket.connect();
        assert.deepEqual(await main.next("auth"), [{}]);
        assert.deepEqual(await custom.next("auth"), [{ ns: "custom" }]);
        assert.equal(main.socket.connected, true);
        assert.equal(custom.socket.connected, true);
        assert.match(main.socket.id, SID_RE);
        assert.match(custom.socket.id, SID_RE);
        assert.notEqual(main.socket.id, custom.socket.id);
        const engineId = manager.engine.id;
        assert.match(engineId, SID_RE);
        assert.notEqual(main.socket.id, engineId);
        assert.notEqual(custom.socket.id, engineId);
        // Both sockets use the very same engine session.
        assert.equal(main.socket.io, custom.socket.io);
        assert.equal(manager.engine.id, engineId);
        // Disconnecting `/custom` leaves `/` working on the same session.
        custom.socket.disconnect();
        const reply = await withTimeout(main.socket.timeout(WAIT_MS).emitWithAck("echo", "after"), WAIT_MS + 1000, "echo ack");
        assert.equal(reply, "after");
        assert.equal(manager.engine.id, engineId);
      } finally {
        main.socket.disconnect();
        custom.socket.disconnect();
        manager.engine?.close();
      }
    });

    it("connecting to \"/random\" yields connect_error \"Invalid namespace\"", async () => {
      const { io } = await socketIoClient();
      const socket = io(`${server.base}/random`, {
        path: "/socket.io/", forceNew: true, reconnection: false, ...clientTls(server),
      });
      try {
        const err = await withTimeout(new Promise((resolve) => socket.once("connect_error", resolve)),
          WAIT_MS, "connect_error");
        assert.ok(err instanceof Error);
        assert.equal(err.message, "Invalid namespace");
        assert.equal(socket.connected, false);
      } finally {
        socket.disconnect();
        socket.io.engine?.close();
      }
    });
  });
});
