// maxPayload (--max-payload) on POST bodies and on WebSocket messages.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import {
  clientTls,
  SEP,
  expectSessionGone,
  handshake,
  openWs,
  poll,
  post,
  startServer,
  withTimeout,
  wsHandshake,
  parseOpen,
  wsUrl,
} from "./helpers.mjs";

const MAX = 1000;

describe(`--max-payload ${MAX}`, () => {
  let server;
  before(async () => {
    server = await startServer(["--max-payload", String(MAX), "--ping-interval", "20000", "--ping-timeout", "20000"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("advertises maxPayload in the OPEN packet", async () => {
    await handshake(server, { maxPayload: MAX });
    const { conn } = await wsHandshake(server, { maxPayload: MAX });
    await conn.close();
  });

  describe("polling", () => {
    it("a POST body of exactly maxPayload bytes is accepted", async () => {
      const { sid } = await handshake(server);
      const body = "4" + "x".repeat(MAX - 1);
      const res = await post(server, sid, body);
      assert.equal(res.status, 200);
      assert.equal(res.text, "ok");
      assert.equal((await poll(server, sid)).text, body);
    });

    it("a POST body of maxPayload + 1 bytes gets 413 with an empty body; the session survives", async () => {
      const { sid } = await handshake(server);
      const res = await post(server, sid, "4" + "x".repeat(MAX));
      assert.equal(res.status, 413);
      assert.equal(res.text, "");
      // The reference keeps the session open after a 413.
      const ok = await post(server, sid, "4after-413");
      assert.equal(ok.status, 200);
      assert.equal(ok.text, "ok");
      assert.equal((await poll(server, sid)).text, "4after-413");
    });

    it("the limit counts UTF-8 bytes, not characters", async () => {
      const { sid } = await handshake(server);
      // 1 + 2 * 500 = 1001 bytes in 501 characters.
      const res = await post(server, sid, "4" + "é".repeat(500));
      assert.equal(res.status, 413);
      // 1 + 2 * 499 + 1 = 1000 bytes.
      const body = "4" + "é".repeat(499) + "x";
      assert.equal(Buffer.byteLength(body), MAX);
      assert.equal((await post(server, sid, body)).text, "ok");
      assert.equal((await poll(server, sid)).text, body);
    });

    it("the limit applies to the whole payload, not to each packet", async () => {
      const { sid } = await handshake(server);
      const part = "4" + "y".repeat(399);
      const res = await post(server, sid, [part, part, part].join(SEP));
      assert.equal(res.status, 413);
    });

    it("a much larger POST gets 413", async () => {
      const { sid } = await handshake(server);
      const res = await post(server, sid, "4" + "z".repeat(200000));
      assert.equal(res.status, 413);
    });

    it("the server's own responses are not limited by maxPayload", async () => {
      const { sid } = await handshake(server);
      const body = "4" + "q".repeat(MAX - 1);
      for (let i = 0; i < 3; i++) assert.equal((await post(server, sid, body)).text, "ok");
      const got = await poll(server, sid);
      assert.equal(got.status, 200);
      assert.equal(got.text, [body, body, body].join(SEP));
    });
  });

  describe("WebSocket", () => {
    it("a message of exactly maxPayload bytes is echoed", async () => {
      const { conn } = await wsHandshake(server);
      try {
        const text = "4" + "x".repeat(MAX - 1);
        conn.send(text);
        assert.equal(await conn.nextText(2000, "echo"), text);
        const bin = Buffer.alloc(MAX, 7);
        conn.send(bin);
        const m = await conn.next(2000, "binary echo");
        assert.equal(m.binary, true);
        assert.ok(m.data.equals(bin));
      } finally {
        await conn.close();
      }
    });

    it("a text message over maxPayload closes the WebSocket with 1009 and ends the session", async () => {
      const { conn, sid } = await wsHandshake(server);
      conn.send("4" + "x".repeat(MAX));
      const closed = await withTimeout(conn.closed, 3000, "the server to close the WebSocket");
      assert.equal(closed.code, 1009);
      await expectSessionGone(server, sid);
    });

    it("a binary message over maxPayload closes the WebSocket with 1009 and ends the session", async () => {
      const { conn, sid } = await wsHandshake(server);
      conn.send(Buffer.alloc(MAX + 1, 1));
      const closed = await withTimeout(conn.closed, 3000, "the server to close the WebSocket");
      assert.equal(closed.code, 1009);
      await expectSessionGone(server, sid);
    });

    it("a message sent in fragments is refused with 1009 once their total passes maxPayload", async () => {
      const ws = new WebSocket(wsUrl(server), clientTls(server));
      const closed = new Promise((resolve) => ws.once("close", (code) => resolve(code)));
      ws.on("error", () => {});
      const open = await withTimeout(
        new Promise((resolve) => ws.once("message", (data) => resolve(String(data)))),
        3000,
        "the OPEN packet",
      );
      const sid = parseOpen(open).sid;
      // Each fragment is well under the limit; the message they add up to is not, and it never
      // ends: the server must count the fragments, not wait for the last one.
      const fragment = "x".repeat(MAX / 10);
      ws.send("4", { fin: false });
      for (let i = 0; i < 40 && ws.readyState === WebSocket.OPEN; ++i) ws.send(fragment, { fin: false });
      assert.equal(await withTimeout(closed, 3000, "the server to close the WebSocket"), 1009);
      await expectSessionGone(server, sid);
    });

    it("an upgraded session is also limited", async () => {
      const { sid } = await handshake(server);
      const ws = await openWs(wsUrl(server, { sid }));
      ws.send("2probe");
      assert.equal(await ws.nextText(2000, "3probe"), "3probe");
      ws.send("5");
      ws.send("4ok");
      assert.equal(await ws.nextText(2000, "echo"), "4ok");
      ws.send("4" + "x".repeat(MAX));
      const closed = await withTimeout(ws.closed, 3000, "the server to close the WebSocket");
      assert.equal(closed.code, 1009);
      await expectSessionGone(server, sid);
    });
  });
});
