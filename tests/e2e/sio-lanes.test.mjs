// The write path and the lanes, end to end with the fixture server:
// - a WebSocket client that stops reading while broadcasts to it pile up far beyond what the
//   socket buffers hold (the transport's direct sendmsg meets EAGAIN and waits for
//   writability), then reads again: every frame arrives once, intact and in order, and the
//   session stays open (the queue bound is well above what is sent);
// - with two I/O threads (two lanes), a room whose members are spread over both lanes, with a
//   sender on each lane: every member gets every broadcast exactly once, each sender's in its
//   order, and a later broadcast after all of them.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { WAIT_MS, WsSession, emitAck, sioClient, startSio } from "./sio-helpers.mjs";

const BIG = 64 * 1024;
// 16 MiB to one client that does not read: loopback's send buffer grows to at most
// net.ipv4.tcp_wmem's maximum (4 MiB by default) and a receive buffer that is not read from
// stays near its initial size, so most of it has to wait in the server.
const BIG_COUNT = 256;
const BATCH = 16;

function bigPayload(i) {
  const unit = String.fromCharCode(97 + (i % 26)) + String.fromCharCode(65 + ((i * 7) % 26));
  return `${i}:` + unit.repeat((BIG - 8) / 2);
}

/** A raw WebSocket Socket.IO client on "/", connected and in `room`. */
async function rawMember(server, room) {
  const s = await WsSession.open(server);
  s.send("40");
  const connect = await s.next(WAIT_MS, "CONNECT answer");
  assert.match(connect, /^40\{"sid":"/);
  const auth = await s.next(WAIT_MS, "auth event");
  assert.match(auth, /^42\["auth"/);
  s.send(`420${JSON.stringify(["join", room])}`);
  assert.equal(await s.next(WAIT_MS, "join ack"), "430[]");
  return s;
}

describe("a WebSocket reader that pauses while broadcasts pile up", () => {
  let server;
  before(async () => {
    server = await startSio([
      "--ping-interval", "20000", "--ping-timeout", "20000",
      "--max-queued-bytes", String(256 * 1024 * 1024),
    ]);
  });
  after(async () => {
    await server?.stop();
  });

  it(`gets all ${BIG_COUNT} broadcasts of 64 KB intact and in order once it reads again`, { timeout: 120000 }, async () => {
    const reader = await rawMember(server, "big");
    const sender = await sioClient(server, "/", { transports: ["websocket"] });
    try {
      reader.ws._socket.pause(); // reads nothing from the kernel from now on
      for (let start = 0; start < BIG_COUNT; start += BATCH) {
        const batch = [];
        for (let i = start; i < Math.min(BIG_COUNT, start + BATCH); i++) {
          batch.push(emitAck(sender.socket, "bcast", ["big", bigPayload(i)], 30000));
        }
        await Promise.all(batch);
      }
      // One more round trip: the read that carried the last broadcast is fully handled (its
      // cork flushed, the reader's write attempted) before this answer is written.
      assert.deepEqual(await emitAck(sender.socket, "echo", ["sync"]), ["sync"]);

      reader.ws._socket.resume();
      for (let i = 0; i < BIG_COUNT; i++) {
        const frame = await reader.next(30000, `broadcast ${i}`);
        assert.equal(typeof frame, "string", `broadcast ${i}: a text frame`);
        assert.ok(frame.startsWith('42["msg","'), `broadcast ${i}: ${frame.slice(0, 40)}`);
        const [event, payload] = JSON.parse(frame.slice(2));
        assert.equal(event, "msg");
        assert.equal(payload.length, bigPayload(i).length, `broadcast ${i}: its length`);
        assert.ok(payload === bigPayload(i), `broadcast ${i}: intact and in order (starts ${payload.slice(0, 12)})`);
      }
      // The session is still open and answers.
      reader.send(`421${JSON.stringify(["echo", "alive"])}`);
      assert.equal(await reader.next(WAIT_MS, "echo ack"), '431["alive"]');
      assert.equal(sender.pending("disconnect"), 0);
    } finally {
      sender.close();
      await reader.close();
    }
  });
});

describe("broadcasts to a room spread over two lanes", () => {
  const MEMBERS = 8;
  const PER_SENDER = 200;
  const WINDOW = 20;
  let server;
  const clients = [];
  before(async () => {
    server = await startSio(["--threads", "2", "--ping-interval", "5000", "--ping-timeout", "10000"]);
  });
  after(async () => {
    for (const c of clients) c.close();
    await server?.stop();
  });

  it("every member gets every broadcast once, each sender's in order", { timeout: 120000 }, async () => {
    // Sessions are handed lanes round robin: members connected one after the other alternate
    // between the two lanes, and so do the two senders (members 0 and 1).
    for (let i = 0; i < MEMBERS; i++) {
      const transports = i % 4 === 3 ? ["polling"] : ["websocket"];
      const c = await sioClient(server, "/", { transports });
      clients.push(c);
      assert.deepEqual(await emitAck(c.socket, "join", ["lanes"]), []);
    }

    const send = async (s) => {
      for (let start = 0; start < PER_SENDER; start += WINDOW) {
        const window = [];
        for (let k = start; k < Math.min(PER_SENDER, start + WINDOW); k++) {
          window.push(emitAck(clients[s].socket, "bcast", ["lanes", { from: s, seq: k }], 20000));
        }
        await Promise.all(window);
      }
    };
    await Promise.all([send(0), send(1)]);
    // Sent after both senders' broadcasts were accepted: it arrives after all of them.
    await emitAck(clients[0].socket, "bcast", ["lanes", { marker: true }], 20000);

    await Promise.all(clients.map(async (c, m) => {
      const next = [0, 0];
      for (let n = 0; n < 2 * PER_SENDER; n++) {
        const [msg] = await c.next("msg", 20000);
        assert.ok(!msg.marker, `member ${m}: the marker after only ${n} broadcasts (next ${next})`);
        assert.equal(msg.seq, next[msg.from], `member ${m}: sender ${msg.from}'s broadcasts in order, once`);
        next[msg.from]++;
      }
      assert.deepEqual(await c.next("msg", 20000), [{ marker: true }], `member ${m}: then the marker`);
      // Nothing else follows (a duplicate would be queued by now: an echo round trip later).
      assert.deepEqual(await emitAck(c.socket, "echo", [m]), [m]);
      assert.equal(c.pending("msg"), 0, `member ${m}: no broadcast twice`);
      assert.equal(c.pending("disconnect"), 0);
    }));
  });
});
