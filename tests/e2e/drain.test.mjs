// Graceful drain (server::drain, engine::server::drain) through the fixture's SIGUSR1 with
// --drain-rate and --drain-deadline (docs/FIXTURE.md extensions; the Node reference has no
// drain, so this file runs against the C++ fixture only). Clients reach the server through a
// small TCP forwarder standing in for a load balancer: when the drain starts it sends new
// connections to a second server, and the real socket.io-client reconnects there by itself.
import { test, describe, afterEach } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";

import { HOST, eioClient, eventually, isReference, withTimeout } from "./helpers.mjs";
import { SIO_PATH, emitAck, socketIoClient, startSio } from "./sio-helpers.mjs";

const skip = isReference ? "the Node reference has no drain" : false;

/** A TCP forwarder to `target.port`, re-pointable; closes with everything it opened. */
async function forwarder(target) {
  const sockets = new Set();
  const fwd = net.createServer((down) => {
    const up = net.connect({ host: HOST, port: fwd.target.port });
    for (const s of [down, up]) {
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
      s.on("error", () => {
        down.destroy();
        up.destroy();
      });
    }
    down.pipe(up);
    up.pipe(down);
  });
  fwd.target = target;
  await new Promise((resolve) => fwd.listen(0, HOST, resolve));
  fwd.base = `http://${HOST}:${fwd.address().port}`;
  fwd.shutdown = () => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => fwd.close(resolve));
  };
  return fwd;
}

/**
 * A socket.io-client (reconnecting quickly) on `base`; records the time of each disconnect and
 * every connect.
 */
async function reconnectingClient(base, transports) {
  const { io } = await socketIoClient();
  const socket = io(base, {
    path: SIO_PATH,
    forceNew: true,
    transports,
    reconnectionDelay: 100,
    reconnectionDelayMax: 200,
    randomizationFactor: 0,
  });
  const client = { socket, disconnects: [], connects: 0, attempts: 0, connectErrors: [] };
  socket.io.on("reconnect_attempt", () => (client.attempts += 1));
  socket.on("connect_error", (err) => client.connectErrors.push(err));
  client.reconnected = new Promise((resolve) => {
    socket.on("connect", () => {
      client.connects += 1;
      if (client.connects === 2) resolve();
    });
  });
  client.disconnected = new Promise((resolve) => {
    socket.on("disconnect", (reason) => {
      client.disconnects.push({ reason, at: performance.now() });
      resolve(reason);
    });
  });
  await withTimeout(new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  }), 5000, "first connect");
  return client;
}

async function sessionsOn(client) {
  const [s] = await emitAck(client.socket, "admission-stats");
  return s.sio.sessions;
}

/** The largest number of `times` (ms) inside any window of `width` ms. */
function busiestWindow(times, width) {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0; i < sorted.length; ++i) {
    let j = i;
    while (j < sorted.length && sorted[j] - sorted[i] < width) ++j;
    best = Math.max(best, j - i);
  }
  return best;
}

