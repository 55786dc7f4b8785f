// Ack edge cases end to end: an ACK on the wrong namespace, a duplicate ACK, a handler that
// acks twice, and a broadcast emit_with_ack without a timeout.
// Scenario server: tests/e2e/api_server/main.cpp. Raw polling sessions show the exact packets;
// socket.io-client 4.8 is the peer where the packets themselves do not matter.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { quietly } from "./helpers.mjs";
import { PollingSession } from "./sio-helpers.mjs";
import { call, closeAll, connect, skipApi, socketIoEndpoint, startApi, unique } from "./api-helpers.mjs";

describe("api: ack edge cases", { skip: skipApi }, () => {
  let server;
  let sio;
  const sessions = [];
  before(async () => {
    server = await startApi(["--ping-interval", "20000", "--ping-timeout", "20000"]);
    sio = socketIoEndpoint(server);
  });
  after(async () => {
    for (const s of sessions) await quietly(() => s.close());
    await server?.stop();
  });

  /** A raw polling session joined to "/" and "/dyn-5". */
  async function session() {
    const s = await PollingSession.open(sio);
    sessions.push(s);
    await s.connect("/");
    await s.connect("/dyn-5");
    assert.equal(await s.next(), '42/dyn-5,["hello","/dyn-5"]');
    return s;
  }

  /** The next packet is the answer to an "echo" sent now: nothing else was queued before it. */
  async function expectNothingElse(s, id) {
    await s.send(`42${id}["echo","marker"]`);
    assert.equal(await s.next(), `43${id}["marker"]`);
  }

  /** Asks the server to emit "question" with an ack id; resolves to that id. */
  async function question(s, q) {
    await s.send(`421["ask",5000,${JSON.stringify(q)}]`);
    const m = /^42(\d+)\["question",(.*)\]$/.exec(await s.next());
    assert.ok(m, "a question with an ack id");
    assert.equal(m[2], JSON.stringify(q));
    return m[1];
  }

  test("an ACK on the wrong namespace is ignored; the right one completes the ack", async () => {
    const s = await session();
    const id = await question(s, "q1");
    await s.send(`43/dyn-5,${id}["wrong"]`);
    await s.send(`43${id}["right"]`);
    assert.equal(await s.next(), '431[{"error":null,"answer":["right"]}]');
    await expectNothingElse(s, 2);
  });

  test("a duplicate ACK fires the callback once", async () => {
    const s = await session();
    const id = await question(s, "q2");
    await s.send(`43${id}["one"]`, `43${id}["two"]`);
    assert.equal(await s.next(), '431[{"error":null,"answer":["one"]}]');
    await s.send(`43${id}["three"]`);
    await expectNothingElse(s, 2);
  });

  test("a handler that calls its ack twice sends one ACK packet", async () => {
    const s = await session();
    await s.send('427["ack-twice"]');
    assert.equal(await s.next(), '437["first"]');
    await expectNothingElse(s, 8);
  });

  test("the same with socket.io-client: the callback runs once, the connection carries on", async () => {
    const t = await connect(server, "/", { transports: ["websocket"] });
    try {
      assert.equal(await call(t, "ack-twice"), "first");
      assert.equal(await call(t, "echo", "after"), "after");
    } finally {
      closeAll(t);
    }
  });

  test("a broadcast emit_with_ack without a timeout is refused with std::invalid_argument", async () => {
    // The Node reference does not throw: its timer gets `undefined` and fires at once, so the
    // callback gets "operation has timed out" before any client can answer. Refusing the call
    // reports the same mistake where it is made.
    const room = unique("noto");
    const t = await connect(server, "/", { transports: ["polling"] });
    try {
      await call(t, "join", room);
      let asked = 0;
      t.socket.on("ask", () => asked++);
      assert.deepEqual(await call(t, "bcast-ack-no-timeout", room), {
        error: "a broadcast with acks needs a timeout (timeout(ms))",
        type: "invalid_argument",
      });
      assert.equal(await call(t, "echo", "marker"), "marker");
      assert.equal(asked, 0, "nothing was emitted");
    } finally {
      closeAll(t);
    }
  });
});
