// Server-initiated heartbeat with pingInterval 300 ms and pingTimeout 200 ms
// on both transports: when pings go out, that the next ping is timed from
// the pong, and that a missing pong closes the session pingTimeout after the
// ping. Upper bounds carry about 250 ms of slack for slow (sanitizer) builds.

import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, describe, it } from "node:test";
import {
  assertError,
  assertWithin,
  delay,
  expectSessionGone,
  handshake,
  poll,
  post,
  since,
  withTimeout,
  startServer,
  wsHandshake,
} from "./helpers.mjs";

const INTERVAL = 300;
const TIMEOUT = 200;
const SLACK = 250;

describe("heartbeat 300/200", () => {
  let server;
  before(async () => {
    server = await startServer(["--ping-interval", String(INTERVAL), "--ping-timeout", String(TIMEOUT)]);
  });
  after(async () => {
    await server?.stop();
  });

  describe("WebSocket", () => {
    it("pings at about 300, 600 and 900 ms while the client answers at once", async () => {
      const { conn } = await wsHandshake(server);
      try {
        const t0 = performance.now();
        const pings = [];
        for (let k = 1; k <= 3; k++) {
          const m = await conn.next(INTERVAL + TIMEOUT + SLACK + 500, `ping #${k}`);
          assert.equal(m.binary, false);
          assert.equal(m.text, "2", `ping #${k}`);
          pings.push(m.at - t0);
          conn.send("3");
        }
        assertWithin(pings[0], INTERVAL - 50, INTERVAL + SLACK, "first ping");
        assertWithin(pings[1] - pings[0], INTERVAL - 50, INTERVAL + SLACK, "second ping after the first pong");
        assertWithin(pings[2] - pings[1], INTERVAL - 50, INTERVAL + SLACK, "third ping after the second pong");
        assertWithin(pings[2], 3 * INTERVAL - 50, 3 * INTERVAL + 2 * SLACK, "third ping");
        // Still alive: the session keeps echoing.
        conn.send("4alive");
        assert.equal(await conn.nextText(2000, "echo"), "4alive");
      } finally {
        await conn.close();
      }
    });

    it("the next ping comes pingInterval after the pong, not after the previous ping", async () => {
      const { conn } = await wsHandshake(server);
      try {
        const first = await conn.next(2000, "first ping");
        assert.equal(first.text, "2");
        // Answer late, well within pingTimeout.
        await delay(120);
        const tPong = performance.now();
        conn.send("3");
        const second = await conn.next(2000, "second ping");
        assert.equal(second.text, "2");
        assertWithin(second.at - tPong, INTERVAL - 50, INTERVAL + SLACK, "second ping after the pong");
        assert.ok(second.at - first.at >= INTERVAL + 100,
          `second ping ${(second.at - first.at).toFixed(1)} ms after the first: not timed from the pong`);
      } finally {
        await conn.close();
      }
    });

    it("without pongs: one ping at about 300 ms, then the socket is closed at about 500 ms", async () => {
      const { conn, sid } = await wsHandshake(server);
      const t0 = performance.now();
      const ping = await conn.next(2000, "ping");
      assert.equal(ping.text, "2");
      assertWithin(ping.at - t0, INTERVAL - 50, INTERVAL + SLACK, "ping");
      const closed = await withTimeout(conn.closed, 3000, "the ping timeout");
      assertWithin(closed.at - t0, INTERVAL + TIMEOUT - 50, INTERVAL + TIMEOUT + SLACK, "close after the missing pong");
      // No second ping while the first one was unanswered.
      assert.equal(conn.messages.length, 0, "unexpected packets after the unanswered ping");
      await expectSessionGone(server, sid);
    });
  });

  describe("polling", () => {
    it("a session that never polls is gone about 500 ms after the handshake", async () => {
      const { sid } = await handshake(server);
      const t0 = performance.now();
      // The pong deadline runs from the moment the ping is queued, even
      // though no GET ever carries it. 500 ms nominal, plus 100 ms slack.
      await delay(INTERVAL + TIMEOUT + 100 - since(t0));
      assertError(await poll(server, sid), 400, 1, "Session ID unknown");
    });

    it("ping arrives as 2 in a parked GET; the next one comes pingInterval after the pong", async () => {
      const { sid } = await handshake(server);
      const t0 = performance.now();
      const first = await poll(server, sid, { timeout: 3000 });
      assert.equal(first.status, 200);
      assert.equal(first.text, "2");
      assertWithin(since(t0), INTERVAL - 50, INTERVAL + SLACK, "first ping over polling");

      await delay(100);
      const tPong = performance.now();
      const pong = await post(server, sid, "3");
      assert.equal(pong.text, "ok");
      const second = await poll(server, sid, { timeout: 3000 });
      assert.equal(second.status, 200);
      assert.equal(second.text, "2");
      assertWithin(since(tPong), INTERVAL - 50, INTERVAL + SLACK, "second ping after the pong");

      // No pong this time: the next parked GET carries the CLOSE packet.
      const tPing = performance.now();
      const closing = await poll(server, sid, { timeout: 3000 });
      assert.equal(closing.status, 200);
      assert.equal(closing.text, "1");
      assertWithin(since(tPing), 0, TIMEOUT + SLACK, "close after the missing pong");
      assertError(await poll(server, sid), 400, 1, "Session ID unknown");
    });

    it("a parked GET receives 1 about 500 ms after the handshake when the ping is not answered", async () => {
      const { sid } = await handshake(server);
      const t0 = performance.now();
      const ping = await poll(server, sid, { timeout: 3000 });
      assert.equal(ping.text, "2");
      const closing = await poll(server, sid, { timeout: 3000 });
      assert.equal(closing.status, 200);
      assert.equal(closing.text, "1");
      assertWithin(since(t0), INTERVAL + TIMEOUT - 50, INTERVAL + TIMEOUT + SLACK, "close after the missing pong");
      assertError(await post(server, sid, "4late"), 400, 1, "Session ID unknown");
    });
  });
});
