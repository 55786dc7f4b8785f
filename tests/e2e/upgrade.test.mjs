// Upgrade from polling to WebSocket: the raw 2probe/3probe/5 sequence, the
// noop that releases the parked poll, the flush of queued packets over the
// new socket, what is refused afterwards, and engine.io-client upgrading
// while messages are in flight.

import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, describe, it } from "node:test";
import {
  SEP,
  assertError,
  assertWithin,
  asBytes,
  connectWs,
  eioClient,
  expectSessionGone,
  handshake,
  letServerPark,
  openWs,
  poll,
  post,
  since,
  startServer,
  withTimeout,
  wsUrl,
} from "./helpers.mjs";

/** Asserts that a WebSocket attempt ends without any Engine.IO traffic. */
async function assertWsRejected(url) {
  const r = await connectWs(url);
  if (!r.ok) {
    // Refused before the 101: an HTTP 400 answer, not a dropped connection.
    assert.equal(r.status, 400, `refusal status (${r.error ? r.error.message : r.body})`);
    return;
  }
  // Accepted, then closed by the server without a packet.
  const received = [];
  r.conn.ws.on("message", (d) => received.push(d.toString()));
  await withTimeout(r.conn.closed, 3000, "the server to close the extra WebSocket");
  assert.deepEqual(received, [], "the extra WebSocket received packets");
}

