// The request-header timeout: a client that never finishes its request head is disconnected.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, rawConnect, withTimeout } from "./helpers.mjs";

describe("request-header timeout", () => {
  let server;
  before(async () => {
    server = await startServer(["--request-timeout", "400"]);
  });
  after(async () => {
    await server.stop();
  });

  it("closes a connection whose request head never completes", async () => {
    const conn = await rawConnect(server.port);
    const t0 = performance.now();
    await conn.write("GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    await withTimeout(conn.ended, 3000, "connection close after the header timeout");
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= 350, `closed after ${elapsed.toFixed(0)} ms, before the 400 ms timeout`);
    // No handshake was answered for the incomplete request.
    assert.ok(!conn.received().toString("latin1").includes("200 OK"));
  });

  it("serves a complete request on the same kind of connection", async () => {
    const conn = await rawConnect(server.port);
    await conn.write(
      "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    const bytes = await withTimeout(conn.ended, 3000, "response");
    assert.match(bytes.toString("latin1"), /^HTTP\/1\.1 200 OK\r\n/);
  });
});
