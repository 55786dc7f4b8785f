// 200 concurrent engine.io-client clients (half polling with upgrade, half
// WebSocket-only) echoing at once, within a bounded time.

import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, describe, it } from "node:test";
import { asBytes, eioClient, startServer, withTimeout } from "./helpers.mjs";

const CLIENTS = 200;
const MESSAGES = 20;
const BUDGET_MS = Number(process.env.E2E_CONCURRENCY_BUDGET_MS ?? 20000);

describe(`${CLIENTS} concurrent clients`, () => {
  let server;
  before(async () => {
    // Heartbeats stay active during the run, with a pingTimeout generous
    // enough for a loaded machine.
    server = await startServer(["--ping-interval", "500", "--ping-timeout", "3000", "--threads", "2"]);
  });
  after(async () => {
    await server?.stop();
  });

  it(`each sends ${MESSAGES} messages and receives every echo in order`, async () => {
    const t0 = performance.now();
    const clients = [];

    async function runClient(i) {
      const upgrade = i % 2 === 0;
      const opts = upgrade
        ? { transports: ["polling", "websocket"], upgrade: true }
        : { transports: ["websocket"] };
      const client = await eioClient(server, opts, BUDGET_MS);
      clients.push(client);
      const expected = [];
      for (let k = 0; k < MESSAGES; k++) {
        const msg = k % 5 === 4 ? Buffer.from([i & 0xff, i >> 8, k, 0xff]) : `c${i}-m${k}-${"x".repeat(k * 10)}`;
        expected.push(msg);
        client.socket.send(msg);
      }
      for (let k = 0; k < MESSAGES; k++) {
        const got = asBytes(await client.messages.take(BUDGET_MS, `client ${i}: echo #${k}`));
        const want = expected[k];
        if (Buffer.isBuffer(want)) {
          assert.ok(Buffer.isBuffer(got) && got.equals(want), `client ${i}: binary echo #${k} differs`);
        } else {
          assert.equal(got, want, `client ${i}: echo #${k}`);
        }
      }
      return { upgrade, transport: client.socket.transport.name };
    }

    try {
      const results = await withTimeout(
        Promise.all(Array.from({ length: CLIENTS }, (_, i) => runClient(i))),
        BUDGET_MS,
        `${CLIENTS} clients to finish`,
      );
      const elapsed = performance.now() - t0;
      assert.equal(results.length, CLIENTS);
      assert.ok(results.filter((r) => !r.upgrade).every((r) => r.transport === "websocket"));
      assert.ok(elapsed < BUDGET_MS, `took ${elapsed.toFixed(0)} ms`);
      // Every session is still usable after the burst.
      const tail = clients.slice(0, 10);
      for (const c of tail) c.socket.send("tail");
      for (const c of tail) assert.equal(await c.messages.take(5000, "tail echo"), "tail");
    } finally {
      for (const c of clients) c.socket.close();
    }
  });
});
