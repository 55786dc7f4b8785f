// socket.io-client over each transport: polling only, WebSocket only, and
// the default (polling, then upgrade to WebSocket). Each does acks, binary
// and batches of events; then reconnection after the session is lost.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  clientTls,
  SID_RE,
  WAIT_MS,
  assertSameValue,
  emitAck,
  sioClient,
  startSio,
  withTimeout,
} from "./sio-helpers.mjs";

/** Acks, binary both ways and a burst of events, on a connected client. */
async function exercise(c, label) {
  const args = [label, 1, -2.5, true, null, { k: ["v", { deep: [] }] }, "日本語 🎉"];
  assertSameValue(await emitAck(c.socket, "echo", args), args, `${label}: echo ack`);
  assertSameValue(await emitAck(c.socket, "message-with-ack", args), args, `${label}: message-with-ack`);

  const bin = [Buffer.from([1, 2, 3]), { nested: [new Uint8Array([4, 5]), "x"] }, Buffer.from(label)];
  c.socket.emit("message", ...bin);
  assertSameValue(await c.next("message-back"), bin, `${label}: binary message-back`);
  assertSameValue(await emitAck(c.socket, "echo", bin), bin, `${label}: binary ack`);

  // A burst: the client batches these into few requests; order is kept.
  const n = 100;
  for (let i = 0; i < n; i++) c.socket.emit("message", i, label);
  for (let i = 0; i < n; i++) assert.deepEqual(await c.next("message-back"), [i, label]);
}

/** Resolves once the client's engine runs on WebSocket (waiting for the upgrade if needed). */
async function upgraded(c) {
  const engine = c.socket.io.engine;
  if (engine.transport.name !== "websocket") {
    await withTimeout(new Promise((resolve) => engine.once("upgrade", resolve)), WAIT_MS, "upgrade to WebSocket");
  }
  assert.equal(engine.transport.name, "websocket");
}

