// Rooms and broadcast: "join"/"leave"/"bcast" on the main namespace.
//
// Absence of a delivery is checked without waiting for time to pass: after
// the broadcast under test, a marker is broadcast to a room that every client
// is in. Packets to one client keep their order, so a client whose next "msg"
// is the marker did not receive the broadcast under test.

import assert from "node:assert/strict";
import { after, before, beforeEach, afterEach, describe, it } from "node:test";
import {
  PollingSession,
  WAIT_MS,
  assertSameValue,
  emitAck,
  quietly,
  sioClient,
  startSio,
} from "./sio-helpers.mjs";

describe("Socket.IO rooms and broadcast", () => {
  let server;
  let A;
  let B;
  let C;
  let markers = 0;

  before(async () => {
    server = await startSio();
  });
  after(async () => {
    await server?.stop();
  });

  beforeEach(async () => {
    // A mix of transports: rooms are per socket, whatever carries it.
    A = await sioClient(server, "/", { transports: ["polling"] });
    B = await sioClient(server, "/", { transports: ["websocket"] });
    C = await sioClient(server, "/");
    for (const c of [A, B, C]) await join(c, "everyone");
  });
  afterEach(() => {
    for (const c of [A, B, C]) c?.close();
  });

  async function join(c, room) {
    assert.deepEqual(await emitAck(c.socket, "join", [room]), [], "join acks with no arguments");
  }
  async function leave(c, room) {
    assert.deepEqual(await emitAck(c.socket, "leave", [room]), [], "leave acks with no arguments");
  }
  async function bcast(c, room, payload) {
    assert.deepEqual(await emitAck(c.socket, "bcast", [room, payload]), [], "bcast acks with no arguments");
  }

  /**
   * Broadcasts a marker to everyone and asserts, for each client, the exact
   * sequence of "msg" payloads it received before the marker.
   */
  async function expectDeliveries(expected) {
    const marker = `marker-${++markers}`;
    await bcast(A, "everyone", marker);
    for (const [name, c] of Object.entries({ A, B, C })) {
      const got = [];
      for (;;) {
        const args = await c.next("msg", WAIT_MS);
        assert.equal(args.length, 1, `${name}: "msg" carries one argument`);
        if (args[0] === marker) break;
        got.push(args[0]);
      }
      assertSameValue(got, expected[name] ?? [], `"msg" payloads received by ${name}`);
    }
  }

  it("a broadcast reaches exactly the members of the room, the sender included", async () => {
    await join(A, "r1");
    await join(B, "r1");
    await join(C, "r2");
    await bcast(A, "r1", "to-r1");
    await expectDeliveries({ A: ["to-r1"], B: ["to-r1"] });
    await bcast(A, "r2", { to: "r2" });
    await expectDeliveries({ C: [{ to: "r2" }] });
  });

  it("a sender that is not a member does not receive its broadcast", async () => {
    await join(A, "r1");
    await join(B, "r1");
    await bcast(C, "r1", "from-C");
    await expectDeliveries({ A: ["from-C"], B: ["from-C"] });
  });

  it("a socket in several rooms gets each broadcast to any of them once", async () => {
    await join(A, "x");
    await join(A, "y");
    await join(B, "y");
    await join(A, "x"); // joining twice changes nothing
    await bcast(C, "x", 1);
    await bcast(C, "y", 2);
    await expectDeliveries({ A: [1, 2], B: [2] });
  });

  it("leave stops delivery; the other members still get it", async () => {
    await join(A, "r");
    await join(B, "r");
    await join(C, "r");
    await bcast(A, "r", "before");
    await expectDeliveries({ A: ["before"], B: ["before"], C: ["before"] });
    await leave(B, "r");
    await bcast(A, "r", "after");
    await expectDeliveries({ A: ["after"], C: ["after"] });
    await leave(A, "r");
    await leave(C, "r");
    await bcast(B, "r", "empty");
    await expectDeliveries({});
  });

  it("leaving a room one is not in acks and changes nothing", async () => {
    await join(A, "r");
    await leave(B, "r");
    await bcast(C, "r", "only-A");
    await expectDeliveries({ A: ["only-A"] });
  });

  it("a broadcast to a room nobody joined reaches nobody", async () => {
    await bcast(A, "nobody-here", "lost");
    await expectDeliveries({});
  });

  it("each socket is in a room named by its own id", async () => {
    await bcast(A, B.socket.id, "direct-to-B");
    await expectDeliveries({ B: ["direct-to-B"] });
    await bcast(B, A.socket.id, "direct-to-A");
    await expectDeliveries({ A: ["direct-to-A"] });
  });

  it("broadcast payloads keep every JSON type and binary", async () => {
    await join(B, "p");
    await join(C, "p");
    const payload = { s: "é🎉", n: -1.5, b: true, z: null, list: [1, { k: "v" }], bin: Buffer.from([0, 1, 254, 255]) };
    await bcast(A, "p", payload);
    await bcast(A, "p", Buffer.from("raw"));
    await expectDeliveries({ B: [payload, Buffer.from("raw")], C: [payload, Buffer.from("raw")] });
  });

  it("room names are arbitrary strings", async () => {
    const room = "ünï cødé 🎉 / , #";
    await join(C, room);
    await bcast(A, room, "odd-name");
    await expectDeliveries({ C: ["odd-name"] });
  });

  it("a raw polling socket receives the exact broadcast packet", async () => {
    const s = await PollingSession.open(server);
    try {
      await s.join("/");
      await s.send('421["join","raw"]');
      await s.expect("431[]");
      await bcast(A, "raw", { k: [1, "é"] });
      await s.expect('42["msg",{"k":[1,"é"]}]');
      await bcast(A, "raw", Buffer.from([1, 2, 3]));
      await s.expect('451-["msg",{"_placeholder":true,"num":0}]');
      await s.expect("bAQID");
      await expectDeliveries({});
    } finally {
      await s.close();
    }
  });
});
