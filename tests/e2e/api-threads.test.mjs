// Server API end to end: emits from a thread that is not an I/O thread, with the server
// running its io_context on 4 threads. 200 clients (polling, WebSocket, and polling upgraded
// to WebSocket) join 4 rooms; one client asks the server to start a std::thread per room that
// broadcasts "tick" 0..19 to the room, then emits "personal" to each socket of the room
// through remote sockets, then "thread-done" to the caller. Every client must see exactly
// ticks 0..19 in order, then its own "personal". Scenario server: api_server/main.cpp.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { call, closeAll, connect, skipApi, startApi } from "./api-helpers.mjs";

const CLIENTS = 200;
const ROOMS = 4;
const TICKS = 20;
const BATCH = 25;
const WAIT = 20000;

describe("api: emits from non-I/O threads", { skip: skipApi }, () => {
  let server;
  before(async () => {
    server = await startApi(["--threads", "4"]);
  });
  after(() => server?.stop());

  test(`${CLIENTS} clients in ${ROOMS} rooms receive ticks 0..${TICKS - 1} in order`, { timeout: 60000 }, async () => {
    const clients = [];
    const trigger = await connect(server, "/", { transports: ["websocket"] });
    try {
      for (let start = 0; start < CLIENTS; start += BATCH) {
        const batch = [];
        for (let i = start; i < Math.min(CLIENTS, start + BATCH); i++) {
          const transports = [["polling"], ["websocket"], ["polling", "websocket"]][i % 3];
          batch.push((async () => {
            const t = await connect(server, "/", { transports }, WAIT);
            t.index = i;
            t.room = `thread-room-${i % ROOMS}`;
            t.ticks = [];
            t.socket.on("tick", (n) => t.ticks.push(n));
            assert.deepEqual(await call(t, "join", t.room), [t.socket.id, t.room].sort());
            return t;
          })());
        }
        clients.push(...(await Promise.all(batch)));
      }
      assert.equal(clients.length, CLIENTS);

      const personal = clients.map((t) => t.next("personal", WAIT).then(([id]) => {
        assert.equal(id, t.socket.id, `client ${t.index}: "personal" carries its own id`);
        assert.deepEqual(t.ticks, Array.from({ length: TICKS }, (_, k) => k),
          `client ${t.index} (${t.socket.io.engine.transport.name}, ${t.room}): ticks before "personal"`);
      }));
      const done = [];
      for (let r = 0; r < ROOMS; r++) done.push(trigger.next("thread-done", WAIT));
      const acks = await Promise.all(Array.from({ length: ROOMS }, (_, r) =>
        call(trigger, "emit-from-thread", `thread-room-${r}`, TICKS)));
      assert.deepEqual(acks, Array(ROOMS).fill(TICKS));
      const doneRooms = (await Promise.all(done)).map(([room, count]) => {
        assert.equal(count, TICKS);
        return room;
      });
      assert.deepEqual(doneRooms.sort(), Array.from({ length: ROOMS }, (_, r) => `thread-room-${r}`));
      await Promise.all(personal);

      // Nothing more: an echo round trip on every connection comes after any stray tick.
      await Promise.all(clients.map(async (t) => {
        assert.equal(await call(t, "echo", t.index), t.index);
        assert.equal(t.ticks.length, TICKS, `client ${t.index}: exactly ${TICKS} ticks`);
        assert.equal(t.pending("personal"), 0, `client ${t.index}: one "personal"`);
      }));
      assert.equal(trigger.pending("tick"), 0, "the trigger is in no room");
    } finally {
      closeAll(clients, trigger);
    }
  });

  test("broadcast acks and fetch_sockets while every I/O thread is busy", { timeout: 30000 }, async () => {
    const clients = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      connect(server, "/", { transports: i % 2 ? ["polling"] : ["websocket"] })));
    const trigger = await connect(server);
    try {
      await Promise.all(clients.map((t, i) => {
        t.socket.on("ping-all", (p, cb) => cb(i));
        return call(t, "join", "busy-room");
      }));
      const [res, fetched] = await Promise.all([
        call(trigger, "ping-all", "busy-room", 10000),
        call(trigger, "fetch", "busy-room"),
        ...clients.map((t) => call(t, "emit-from-thread", t.socket.id, 5)),
      ]);
      assert.equal(res.error, null);
      assert.deepEqual([...res.responses].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
      assert.equal(fetched.length, 40);
      for (const t of clients) {
        for (let k = 0; k < 5; k++) assert.deepEqual(await t.next("tick"), [k]);
      }
    } finally {
      closeAll(clients, trigger);
    }
  });
});
