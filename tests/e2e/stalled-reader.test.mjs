// A client that stops reading: the session's bounded outbound queue (--max-queued-bytes)
// overflows, the session closes with "transport error", its connection is dropped after the
// close deadline, and other clients are not affected. Node's queue is unbounded, so the
// reference fixture is not expected to pass this (REFERENCE=1 skips it).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer,
  wsHandshake,
  expectSessionGone,
  withTimeout,
  isReference,
} from "./helpers.mjs";

const MESSAGE = `4${"x".repeat(16 * 1024)}`;
const MESSAGES = 2000; // 32 MiB of echoes: far beyond the socket buffers and the queue bound

describe("stalled reader", { skip: isReference && "Node's outbound queue is unbounded" }, () => {
  let server;
  before(async () => {
    server = await startServer(["--max-queued-bytes", "262144"]);
  });
  after(async () => {
    await server.stop();
  });

  it("closes only the stalled session, and drops its connection", { timeout: 60000 }, async () => {
    const stalled = await wsHandshake(server);
    stalled.conn.ws._socket.pause(); // read nothing from now on
    for (let i = 0; i < MESSAGES; i++) stalled.conn.send(MESSAGE);

    await expectSessionGone(server, stalled.sid, 20000);

    // Another client is served normally meanwhile.
    const other = await wsHandshake(server);
    other.conn.send("4still here");
    assert.equal(await other.conn.nextText(5000, "echo"), "4still here");
    await other.conn.close();

    // Reading again: what was written arrives, then the connection ends (close frame, or a
    // reset once the close deadline dropped it).
    stalled.conn.ws._socket.resume();
    const info = await withTimeout(stalled.conn.closed, 20000, "end of the stalled connection");
    // 1005: the server's close frame without a status (docs/PROTOCOL.md 1.11); 1006: dropped.
    assert.ok([1005, 1006].includes(info.code), `close code ${info.code}`);
  });
});