describe("Socket.IO transports", () => {
  let server;
  before(async () => {
    server = await startSio();
  });
  after(async () => {
    await server?.stop();
  });

  it("polling only", async () => {
    const c = await sioClient(server, "/", { transports: ["polling"] });
    try {
      assert.deepEqual(c.auth, [{}]);
      assert.equal(c.socket.io.engine.transport.name, "polling");
      await exercise(c, "polling");
      assert.equal(c.socket.io.engine.transport.name, "polling", "never upgraded");
      assert.equal(c.pending("disconnect"), 0);
    } finally {
      c.close();
    }
  });

  it("WebSocket only", async () => {
    const c = await sioClient(server, "/", { transports: ["websocket"] });
    try {
      assert.deepEqual(c.auth, [{}]);
      assert.equal(c.socket.io.engine.transport.name, "websocket");
      await exercise(c, "websocket");
      assert.equal(c.pending("disconnect"), 0);
    } finally {
      c.close();
    }
  });

  it("default: polling, then upgrade to WebSocket, ids unchanged", async () => {
    const c = await sioClient(server, "/", { auth: { via: "default" } });
    try {
      assert.deepEqual(c.auth, [{ via: "default" }]);
      const engineId = c.socket.io.engine.id;
      const socketId = c.socket.id;
      assert.match(engineId, SID_RE);
      await exercise(c, "before or during upgrade");
      await upgraded(c);
      await exercise(c, "after upgrade");
      assert.equal(c.socket.io.engine.id, engineId, "the engine session survives the upgrade");
      assert.equal(c.socket.id, socketId, "the socket survives the upgrade");
      assert.equal(c.pending("disconnect"), 0);
    } finally {
      c.close();
    }
  });

  it("default: events emitted right away are not lost across the upgrade", async () => {
    const c = await sioClient(server, "/");
    try {
      const n = 200;
      for (let i = 0; i < n; i++) c.socket.emit("message", i, Buffer.from([i & 0xff]));
      for (let i = 0; i < n; i++) {
        assertSameValue(await c.next("message-back"), [i, Buffer.from([i & 0xff])], `message-back #${i}`);
      }
      await upgraded(c);
    } finally {
      c.close();
    }
  });

  it("`/` and `/custom` multiplexed over an upgraded session", async () => {
    const { Manager } = await import("socket.io-client");
    const manager = new Manager(server.base, { path: "/socket.io/", reconnection: false, ...clientTls(server) });
    const main = manager.socket("/");
    const custom = manager.socket("/custom", { auth: { n: 1 } });
    try {
      const authMain = withTimeout(new Promise((r) => main.once("auth", r)), WAIT_MS, "auth on /");
      const authCustom = withTimeout(new Promise((r) => custom.once("auth", r)), WAIT_MS, "auth on /custom");
      assert.deepEqual(await authMain, {});
      assert.deepEqual(await authCustom, { n: 1 });
      await upgraded({ socket: main });
      assert.equal(await main.timeout(WAIT_MS).emitWithAck("echo", "mux"), "mux");
      assert.equal(main.io.engine, custom.io.engine);
    } finally {
      main.disconnect();
      custom.disconnect();
      manager.engine?.close();
    }
  });

  describe("reconnection", () => {
    const reconnecting = { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100, randomizationFactor: 0 };

    /** Waits for the reconnect: a new "connect" and a new "auth" event. */
    async function expectReconnect(c, oldSocketId, oldEngineId) {
      await c.next("connect", WAIT_MS);
      assert.deepEqual(await c.next("auth", WAIT_MS), [{ again: true }], "auth is received again");
      assert.match(c.socket.id, SID_RE);
      assert.notEqual(c.socket.id, oldSocketId, "a new socket id (no connection state recovery)");
      assert.notEqual(c.socket.io.engine.id, oldEngineId, "a new engine session");
      assert.equal(await c.socket.timeout(WAIT_MS).emitWithAck("echo", "reconnected"), "reconnected");
    }

    for (const transport of ["polling", "websocket"]) {
      it(`${transport}: the server closes the session -> "transport close", then reconnect`, async () => {
        const c = await sioClient(server, "/", { transports: [transport], auth: { again: true }, ...reconnecting });
        try {
          await c.next("connect");
          const oldSocketId = c.socket.id;
          const oldEngineId = c.socket.io.engine.id;
          // An Engine.IO message that is not a Socket.IO packet: the server closes the session.
          c.socket.io.engine.send("abc");
          assert.equal(await c.next("disconnect"), "transport close");
          await expectReconnect(c, oldSocketId, oldEngineId);
        } finally {
          c.close();
        }
      });

      it(`${transport}: the client closes its engine -> "forced close", then reconnect`, async () => {
        const c = await sioClient(server, "/", { transports: [transport], auth: { again: true }, ...reconnecting });
        try {
          await c.next("connect");
          const oldSocketId = c.socket.id;
          const oldEngineId = c.socket.io.engine.id;
          // socket.io-client 4.8 reports a client-side engine close as "forced close".
          c.socket.io.engine.close();
          assert.equal(await c.next("disconnect"), "forced close");
          await expectReconnect(c, oldSocketId, oldEngineId);
        } finally {
          c.close();
        }
      });
    }

    it("websocket: the TCP connection drops -> \"transport close\", then reconnect", async () => {
      const c = await sioClient(server, "/", { transports: ["websocket"], auth: { again: true }, ...reconnecting });
      try {
        await c.next("connect");
        const oldSocketId = c.socket.id;
        const oldEngineId = c.socket.io.engine.id;
        // The `ws` WebSocket under the transport, closed without a close frame.
        c.socket.io.engine.transport.ws.terminate();
        assert.equal(await c.next("disconnect"), "transport close");
        await expectReconnect(c, oldSocketId, oldEngineId);
      } finally {
        c.close();
      }
    });

    it("socket.disconnect() gives \"io client disconnect\"; socket.connect() joins again", async () => {
      const c = await sioClient(server, "/", { auth: { again: true }, ...reconnecting });
      try {
        await c.next("connect");
        const oldSocketId = c.socket.id;
        c.socket.disconnect();
        assert.equal(await c.next("disconnect"), "io client disconnect");
        assert.equal(c.socket.connected, false);
        c.socket.connect();
        await c.next("connect", WAIT_MS);
        assert.deepEqual(await c.next("auth", WAIT_MS), [{ again: true }]);
        assert.notEqual(c.socket.id, oldSocketId);
      } finally {
        c.close();
      }
    });
  });
});