describe("raw upgrade", () => {
  let server;
  before(async () => {
    server = await startServer(["--ping-interval", "20000", "--ping-timeout", "20000"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("2probe -> 3probe, parked GET answered 6, 5 flushes queued packets over the WebSocket", async () => {
    const { sid } = await handshake(server, { upgrades: ["websocket"] });
    const parked = poll(server, sid);
    await letServerPark();

    const ws = await openWs(wsUrl(server, { sid }));
    try {
      // No OPEN packet on the upgrading socket: the first frame answers the probe.
      ws.send("2probe");
      const first = await ws.next(2000, "3probe");
      assert.equal(first.binary, false);
      assert.equal(first.text, "3probe");

      // The parked GET is released promptly with a noop.
      const t0 = performance.now();
      const released = await parked;
      assert.equal(released.status, 200);
      assert.equal(released.text, "6");
      assertWithin(since(t0), 0, 1000, "noop for the parked GET");

      // A new GET while upgrading is answered with a noop as well.
      const t1 = performance.now();
      const again = await poll(server, sid);
      assert.equal(again.status, 200);
      assert.equal(again.text, "6");
      assertWithin(since(t1), 0, 1000, "noop for a new GET while upgrading");

      // Messages posted on polling before 5 are queued on the server...
      assert.equal((await post(server, sid, `4queued-1${SEP}bAQID${SEP}4queued-2`)).text, "ok");

      // ...and flushed over the WebSocket, in order, once 5 arrives.
      ws.send("5");
      assert.equal(await ws.nextText(2000, "first queued packet"), "4queued-1");
      const bin = await ws.next(2000, "queued binary packet");
      assert.equal(bin.binary, true);
      assert.deepEqual(bin.data, Buffer.from([1, 2, 3]));
      assert.equal(await ws.nextText(2000, "second queued packet"), "4queued-2");

      // The WebSocket is now the session's transport.
      ws.send("4over-ws");
      assert.equal(await ws.nextText(2000, "echo over ws"), "4over-ws");
      ws.send(Buffer.from([9, 8, 7]));
      const binEcho = await ws.next(2000, "binary echo over ws");
      assert.equal(binEcho.binary, true);
      assert.deepEqual(binEcho.data, Buffer.from([9, 8, 7]));

      // Polling with this sid is refused with code 3 from now on.
      assertError(await poll(server, sid), 400, 3, "Bad request");
      assertError(await post(server, sid, "4late"), 400, 3, "Bad request");

      // A second WebSocket with the same sid is closed...
      await assertWsRejected(wsUrl(server, { sid }));
      // ...and the upgraded one keeps working.
      ws.send("4still-upgraded");
      assert.equal(await ws.nextText(2000, "echo after the rejected socket"), "4still-upgraded");
    } finally {
      await ws.close();
    }
  });

  it("2probe and 5 back to back: packets queued before the upgrade arrive over the WebSocket", async () => {
    const { sid } = await handshake(server);
    // Queued on the server: no GET is pending.
    assert.equal((await post(server, sid, `4early-1${SEP}4early-2`)).text, "ok");
    const ws = await openWs(wsUrl(server, { sid }));
    try {
      ws.send("2probe");
      ws.send("5");
      assert.equal(await ws.nextText(2000, "3probe"), "3probe");
      assert.equal(await ws.nextText(2000, "first early packet"), "4early-1");
      assert.equal(await ws.nextText(2000, "second early packet"), "4early-2");
      ws.send("4after");
      assert.equal(await ws.nextText(2000, "echo"), "4after");
      assertError(await poll(server, sid), 400, 3, "Bad request");
    } finally {
      await ws.close();
    }
  });

  it("a frame other than 2probe/5 on the probing socket closes it and keeps the polling session", async () => {
    const { sid } = await handshake(server);
    const ws = await openWs(wsUrl(server, { sid }));
    ws.send("4not-a-probe");
    await withTimeout(ws.closed, 3000, "the server to close the probing WebSocket");
    assert.equal((await post(server, sid, "4still-polling")).text, "ok");
    assert.equal((await poll(server, sid)).text, "4still-polling");
  });

  it("a second WebSocket while one is upgrading is closed; the first completes the upgrade", async () => {
    const { sid } = await handshake(server);
    const ws = await openWs(wsUrl(server, { sid }));
    try {
      ws.send("2probe");
      assert.equal(await ws.nextText(2000, "3probe"), "3probe");
      await assertWsRejected(wsUrl(server, { sid }));
      ws.send("5");
      ws.send("4upgraded");
      assert.equal(await ws.nextText(2000, "echo"), "4upgraded");
      assertError(await poll(server, sid), 400, 3, "Bad request");
    } finally {
      await ws.close();
    }
  });

  it("closing the upgraded WebSocket ends the session", async () => {
    const { sid } = await handshake(server);
    const ws = await openWs(wsUrl(server, { sid }));
    ws.send("2probe");
    assert.equal(await ws.nextText(2000, "3probe"), "3probe");
    ws.send("5");
    ws.send("4x");
    assert.equal(await ws.nextText(2000, "echo"), "4x");
    await ws.close();
    await expectSessionGone(server, sid);
  });
});

describe("upgrade timeout", () => {
  let server;
  before(async () => {
    server = await startServer(["--ping-interval", "20000", "--ping-timeout", "20000", "--upgrade-timeout", "300"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("a probe without 5 is closed after upgradeTimeout and the session stays on polling", async () => {
    const { sid } = await handshake(server);
    const ws = await openWs(wsUrl(server, { sid }));
    const t0 = performance.now();
    ws.send("2probe");
    assert.equal(await ws.nextText(2000, "3probe"), "3probe");
    const closed = await withTimeout(ws.closed, 3000, "the upgrade timeout");
    assertWithin(closed.at - t0, 250, 300 + 750, "probing WebSocket closed after upgradeTimeout");
    assert.equal((await post(server, sid, "4still-polling")).text, "ok");
    assert.equal((await poll(server, sid)).text, "4still-polling");
  });
});

describe("engine.io-client upgrade", () => {
  let server;
  before(async () => {
    // Pings every 300 ms cross the upgrade; a generous pingTimeout keeps the
    // test stable on a loaded machine.
    server = await startServer(["--ping-interval", "300", "--ping-timeout", "1000"]);
  });
  after(async () => {
    await server?.stop();
  });

  /** Runs one client that sends continuously across its upgrade. */
  async function upgradeWithTraffic(tag) {
    const { socket, messages } = await eioClient(server, { transports: ["polling", "websocket"], upgrade: true });
    try {
      assert.equal(socket.transport.name, "polling");
      const expected = [];
      let upgradedAt = null;
      const MAX = 4000;
      const AFTER_UPGRADE = 100;
      const sendOne = () => {
        const k = expected.length;
        const msg = k % 7 === 6 ? Buffer.from([k & 0xff, (k >> 8) & 0xff, 0xfe, 0x00]) : `${tag}-${k}`;
        expected.push(msg);
        socket.send(msg);
      };
      const upgraded = new Promise((resolve) => {
        socket.once("upgrade", () => {
          upgradedAt = expected.length;
          resolve();
        });
      });
      // A first burst goes out before the upgrade can possibly complete.
      for (let j = 0; j < 5; j++) sendOne();
      const pumped = new Promise((resolve) => {
        const timer = setInterval(() => {
          for (let j = 0; j < 5 && expected.length < MAX; j++) sendOne();
          if ((upgradedAt !== null && expected.length >= upgradedAt + AFTER_UPGRADE) || expected.length >= MAX) {
            clearInterval(timer);
            resolve();
          }
        }, 2);
      });
      await withTimeout(upgraded, 5000, `${tag}: upgrade`);
      await pumped;
      assert.ok(upgradedAt >= 5, "messages were sent before the upgrade completed");
      assert.equal(socket.transport.name, "websocket");
      for (let k = 0; k < expected.length; k++) {
        const got = asBytes(await messages.take(5000, `${tag}: echo #${k} of ${expected.length}`));
        if (Buffer.isBuffer(expected[k])) {
          assert.ok(Buffer.isBuffer(got), `${tag}: echo #${k} should be binary`);
          assert.ok(got.equals(expected[k]), `${tag}: binary echo #${k} differs`);
        } else {
          assert.equal(got, expected[k], `${tag}: echo #${k}`);
        }
      }
      assert.equal(messages.length, 0, `${tag}: unexpected extra echoes`);
      return { sent: expected.length, upgradedAt };
    } finally {
      socket.close();
    }
  }

  it("messages sent continuously during the upgrade all arrive, in order", async () => {
    const r = await upgradeWithTraffic("solo");
    assert.ok(r.sent > r.upgradedAt);
  });

  it("several clients upgrading at once lose and reorder nothing", async () => {
    await Promise.all(["a", "b", "c", "d", "e"].map((t) => upgradeWithTraffic(t)));
  });

  it("a client honours upgrades [] and stays on polling", async () => {
    const noUp = await startServer(["--no-upgrades"]);
    try {
      const { socket, messages } = await eioClient(noUp, { transports: ["polling", "websocket"], upgrade: true });
      try {
        socket.send("hello");
        assert.equal(await messages.take(3000, "echo"), "hello");
        assert.equal(socket.transport.name, "polling");
      } finally {
        socket.close();
      }
    } finally {
      await noUp.stop();
    }
  });
});
