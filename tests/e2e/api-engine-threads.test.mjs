// The raw Engine.IO socket handle (socketio::engine::socket) used from threads that are not I/O
// threads while traffic flows: request(), on_message() (set, then replaced mid-traffic),
// on_close(), send(), send_binary() and close() all run on a std::thread of the scenario
// server, which has 4 I/O threads. Run under ThreadSanitizer by scripts/test.sh.
// Scenario server: tests/e2e/api_server/main.cpp (RAW ENGINE.IO).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { asBytes, eioClient, withTimeout } from "./helpers.mjs";
import { WAIT_MS, skipApi, startApi } from "./api-helpers.mjs";

const TICKS = 200;
const MESSAGES = 200;
const BINARIES = 20;

describe("api: engine::socket members from foreign threads", { skip: skipApi }, () => {
  let server;
  before(async () => {
    server = await startApi(["--threads", "4"]);
  });
  after(() => server?.stop());

  for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
    test(`request, on_message, on_close, send, send_binary, close (${transports})`, async () => {
      const tag = `t${transports.length}${transports[0]}`;
      const c = await eioClient(server, { transports, query: { tag, n: String(TICKS) } });
      try {
        // The thread registers the handlers before it sends anything: "ready" comes first and
        // carries a query parameter read through request() on that thread.
        assert.equal(await c.messages.take(WAIT_MS, "ready"), `ready:${tag}`);
        // Traffic from the client while the thread sends and swaps the message handler.
        for (let i = 0; i < MESSAGES; i++) {
          c.socket.send(`m${i}`);
          if (i % (MESSAGES / BINARIES) === 0) c.socket.send(Buffer.from([0xff, i & 0xff, 1, 2, 3]));
        }
        const ticks = [];
        const echoes = [];
        const binEchoes = [];
        let done = false;
        const total = 2 * TICKS + 1 + MESSAGES + BINARIES;
        for (let k = 0; k < total; k++) {
          const m = asBytes(await c.messages.take(WAIT_MS, `message ${k + 1} of ${total}`));
          if (typeof m === "string") {
            if (m === "ticks-done") {
              assert.equal(ticks.length, 2 * TICKS, "ticks-done after every tick");
              done = true;
            } else if (m.startsWith("tick:")) {
              ticks.push(m);
            } else {
              const e = /^(echo2?):m(\d+)$/.exec(m);
              assert.ok(e, `unexpected text ${JSON.stringify(m)}`);
              echoes.push([e[1], Number(e[2])]);
            }
          } else if (m.length === 4) {
            ticks.push(m.readUInt32BE(0));
          } else {
            assert.equal(m.length, 5, `unexpected binary of ${m.length} bytes`);
            binEchoes.push(m[1]);
          }
        }
        assert.ok(done, "ticks-done");
        // The thread's text and binary sends keep their order.
        const expected = [];
        for (let i = 0; i < TICKS; i++) expected.push(`tick:${i}`, i);
        assert.deepEqual(ticks, expected);
        // Every message is echoed once, in order; once the replaced handler answers, the first
        // one never does again.
        assert.deepEqual(echoes.map(([, i]) => i), Array.from({ length: MESSAGES }, (_, i) => i));
        const firstNew = echoes.findIndex(([p]) => p === "echo2");
        if (firstNew !== -1) {
          assert.ok(echoes.slice(firstNew).every(([p]) => p === "echo2"), "no old handler after the new one");
        }
        assert.deepEqual(binEchoes,
          Array.from({ length: BINARIES }, (_, j) => (j * (MESSAGES / BINARIES)) & 0xff));
        // close() from another thread; the close handler set from a thread reports it.
        const sid = c.socket.id;
        c.socket.send("close-me");
        await withTimeout(c.closed, WAIT_MS, "the server to close the session");
        const line = await server.waitOutputLine(new RegExp(`^engine-close ${sid} `), WAIT_MS);
        assert.equal(line, `engine-close ${sid} forced close`);
      } finally {
        c.socket.close();
      }
    });
  }
});
