// connectTimeout (1000 ms in the fixture): an Engine.IO session that joins
// no namespace is closed about a second after its handshake, even while it
// answers every ping (300 ms interval); a session that joined one stays open.
// Waiting is driven by the server's pings, which arrive every ~300 ms.

import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, describe, it } from "node:test";
import {
  PollingSession,
  WsSession,
  assertWithin,
  quietly,
  since,
  sioClient,
  startSio,
  withTimeout,
} from "./sio-helpers.mjs";

// Loose bounds for a loaded 2-core machine running the server under ASan.
const CLOSE_MIN_MS = 900;
const CLOSE_MAX_MS = 1800;
const STAYS_OPEN_MS = 1600;

// The cases are independent and mostly wait, so they run concurrently.
describe("Socket.IO connectTimeout", { concurrency: true }, () => {
  let server;
  const sessions = [];
  before(async () => {
    server = await startSio(["--ping-interval", "300", "--ping-timeout", "200"]);
  });
  after(async () => {
    for (const s of sessions) await quietly(() => s.close());
    await server?.stop();
  });

  async function openPolling() {
    const t0 = performance.now();
    const s = await PollingSession.open(server);
    sessions.push(s);
    return { s, t0 };
  }

  /** Lets the server's pings pace the test until `ms` have passed since `from`. */
  async function ridePings(s, from, ms) {
    while (since(from) < ms) await s.waitPings(s.pings + 1, 3000);
  }

  async function assertAlive(s, label) {
    await s.send(`429["echo",${JSON.stringify(label)}]`);
    await s.expect(`439[${JSON.stringify(label)}]`);
  }

  it("polling: no CONNECT -> the session is closed after ~1000 ms despite answered pings", async () => {
    const { s, t0 } = await openPolling();
    const p = await s.next(4000, "close packet `1`");
    const closedAt = performance.now();
    assert.equal(p, "1", "nothing but the close packet is sent to a session that joined nothing");
    assertWithin(closedAt - t0, CLOSE_MIN_MS, Infinity, "close after the handshake request");
    assertWithin(closedAt - s.openedAt, 0, CLOSE_MAX_MS, "close after the handshake response");
    assert.ok(s.pings >= 2, `pings before the close (got ${s.pings}): the heartbeat kept the session alive`);
    await s.expectGone();
  });

  it("polling: a refused CONNECT does not stop the timer", async () => {
    const { s, t0 } = await openPolling();
    await s.send("40/random,");
    await s.expect('44/random,{"message":"Invalid namespace"}');
    const p = await s.next(4000, "close packet `1`");
    const closedAt = performance.now();
    assert.equal(p, "1");
    assertWithin(closedAt - t0, CLOSE_MIN_MS, Infinity, "close after the handshake request");
    assertWithin(closedAt - s.openedAt, 0, CLOSE_MAX_MS, "close after the handshake response");
    await s.expectGone();
  });

  it("polling: a session that joined `/` at once stays open past 1500 ms", async () => {
    const { s } = await openPolling();
    await s.join("/");
    await ridePings(s, s.openedAt, STAYS_OPEN_MS);
    assert.equal(s.closed, false);
    await assertAlive(s, "still here");
  });

  it("polling: joining only `/custom` also stops the timer", async () => {
    const { s } = await openPolling();
    await s.join("/custom");
    await ridePings(s, s.openedAt, STAYS_OPEN_MS);
    await s.join("/");
    await assertAlive(s, "custom first");
  });

  it("polling: a CONNECT after the first ping (before 1000 ms) stops the timer", async () => {
    const { s } = await openPolling();
    await s.waitPings(1, 3000);
    const joinedAt = since(s.openedAt);
    await s.join("/");
    assert.ok(joinedAt < CLOSE_MIN_MS, `joined at ${joinedAt.toFixed(0)} ms, too late for this test`);
    await ridePings(s, s.openedAt, STAYS_OPEN_MS);
    await assertAlive(s, "late join");
  });

  it("polling: leaving every namespace with `41` does not re-arm the timer", async () => {
    const { s } = await openPolling();
    await s.join("/");
    await s.send("41");
    await ridePings(s, s.openedAt, STAYS_OPEN_MS);
    assert.equal(s.closed, false);
    // Still the same Engine.IO session: a new CONNECT works.
    await s.join("/");
    await assertAlive(s, "after 41");
  });

  it("WebSocket: no CONNECT -> the WebSocket is closed after ~1000 ms", async () => {
    const t0 = performance.now();
    const s = await WsSession.open(server);
    try {
      const { at } = await withTimeout(s.closed, 4000, "WebSocket close");
      assertWithin(at - t0, CLOSE_MIN_MS, Infinity, "close after the upgrade request");
      assertWithin(at - s.openedAt, 0, CLOSE_MAX_MS, "close after the OPEN packet");
      // The reference sends no `1` before the close frame; a lone `1` is tolerated.
      const frames = s.frames.items;
      assert.ok(frames.length === 0 || (frames.length === 1 && frames[0] === "1"),
        `no frame other than pings (and at most \`1\`) was sent: ${JSON.stringify(frames)}`);
      assert.ok(s.pings >= 2, `pings before the close (got ${s.pings})`);
    } finally {
      await s.close();
    }
  });

  it("WebSocket: a session that joined `/` stays open past 1500 ms", async () => {
    const s = await WsSession.open(server);
    try {
      s.send("40");
      assert.match(await s.next(), /^40\{"sid":"[A-Za-z0-9_-]{20}"\}$/);
      await s.expect('42["auth",{}]');
      while (since(s.openedAt) < STAYS_OPEN_MS) await s.waitPings(s.pings + 1, 3000);
      s.send('421["echo","ws alive"]');
      await s.expect('431["ws alive"]');
    } finally {
      await s.close();
    }
  });

  for (const transport of ["polling", "websocket"]) {
    it(`socket.io-client over ${transport} stays connected through several pings`, async () => {
      const c = await sioClient(server, "/", { transports: [transport] });
      try {
        const start = performance.now();
        let pings = 0;
        await withTimeout(new Promise((resolve) => {
          c.socket.io.on("ping", () => {
            pings++;
            if (since(start) >= STAYS_OPEN_MS && pings >= 3) resolve();
          });
        }), 8000, "pings for 1600 ms");
        assert.equal(c.socket.connected, true);
        assert.equal(c.pending("disconnect"), 0, "no disconnect");
        const reply = await c.socket.timeout(3000).emitWithAck("echo", "pinged");
        assert.equal(reply, "pinged");
      } finally {
        c.close();
      }
    });
  }
});
