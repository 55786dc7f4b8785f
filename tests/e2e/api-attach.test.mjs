// Serving connections the host accepted itself (socketio::serve_connection), the future-returning
// emit_with_ack, and server_side_emit_with_ack on a single node.
// Scenario server: tests/e2e/api_server/main.cpp.

import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { after, before, describe, test } from "node:test";
import { call, closeAll, connect, skipApi, startApi } from "./api-helpers.mjs";
import { withTimeout } from "./helpers.mjs";

const TRANSPORTS = [["polling"], ["websocket"], ["polling", "websocket"]];

describe("api: a host's own acceptor hands connections to the server", { skip: skipApi }, () => {
  let server;
  before(async () => {
    server = await startApi(["--own-acceptor", "1", "--threads", "2"]);
  });
  after(() => server?.stop());

  for (const transports of TRANSPORTS) {
    test(`connect and echo with an ack (${transports})`, async () => {
      const t = await connect(server, "/", { transports });
      try {
        const payload = { n: 1, bin: Buffer.from([1, 2, 3]), list: ["a", { b: null }] };
        const res = await call(t, "echo", payload);
        assert.deepEqual(res, payload);
        if (transports.length === 2) {
          // The upgrade goes through the same handed-over path (a second request, a 101).
          if (t.socket.io.engine.transport.name !== "websocket") {
            await withTimeout(
              new Promise((resolve) => t.socket.io.engine.once("upgrade", resolve)), 5000, "upgrade");
          }
          assert.equal(t.socket.io.engine.transport.name, "websocket");
          assert.deepEqual(await call(t, "echo", "after upgrade"), "after upgrade");
        }
      } finally {
        closeAll(t);
      }
    });
  }

  test("other paths get 404 on a handed-over connection", async () => {
    const res = await fetch(`${server.base}/not-socket-io/`);
    assert.equal(res.status, 404);
  });
});

describe("api: emit_with_ack as a future, server_side_emit_with_ack", { skip: skipApi }, () => {
  let server;
  before(async () => {
    server = await startApi();
  });
  after(() => server?.stop());

  test("the future holds the client's ack arguments", async () => {
    const t = await connect(server, "/", { transports: ["websocket"] });
    try {
      t.socket.on("question", (q, cb) => cb("yes", q));
      const res = await call(t, "ask-future", 2000, { q: 1 });
      assert.deepEqual(res, { error: null, answer: ["yes", { q: 1 }] });
    } finally {
      closeAll(t);
    }
  });

  test("the future throws ack_timeout when the client never answers", async () => {
    const t = await connect(server, "/", { transports: ["polling"] });
    try {
      t.socket.on("question", () => {});  // never acks
      const t0 = performance.now();
      const res = await call(t, "ask-future", 300, "q");
      const elapsed = performance.now() - t0;
      assert.deepEqual(res, { error: "operation has timed out", answer: null });
      assert.ok(elapsed >= 250, `timed out after ${elapsed.toFixed(0)} ms, before 300 ms`);
    } finally {
      closeAll(t);
    }
  });

  test("server_side_emit_with_ack on one node: no other node, so no responses, long before the timeout; this node's handlers do not run", async () => {
    const t = await connect(server, "/");
    try {
      const TIMEOUT_MS = 4000;
      const t0 = performance.now();
      const res = await call(t, "server-side-ack", "sse-probe", TIMEOUT_MS);
      const elapsed = performance.now() - t0;
      assert.deepEqual(res, { error: null, responses: [], local_runs: 0 });
      assert.ok(elapsed < TIMEOUT_MS / 2,
        `answered after ${elapsed.toFixed(0)} ms: it must not wait for the ${TIMEOUT_MS} ms timeout`);
      // A second call reads the counter after the first emit had every chance to run a handler.
      assert.deepEqual(await call(t, "server-side-ack", "sse-probe", 1000),
        { error: null, responses: [], local_runs: 0 });
    } finally {
      closeAll(t);
    }
  });

  test("server_side_emit_with_ack refuses the reserved names (std::invalid_argument)", async () => {
    const t = await connect(server, "/");
    try {
      for (const name of ["connect", "connection", "new_namespace"]) {
        assert.deepEqual(await call(t, "server-side-ack", name, 1000),
          { error: `"${name}" is a reserved event name`, type: "invalid_argument" }, name);
      }
      assert.equal(await call(t, "echo", "alive"), "alive");
    } finally {
      closeAll(t);
    }
  });
});
