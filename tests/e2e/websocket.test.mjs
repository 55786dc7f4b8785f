// WebSocket-only sessions: text and binary echo, one packet per frame, and
// the ways a WebSocket session ends.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  assertError,
  expectSessionGone,
  eventually,
  poll,
  startServer,
  withTimeout,
  wsHandshake,
} from "./helpers.mjs";

describe("WebSocket transport", () => {
  let server;
  before(async () => {
    server = await startServer(["--ping-interval", "20000", "--ping-timeout", "20000"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("echoes a text message as a text frame 4hello", async () => {
    const { conn } = await wsHandshake(server);
    try {
      conn.send("4hello");
      const m = await conn.next(2000, "echo");
      assert.equal(m.binary, false);
      assert.equal(m.text, "4hello");
    } finally {
      await conn.close();
    }
  });

  it("echoes UTF-8 text and the empty message exactly", async () => {
    const { conn } = await wsHandshake(server);
    try {
      const msg = "4héllo wörld € 😀 \u0000 \x1e end";
      conn.send(msg);
      assert.equal(await conn.nextText(2000, "utf-8 echo"), msg);
      conn.send("4");
      assert.equal(await conn.nextText(2000, "empty message echo"), "4");
    } finally {
      await conn.close();
    }
  });

  it("echoes a binary frame as a binary frame with the raw bytes (no type byte)", async () => {
    const { conn } = await wsHandshake(server);
    try {
      conn.send(Buffer.from([1, 2, 3, 4]));
      const m = await conn.next(2000, "binary echo");
      assert.equal(m.binary, true);
      assert.deepEqual(m.data, Buffer.from([1, 2, 3, 4]));

      const big = Buffer.alloc(200000);
      for (let i = 0; i < big.length; i++) big[i] = (i * 37 + 11) & 0xff;
      conn.send(big);
      const m2 = await conn.next(3000, "large binary echo");
      assert.equal(m2.binary, true);
      assert.ok(m2.data.equals(big), "large binary echo differs");

      conn.send(Buffer.alloc(0));
      const m3 = await conn.next(2000, "empty binary echo");
      assert.equal(m3.binary, true);
      assert.equal(m3.data.length, 0);
    } finally {
      await conn.close();
    }
  });

  it("sends one packet per frame, in order, never joined by \\x1e", async () => {
    const { conn } = await wsHandshake(server);
    try {
      const sent = [];
      for (let i = 0; i < 50; i++) {
        if (i % 5 === 4) {
          const b = Buffer.from([i, i + 1, i + 2]);
          conn.send(b);
          sent.push({ binary: true, data: b });
        } else {
          conn.send(`4msg-${i}`);
          sent.push({ binary: false, text: `4msg-${i}` });
        }
      }
      for (const expected of sent) {
        const m = await conn.next(2000, "ordered echo");
        assert.equal(m.binary, expected.binary);
        if (expected.binary) assert.deepEqual(m.data, expected.data);
        else assert.equal(m.text, expected.text);
      }
    } finally {
      await conn.close();
    }
  });

  it("polling with the sid of a WebSocket session is a transport mismatch (400 code 3)", async () => {
    const { conn, sid } = await wsHandshake(server);
    try {
      assertError(await poll(server, sid), 400, 3, "Bad request");
      // The WebSocket session is unaffected.
      conn.send("4after");
      assert.equal(await conn.nextText(2000, "echo"), "4after");
    } finally {
      await conn.close();
    }
  });

  it("a client close ends the session", async () => {
    const { conn, sid } = await wsHandshake(server);
    const closed = await withTimeout(conn.close(), 3000, "close handshake");
    assert.ok(closed.code === 1000 || closed.code === 1005, `close code ${closed.code}`);
    await expectSessionGone(server, sid);
  });

  it("a dropped TCP connection ends the session", async () => {
    const { conn, sid } = await wsHandshake(server);
    await conn.terminate();
    await expectSessionGone(server, sid);
  });

  it("an invalid packet closes the WebSocket and the session", async () => {
    const { conn, sid } = await wsHandshake(server);
    conn.send("abc");
    await withTimeout(conn.closed, 3000, "the server to close the WebSocket");
    await expectSessionGone(server, sid);
  });

  it("a ping from the client (other than 2probe) closes the session", async () => {
    const { conn, sid } = await wsHandshake(server);
    conn.send("2");
    await withTimeout(conn.closed, 3000, "the server to close the WebSocket");
    await expectSessionGone(server, sid);
  });

  it("sessions are independent", async () => {
    const a = await wsHandshake(server);
    const b = await wsHandshake(server);
    try {
      assert.notEqual(a.sid, b.sid);
      b.conn.send("4to-b");
      a.conn.send("4to-a");
      assert.equal(await a.conn.nextText(2000, "echo on a"), "4to-a");
      assert.equal(await b.conn.nextText(2000, "echo on b"), "4to-b");
      await b.conn.close();
      await expectSessionGone(server, b.sid);
      // a is still alive.
      await eventually(async () => {
        assertError(await poll(server, a.sid), 400, 3, "Bad request");
      });
      a.conn.send("4still");
      assert.equal(await a.conn.nextText(2000, "echo on a"), "4still");
    } finally {
      await a.conn.close();
    }
  });
});
