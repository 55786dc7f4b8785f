// 200 socket.io-client clients at once (polling only, WebSocket only and
// default with upgrade): each joins a room, does five echo acks and receives
// exactly one broadcast to its room, all within a bounded time.

import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, describe, it } from "node:test";
import {
  assertSameValue,
  emitAck,
  sioClient,
  startSio,
} from "./sio-helpers.mjs";

const CLIENTS = 200;
const ROOMS = 10;
const ECHOES = 5;
const WAVE = 50;
const TOTAL_BUDGET_MS = 30000;
const STEP_MS = 15000;

const TRANSPORTS = [["polling"], ["websocket"], undefined];

describe("Socket.IO under concurrency", () => {
  let server;
  const clients = [];
  before(async () => {
    // A relaxed heartbeat: this test is about concurrency, and 200 clients
    // in one Node process may answer pings late while the load peaks.
    server = await startSio(["--ping-interval", "1000", "--ping-timeout", "5000", "--threads", "2"]);
  });
  after(async () => {
    for (const c of clients) c.close();
    await server?.stop();
  });

  it(`${CLIENTS} clients join rooms, echo ${ECHOES} times and get one broadcast each`, { timeout: 90000 }, async () => {
    const t0 = performance.now();
    const roomOf = (i) => `room-${i % ROOMS}`;

    // Connect in waves so that every session sends its CONNECT well within
    // the 1000 ms connect timeout.
    for (let start = 0; start < CLIENTS; start += WAVE) {
      const wave = [];
      for (let i = start; i < Math.min(CLIENTS, start + WAVE); i++) {
        const transports = TRANSPORTS[i % TRANSPORTS.length];
        wave.push(sioClient(server, "/", { auth: { i }, ...(transports ? { transports } : {}) }, STEP_MS));
      }
      const connected = await Promise.all(wave);
      clients.push(...connected);
    }
    clients.forEach((c, i) => assert.deepEqual(c.auth, [{ i }], `auth of client ${i}`));
    const ids = new Set(clients.map((c) => c.socket.id));
    assert.equal(ids.size, CLIENTS, "every socket id is distinct");

    // Each client joins its room and the common room, then echoes.
    await Promise.all(clients.map(async (c, i) => {
      assert.deepEqual(await emitAck(c.socket, "join", [roomOf(i)], STEP_MS), []);
      assert.deepEqual(await emitAck(c.socket, "join", ["all"], STEP_MS), []);
      for (let k = 0; k < ECHOES; k++) {
        const payload = { i, k, bin: Buffer.from([i & 0xff, k]) };
        assertSameValue(await emitAck(c.socket, "echo", [payload, `c${i}`], STEP_MS), [payload, `c${i}`],
          `echo ${k} of client ${i}`);
      }
    }));

    // One broadcast per room, sent by that room's first member, then a
    // marker to everyone: before the marker, each client must have received
    // exactly its own room's broadcast.
    await Promise.all(Array.from({ length: ROOMS }, (_, r) =>
      emitAck(clients[r].socket, "bcast", [roomOf(r), { room: roomOf(r) }], STEP_MS)));
    await emitAck(clients[0].socket, "bcast", ["all", "marker"], STEP_MS);

    await Promise.all(clients.map(async (c, i) => {
      assert.deepEqual(await c.next("msg", STEP_MS), [{ room: roomOf(i) }], `broadcast received by client ${i}`);
      assert.deepEqual(await c.next("msg", STEP_MS), ["marker"], `client ${i}: nothing else before the marker`);
    }));

    const elapsed = performance.now() - t0;
    assert.ok(elapsed < TOTAL_BUDGET_MS, `took ${elapsed.toFixed(0)} ms (budget ${TOTAL_BUDGET_MS} ms)`);
    clients.forEach((c, i) => {
      assert.equal(c.pending("disconnect"), 0, `client ${i} was disconnected`);
      assert.equal(c.socket.connected, true, `client ${i} is still connected`);
    });
    const upgradedCount = clients.filter((c) => c.socket.io.engine.transport.name === "websocket").length;
    assert.ok(upgradedCount >= Math.floor(CLIENTS / 3), `at least the WebSocket-only clients use WebSocket (${upgradedCount})`);
  });
});