describe("drain", { skip }, () => {
  const cleanup = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  test("clients are closed at the set rate, reconnect to another server, and the completion fires when the last is gone", async () => {
    // The deadline ends the close of polling sessions whose client went to the second server
    // (their close waits for a GET that will not come) sooner than the 30 s close linger.
    const a = await startSio(["--drain-rate", "5", "--drain-deadline", "3000"]);
    cleanup.push(() => a.stop());
    const b = await startSio([]);
    cleanup.push(() => b.stop());
    const fwd = await forwarder(a);
    cleanup.push(() => fwd.shutdown());

    const clients = [];
    cleanup.push(() => clients.forEach((c) => c.socket.close()));
    for (let i = 0; i < 10; ++i) {
      clients.push(await reconnectingClient(fwd.base, i % 2 === 0 ? ["websocket"] : ["polling"]));
    }
    // Two raw Engine.IO clients: the engine path drains too (its own "forced close").
    const raw = [await eioClient(a), await eioClient(a, { transports: ["websocket"] })];
    cleanup.push(() => raw.forEach((r) => r.socket.close()));
    assert.equal(await sessionsOn(clients[0]), 10);

    // A keep-alive connection opened before the drain: a handshake on it is refused with 503.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanup.push(() => agent.destroy());
    const viaAgent = (path) => new Promise((resolve, reject) => {
      http.get(`${a.base}${path}`, { agent }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (text += c));
        res.once("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
      }).once("error", reject);
    });
    assert.equal((await viaAgent("/nothing-here")).status, 404);

    fwd.target = b;
    const started = performance.now();
    a.child.kill("SIGUSR1");
    await a.waitOutputLine(/^draining$/);

    const refused = await viaAgent(`${SIO_PATH}?EIO=4&transport=polling`);
    assert.equal(refused.status, 503);
    assert.deepEqual(JSON.parse(refused.text), { code: 4, message: "Server is draining" });
    assert.equal(refused.headers["retry-after"], "5");
    // The listener is closed (on its strand, just after "draining"): a new connection is
    // refused outright.
    await eventually(() => assert.rejects(
      new Promise((resolve, reject) => {
        const s = net.connect({ host: HOST, port: a.port });
        s.once("connect", () => {
          s.destroy();
          resolve();
        });
        s.once("error", reject);
      }),
      /ECONNREFUSED/,
    ));

    const reasons = await withTimeout(Promise.all(clients.map((c) => c.disconnected)), 15000,
      "every client disconnected");
    // An Engine.IO close: a WebSocket client's reason is "transport close", which makes it
    // reconnect (a Socket.IO DISCONNECT would read "io server disconnect" and would not). A
    // polling client's next request may come on a new connection, which the balancer now
    // sends to the second server (the first stopped listening): "transport error" then.
    const websocketOnes = clients.filter((c, i) => i % 2 === 0);
    assert.deepEqual(reasons.filter((r, i) => i % 2 === 0), Array(5).fill("transport close"));
    for (const r of reasons) assert.ok(["transport close", "transport error"].includes(r), r);
    const rawReasons = await withTimeout(Promise.all(raw.map((r) => r.closed)), 15000, "raw closes");
    for (const r of rawReasons) assert.equal(r.reason, "transport close");

    await a.waitOutputLine(/^drained$/, 15000);
    await withTimeout(Promise.all(clients.map((c) => c.reconnected)), 15000, "every client back");
    assert.equal(await sessionsOn(clients[0]), 10, "all ten now on the second server");

    // Five WebSocket sessions at 5 per second: spread over about 0.8 s, never all at once.
    const times = websocketOnes.map((c) => c.disconnects[0].at - started);
    const span = Math.max(...times) - Math.min(...times);
    assert.ok(span >= 500, `the closes spread over ${span.toFixed(0)} ms`);
  });

  test("keep_listening: polling sessions are paced too; reconnect attempts are refused until the last is gone", async () => {
    const a = await startSio(["--drain-rate", "4", "--drain-keep-listening"]);
    cleanup.push(() => a.stop());
    const clients = [];
    cleanup.push(() => clients.forEach((c) => c.socket.close()));
    for (let i = 0; i < 8; ++i) {
      clients.push(await reconnectingClient(a.base, i < 6 ? ["polling"] : ["websocket"]));
    }
    const started = performance.now();
    a.child.kill("SIGUSR1");
    await withTimeout(Promise.race(clients.map((c) => c.disconnected)), 5000, "a first close");
    assert.ok(!a.outputLines().includes("drained"), "no completion while sessions remain");
    const reasons = await withTimeout(Promise.all(clients.map((c) => c.disconnected)), 15000,
      "every client disconnected");
    assert.deepEqual(reasons, Array(8).fill("transport close"));
    await a.waitOutputLine(/^drained$/, 15000);
    // Eight at 4 per second: about 1.75 s from the first close to the last.
    const times = clients.map((c) => c.disconnects[0].at - started);
    const span = Math.max(...times) - Math.min(...times);
    assert.ok(span >= 1000, `the closes spread over ${span.toFixed(0)} ms`);
    const busiest = busiestWindow(times, 1000);
    assert.ok(busiest <= 6, `${busiest} closes within one second at a rate of 4`);
    // The clients tried to come back (reconnection kicked in) and were refused while draining.
    const early = clients.filter((c) => c.disconnects[0].at - started < span / 2);
    for (const c of early) {
      assert.ok(c.attempts >= 1, "a reconnect attempt");
      assert.equal(c.connects, 1, "not admitted again by the draining server");
    }
    // The listener closes with the completion.
    await eventually(() => assert.rejects(
      new Promise((resolve, reject) => {
        const s = net.connect({ host: HOST, port: a.port });
        s.once("connect", () => {
          s.destroy();
          resolve();
        });
        s.once("error", reject);
      }),
      /ECONNREFUSED/,
    ));
  });

  test("the deadline closes the rest at once", async () => {
    const a = await startSio(["--drain-rate", "1", "--drain-deadline", "500"]);
    cleanup.push(() => a.stop());
    const clients = [];
    cleanup.push(() => clients.forEach((c) => c.socket.close()));
    for (let i = 0; i < 6; ++i) clients.push(await reconnectingClient(a.base, ["websocket"]));
    const started = performance.now();
    a.child.kill("SIGUSR1");
    await withTimeout(Promise.all(clients.map((c) => c.disconnected)), 10000, "disconnects");
    await a.waitOutputLine(/^drained$/, 10000);
    // At 1 per second six would take 5 s; the 500 ms deadline ends it much sooner.
    const last = Math.max(...clients.map((c) => c.disconnects[0].at - started));
    assert.ok(last < 3000, `the last close came after ${last.toFixed(0)} ms`);
    const closedEarly = clients.filter((c) => c.disconnects[0].at - started < 400).length;
    assert.ok(closedEarly <= 2, `${closedEarly} closed before the deadline at 1 per second`);
  });

  test("with no session open the completion fires at once", async () => {
    const a = await startSio([]);
    cleanup.push(() => a.stop());
    a.child.kill("SIGUSR1");
    await a.waitOutputLine(/^drained$/, 5000);
  });
});
