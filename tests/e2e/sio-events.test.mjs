// Socket.IO EVENT / ACK / BINARY_EVENT / BINARY_ACK: every JSON type through
// "message" -> "message-back", "message-with-ack" and "echo", binary values at
// any depth, and the exact bytes of text and binary packets over raw polling
// and WebSocket (placeholders numbered depth-first, renumbered on output).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  PollingSession,
  WAIT_MS,
  WsSession,
  assertSameValue,
  b64,
  emitAck,
  quietly,
  sioClient,
  startSio,
} from "./sio-helpers.mjs";

const PH = (n) => `{"_placeholder":true,"num":${n}}`;

/** Arguments covering every JSON type, including key order and unicode. */
const JSON_ARGS = [
  "plain string",
  "",
  0,
  42,
  -17,
  3.5,
  -0.25,
  123456.789,
  9007199254740991,
  -9007199254740991,
  true,
  false,
  null,
  { z: 1, a: "second", m: { y: [1, "2", null], b: false }, "": "empty key" },
  [1, [2, [3, []]], {}],
  {},
  [],
  "héllo wörld ✓ 日本語 🎉 \u0000 \u001f \" \\ / \n\t",
  { "ключ": "значение", "🔑": ["🎉", "e\u0301"] },
];

describe("Socket.IO events and acks", () => {
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

  async function client(opts) {
    const c = await sioClient(server, "/", opts);
    clients.push(c);
    return c;
  }

  async function session() {
    const s = await PollingSession.open(server);
    sessions.push(s);
    await s.join("/");
    return s;
  }

  describe("socket.io-client, JSON values", () => {
    it("message -> message-back with every JSON type", async () => {
      const c = await client();
      c.socket.emit("message", ...JSON_ARGS);
      const back = await c.next("message-back");
      assertSameValue(back, JSON_ARGS, "message-back arguments");
    });

    it("message with no arguments -> message-back with none", async () => {
      const c = await client();
      c.socket.emit("message");
      assert.deepEqual(await c.next("message-back"), []);
    });

    it("each argument alone round-trips through message-back", async () => {
      const c = await client();
      for (const v of JSON_ARGS) c.socket.emit("message", v);
      for (const v of JSON_ARGS) {
        const back = await c.next("message-back");
        assertSameValue(back, [v], `message-back of ${JSON.stringify(v)}`);
      }
    });

    it("message-with-ack acks with the same arguments", async () => {
      const c = await client();
      const reply = await emitAck(c.socket, "message-with-ack", JSON_ARGS);
      assertSameValue(reply, JSON_ARGS, "ack arguments");
    });

    it("echo acks with the same arguments", async () => {
      const c = await client();
      assertSameValue(await emitAck(c.socket, "echo", ["a", 1, { b: [null] }]), ["a", 1, { b: [null] }]);
      assertSameValue(await emitAck(c.socket, "echo", []), []);
    });

    it("many acks in flight are matched to their own emits", async () => {
      const c = await client();
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, i) => emitAck(c.socket, "echo", [i, `v${i}`])));
      replies.forEach((r, i) => assert.deepEqual(r, [i, `v${i}`]));
    });

    it("a large string payload round-trips", async () => {
      const c = await client();
      const big = "x".repeat(200000) + "✓";
      const reply = await emitAck(c.socket, "echo", [big]);
      assert.equal(reply[0], big);
    });
  });

  for (const transport of ["polling", "websocket"]) {
    describe(`socket.io-client, binary over ${transport}`, () => {
      const opts = { transports: [transport] };

      it("a Buffer at the top level: message -> message-back", async () => {
        const c = await client(opts);
        const buf = Buffer.from([1, 2, 3, 0, 255]);
        c.socket.emit("message", buf);
        assertSameValue(await c.next("message-back"), [buf]);
      });

      it("a Uint8Array at the top level: message-with-ack", async () => {
        const c = await client(opts);
        const u8 = new Uint8Array([0, 128, 255, 7]);
        assertSameValue(await emitAck(c.socket, "message-with-ack", [u8]), [u8]);
      });

      it("binary nested in objects and arrays, mixed with JSON, both ways", async () => {
        const c = await client(opts);
        const args = [
          "text",
          { a: Buffer.from("first"), list: [1, Buffer.from([9, 8, 7]), { deep: new Uint8Array([42]) }] },
          [Buffer.from([0]), "between", Buffer.alloc(300, 0xab)],
          Buffer.from("last"),
          7,
        ];
        c.socket.emit("message", ...args);
        assertSameValue(await c.next("message-back"), args, "message-back");
        assertSameValue(await emitAck(c.socket, "message-with-ack", args), args, "binary ack");
        assertSameValue(await emitAck(c.socket, "echo", args), args, "echo ack");
      });

      it("every byte value survives", async () => {
        const c = await client(opts);
        const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
        assertSameValue(await emitAck(c.socket, "echo", [all, { x: all }]), [all, { x: all }]);
      });

      it("an empty binary value survives", async () => {
        const c = await client(opts);
        const empty = Buffer.alloc(0);
        assertSameValue(await emitAck(c.socket, "echo", [empty, "after"]), [empty, "after"]);
      });

      it("ten attachments in one packet", async () => {
        const c = await client(opts);
        const bufs = Array.from({ length: 10 }, (_, i) => Buffer.from([i, i, i]));
        c.socket.emit("message", ...bufs);
        assertSameValue(await c.next("message-back"), bufs);
      });

      it("a large binary value", async () => {
        const c = await client(opts);
        const big = Buffer.alloc(300000);
        for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
        assertSameValue(await emitAck(c.socket, "echo", [big]), [big]);
      });
    });
  }

  describe("raw polling, exact bytes", () => {
    it("text event with mixed JSON is echoed byte for byte", async () => {
      const s = await session();
      const args = '1,"a",{"z":[true,null],"a":-2.5},[],{},"é✓🎉",false,-7';
      await s.send(`42["message",${args}]`);
      await s.expect(`42["message-back",${args}]`);
    });

    it("escaped unicode input is written back as raw UTF-8", async () => {
      const s = await session();
      await s.send('42["message","\\u00e9\\u2713\\ud83c\\udf89"]');
      await s.expect('42["message-back","é✓🎉"]');
    });

    it("message-with-ack keeps the ack id: `421[…]` -> `431[…]`", async () => {
      const s = await session();
      await s.send('421["message-with-ack",1,"two",{"three":[3]}]');
      await s.expect('431[1,"two",{"three":[3]}]');
    });

    it("a multi-digit ack id is echoed verbatim, and an empty ack is `43<id>[]`", async () => {
      const s = await session();
      await s.send('4212345["echo"]');
      await s.expect("4312345[]");
      await s.send('420["echo",0]');
      await s.expect("430[0]");
    });

    it("several packets in one POST are handled in order", async () => {
      const s = await session();
      await s.send('42["message",1]', '421["echo",2]', '42["message",3]');
      await s.expect('42["message-back",1]');
      await s.expect("431[2]");
      await s.expect('42["message-back",3]');
    });

    it("binary event: `451-[…placeholder…]` + `bAQID` -> `451-[\"message-back\",…]` + `bAQID`", async () => {
      const s = await session();
      await s.send(`451-["message",${PH(0)}]`, "bAQID");
      await s.expect(`451-["message-back",${PH(0)}]`);
      await s.expect("bAQID");
    });

    it("attachments may arrive in a later POST", async () => {
      const s = await session();
      await s.send(`452-["message",${PH(0)},"mid",${PH(1)}]`);
      await s.send(`b${b64([1])}`);
      await s.send(`b${b64([2, 3])}`);
      await s.expect(`452-["message-back",${PH(0)},"mid",${PH(1)}]`);
      await s.expect(`b${b64([1])}`);
      await s.expect(`b${b64([2, 3])}`);
    });

    it("binary ack: placeholders are renumbered on output (`452-9[…num 1, num 0]`)", async () => {
      const s = await session();
      await s.send(`452-9["message-with-ack",${PH(1)},${PH(0)}]`, `b${b64([1])}`, `b${b64([2])}`);
      // The first argument is attachment 1 (0x02), the second attachment 0 (0x01).
      await s.expect(`462-9[${PH(0)},${PH(1)}]`);
      await s.expect(`b${b64([2])}`);
      await s.expect(`b${b64([1])}`);
    });

    it("placeholders are numbered depth-first in argument order", async () => {
      const s = await session();
      await s.send(`452-["message",{"k":[${PH(1)}],"j":"x"},${PH(0)}]`, "bqqo=", "bu7s=");
      // Attachment 1 (0xbb 0xbb) comes first depth-first, so it becomes num 0.
      await s.expect(`452-["message-back",{"k":[${PH(0)}],"j":"x"},${PH(1)}]`);
      await s.expect("bu7s=");
      await s.expect("bqqo=");
    });

    it("the same attachment referenced twice is sent twice", async () => {
      const s = await session();
      await s.send(`451-["message",${PH(0)},[${PH(0)}]]`, "bAQID");
      await s.expect(`452-["message-back",${PH(0)},[${PH(1)}]]`);
      await s.expect("bAQID");
      await s.expect("bAQID");
    });

    it("binary echo with an ack id: `451-7[\"echo\",…]` -> `461-7[…]`", async () => {
      const s = await session();
      await s.send(`451-7["echo","x",{"b":${PH(0)}}]`, `b${b64([0, 255])}`);
      await s.expect(`461-7["x",{"b":${PH(0)}}]`);
      await s.expect(`b${b64([0, 255])}`);
    });

    it("an object that only looks like a placeholder in a text event stays JSON", async () => {
      const s = await session();
      await s.send('42["message",{"_placeholder":false,"num":0}]');
      await s.expect('42["message-back",{"_placeholder":false,"num":0}]');
    });
  });

  describe("raw WebSocket, exact frames", () => {
    it("binary event: text header frame then a binary frame with the raw bytes (no type byte)", async () => {
      const s = await WsSession.open(server);
      try {
        s.send("40");
        assert.match(await s.next(), /^40\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
        await s.expect('42["auth",{}]');
        s.send(`451-["message",${PH(0)}]`);
        s.send(Buffer.from([1, 2, 3]));
        await s.expect(`451-["message-back",${PH(0)}]`);
        await s.expect(Buffer.from([1, 2, 3]));
        s.send(`452-3["message-with-ack",${PH(1)},${PH(0)}]`);
        s.send(Buffer.from([1]));
        s.send(Buffer.from([2]));
        await s.expect(`462-3[${PH(0)},${PH(1)}]`);
        await s.expect(Buffer.from([2]));
        await s.expect(Buffer.from([1]));
        s.send('42["message","text",1.5]');
        await s.expect('42["message-back","text",1.5]');
      } finally {
        await s.close();
      }
    });
  });
});
