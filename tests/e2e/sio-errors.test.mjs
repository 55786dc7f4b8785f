// Socket.IO protocol violations (docs/PROTOCOL.md 2.7), sent raw over polling.
// A fatal input closes the whole Engine.IO session: the pending GET gets the
// close packet `1` (a noop `6` may precede it), and every later request gets
// 400 {"code":1,"message":"Session ID unknown"}. Non-fatal inputs leave the
// session open, which is checked by an "echo" that must still be answered.
//
// The server runs with a long heartbeat so that a close can only come from
// the input under test (the connect timeout does not apply once a namespace
// is joined). Inputs sent before any CONNECT run against a second server with
// a 10 s connect timeout and must close the session within 2 s, so that the
// connect timeout cannot pass for a rejection.

import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, describe, it } from "node:test";
import {
  PollingSession,
  WAIT_MS,
  b64,
  quietly,
  sioClient,
  startSio,
} from "./sio-helpers.mjs";

const PH = (n) => `{"_placeholder":true,"num":${JSON.stringify(n)}}`;

describe("Socket.IO protocol errors", () => {
  let server;
  const sessions = [];
  before(async () => {
    server = await startSio(["--ping-interval", "20000", "--ping-timeout", "20000"]);
  });
  after(async () => {
    for (const s of sessions) await quietly(() => s.close());
    await server?.stop();
  });

  /** A polling session; joined to `/` (and the given namespaces) unless `join` is empty. */
  async function session(join = ["/"]) {
    const s = await PollingSession.open(server);
    sessions.push(s);
    for (const nsp of join) await s.join(nsp);
    return s;
  }

  /** Asserts that the session still answers on `/`. */
  async function assertAlive(s, label = "alive") {
    await s.send(`4277["echo",${JSON.stringify(label)}]`);
    await s.expect(`4377[${JSON.stringify(label)}]`);
  }

  /** Sends the packets in one POST on a joined session and expects the close. */
  async function expectFatal(packets, join = ["/"]) {
    const s = await session(join);
    await s.send(...packets);
    await s.expectClosed();
  }

  describe("fatal inputs close the session", () => {
    const afterJoin = [
      ["unknown Socket.IO packet type `abc`", ["4abc"]],
      ["unknown Socket.IO packet type `9`", ['49["x"]']],
      ["EVENT with an object payload `42{}`", ["42{}"]],
      ["EVENT with `null`", ["42null"]],
      ["EVENT with an empty array", ["42[]"]],
      ["EVENT whose name is a boolean", ["42[true]"]],
      ["EVENT whose name is an object", ['42[{"a":1}]']],
      ["EVENT with a string payload", ['42"message"']],
      ['reserved name "connect"', ['42["connect"]']],
      ['reserved name "connect_error"', ['42["connect_error"]']],
      ['reserved name "disconnect"', ['42["disconnect"]']],
      ['reserved name "disconnecting"', ['42["disconnecting"]']],
      ['reserved name "newListener"', ['42["newListener"]']],
      ['reserved name "removeListener"', ['42["removeListener"]']],
      ["a non-numeric ack id `42abc[…]`", ['42abc["x"]']],
      ["a negative ack id `42-1[…]`", ['42-1["x"]']],
      ["a fractional ack id `420.5[…]`", ['420.5["x"]']],
      ["junk after the JSON", ['42["x"]junk']],
      ["truncated JSON", ['42["message",{"a":']],
      ["DISCONNECT with a payload `41{}`", ["41{}"]],
      ["ACK with a string payload `43x`", ["43x"]],
      ["ACK with an object payload `43{}`", ["43{}"]],
      ["ACK with an id and an object payload `431{}`", ["431{}"]],
      ["CONNECT_ERROR from the client", ['44{"message":"x"}']],
      ["BINARY_EVENT with more than 10 attachments", [`4511-["message",${PH(0)}]`]],
      ["BINARY_EVENT without `-` after the count", [`451["message",${PH(0)}]`]],
      ["BINARY_EVENT with a non-numeric count", [`45x-["message",${PH(0)}]`]],
      ["placeholder num out of range", [`451-["message",${PH(1)}]`, `b${b64([1])}`]],
      ["placeholder num negative", [`451-["message",${PH(-1)}]`, `b${b64([1])}`]],
      ["placeholder num not a number", [`451-["message",${PH("0")}]`, `b${b64([1])}`]],
      ["text while attachments are pending", [`451-["message",${PH(0)}]`, '42["message",1]']],
      ["binary with no BINARY_EVENT header", [`b${b64([1, 2, 3])}`]],
      ["EVENT to a namespace not joined `42/custom,[\"x\"]`", ['42/custom,["x"]']],
      ["ACK to a namespace not joined", ["43/custom,1[]"]],
      ["DISCONNECT from a namespace not joined", ["41/custom,"]],
      ["a duplicate CONNECT to `/`", ["40"]],
      ["a duplicate CONNECT with auth", ['40{"again":true}']],
    ];
    for (const [name, packets] of afterJoin) {
      it(name, async () => {
        await expectFatal(packets);
      });
    }

    it("BINARY_EVENT with zero attachments `450-[…]`", async () => {
      await expectFatal(['450-["message","x"]']);
    });

    it("BINARY_ACK with zero attachments `460-1[]`", async () => {
      await expectFatal(["460-1[]"]);
    });

    it("a duplicate CONNECT to `/custom`", async () => {
      await expectFatal(["40/custom,"], ["/", "/custom"]);
    });

    it("a duplicate CONNECT to `/custom` when only `/custom` is joined", async () => {
      await expectFatal(['40/custom,{"x":1}'], ["/custom"]);
    });

    it("text after a BINARY_EVENT header in a later POST", async () => {
      const s = await session();
      await s.send(`451-["message",${PH(0)}]`);
      await s.send('42["message",1]');
      await s.expectClosed();
    });

    it("the whole session closes: `/custom` goes too", async () => {
      await expectFatal(['42{"bad":1}'], ["/", "/custom"]);
    });

    it("a valid packet before the fatal one in the same POST: at most its reply, then the close", async () => {
      const s = await session();
      await s.send('421["echo","first"]', "42{}");
      // The reference drops the reply (its handler runs after the close);
      // answering it before the close is as good.
      let p = await s.next(WAIT_MS, "ack or close");
      if (p === '431["first"]') p = await s.next(WAIT_MS, "close packet `1`");
      assert.equal(p, "1");
      await s.expectGone();
    });

    it("more binary messages than announced: at most the completed event's reply, then the close", async () => {
      const s = await session();
      await s.send(`451-["message",${PH(0)}]`, `b${b64([1])}`, `b${b64([2])}`);
      // The first two messages form a complete event, dispatched before the extra attachment
      // is seen; the reference drops its reply (its handler runs after the close).
      let p = await s.next(WAIT_MS, "reply or close");
      if (p === `451-["message-back",${PH(0)}]`) {
        assert.equal(await s.next(WAIT_MS, "attachment"), `b${b64([1])}`);
        p = await s.next(WAIT_MS, "close packet `1`");
      }
      assert.equal(p, "1");
      await s.expectGone();
    });

    it("with no GET pending, the next GET carries the close packet", async () => {
      const s = await session();
      // Park no GET: the loop stops once the echo has been received.
      await s.pausePolling(() => s.send('421["echo","pause"]'));
      await s.expect('431["pause"]');
      await s.send("42{}");
      s.startPolling();
      await s.expectClosed();
    });

    it("a socket.io-client peer sees \"transport close\" when the server closes the session", async () => {
      const c = await sioClient(server, "/", { transports: ["websocket"] });
      try {
        // A raw Engine.IO message that is not a valid Socket.IO packet.
        c.socket.io.engine.send("abc");
        assert.equal(await c.next("disconnect", WAIT_MS), "transport close");
      } finally {
        c.close();
      }
    });
  });

  describe("non-fatal inputs keep the session open", () => {
    it("a numeric event name `42[1,2]`", async () => {
      const s = await session();
      await s.send("42[1,2]");
      await assertAlive(s);
    });

    it("a numeric event name with an ack id `425[1]`", async () => {
      const s = await session();
      await s.send("425[1]");
      await assertAlive(s);
    });

    it("an ACK with an unknown id `4399[]`", async () => {
      const s = await session();
      await s.send("4399[]");
      await assertAlive(s);
    });

    it("an ACK with an unknown id and arguments `430[1,\"x\"]`", async () => {
      const s = await session();
      await s.send('430[1,"x"]');
      await assertAlive(s);
    });

    it("an event no handler listens to", async () => {
      const s = await session(["/", "/custom"]);
      await s.send('42["nobody-listens",{"a":1}]', '42/custom,["nobody-listens-either"]');
      await assertAlive(s);
    });

    it("an unknown ack id on another joined namespace", async () => {
      const s = await session(["/", "/custom"]);
      await s.send("43/custom,5[]");
      await assertAlive(s);
    });

    it("a refused namespace `40/random,`", async () => {
      const s = await session();
      await s.send("40/random,");
      await s.expect('44/random,{"message":"Invalid namespace"}');
      await assertAlive(s);
    });

    it("a client `41` gets no reply; the session stays open and a later `40` reconnects", async () => {
      const s = await session([]);
      const first = await s.join("/");
      await s.send("41");
      // The next packet is the reply to the new CONNECT: nothing answered `41`.
      const second = await s.join("/");
      assert.notEqual(second, first, "a new socket id after reconnecting");
      await assertAlive(s);
    });

    it("a client `41/custom,` leaves `/` working and `/custom` can be joined again", async () => {
      const s = await session(["/", "/custom"]);
      await s.send("41/custom,");
      await assertAlive(s, "after 41/custom");
      await s.join("/custom", { back: true });
      await assertAlive(s, "after rejoin");
    });

    it("after `41` the namespace counts as not joined: an EVENT to it is fatal", async () => {
      const s = await session(["/", "/custom"]);
      await s.send("41");
      await s.send('42["echo",1]');
      await s.expectClosed();
    });
  });

  describe("fatal inputs before any CONNECT close the session at once", () => {
    // Far beyond FAST_CLOSE_MS: a close by the connect timeout fails the test.
    const CONNECT_TIMEOUT_MS = 10000;
    const FAST_CLOSE_MS = 2000;
    let slow;
    const mine = [];
    before(async () => {
      slow = await startSio([
        "--ping-interval", "20000", "--ping-timeout", "20000",
        "--connect-timeout", String(CONNECT_TIMEOUT_MS),
      ]);
    });
    after(async () => {
      for (const s of mine) await quietly(() => s.close());
      await slow?.stop();
    });

    /** Sends `packet` as the first Socket.IO packet and expects the close well before the timeout. */
    async function expectFastClose(packet) {
      const s = await PollingSession.open(slow);
      mine.push(s);
      const t0 = performance.now();
      await s.send(packet);
      await s.expectClosed(FAST_CLOSE_MS);
      const elapsed = performance.now() - t0;
      assert.ok(elapsed < FAST_CLOSE_MS,
        `closed after ${elapsed.toFixed(0)} ms; the input itself must close the session`);
    }

    it("an EVENT before any CONNECT", async () => {
      await expectFastClose('42["message",1]');
    });

    it("an ACK before any CONNECT", async () => {
      await expectFastClose("431[]");
    });

    it("CONNECT with a string payload `40\"str\"`", async () => {
      await expectFastClose('40"str"');
    });

    it("CONNECT with a null payload `40/custom,null`", async () => {
      await expectFastClose("40/custom,null");
    });

    it("CONNECT with an array payload `40[]`", async () => {
      await expectFastClose("40[]");
    });

    it("CONNECT with a payload that is not JSON `40/custom,1x`", async () => {
      await expectFastClose("40/custom,1x");
    });

    it("a valid CONNECT on the same server is answered (the inputs above are what closes)", async () => {
      const s = await PollingSession.open(slow);
      mine.push(s);
      await s.join("/");
      await assertAlive(s);
    });
  });
});
