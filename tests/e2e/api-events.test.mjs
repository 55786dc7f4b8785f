// Server API end to end: server->client acks, on_any / prepend_any / off_any,
// on_any_outgoing, once / off, per-packet middleware, throwing handlers, reserved names.
// Scenario server: tests/e2e/api_server/main.cpp.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  assertNotReceived,
  call,
  closeAll,
  connect,
  skipApi,
  startApi,
} from "./api-helpers.mjs";

const TRANSPORTS = [["polling"], ["websocket"]];

describe("api: server to client acks", { skip: skipApi }, () => {
  let server;
  before(async () => {
    server = await startApi();
  });
  after(() => server?.stop());

  for (const transports of TRANSPORTS) {
    test(`emit_with_ack gets the client's answer (${transports})`, async () => {
      const t = await connect(server, "/", { transports });
      try {
        t.socket.on("question", (q, cb) => cb(`answer to ${q.what}`, 42, { q }));
        const res = await call(t, "ask", 2000, { what: "life" });
        assert.deepEqual(res, { error: null, answer: ["answer to life", 42, { q: { what: "life" } }] });
      } finally {
        closeAll(t);
      }
    });

    test(`emit_with_ack times out with "operation has timed out" (${transports})`, async () => {
      const t = await connect(server, "/", { transports });
      try {
        let asked = 0;
        t.socket.on("question", () => {
          asked++; // never answers
        });
        const res = await call(t, "ask", 150, "silent");
        assert.deepEqual(res, { error: "operation has timed out", answer: [] });
        assert.equal(asked, 1);
        // A late answer to a timed-out question is ignored; the socket keeps working.
        t.socket.off("question");
        t.socket.on("question", (q, cb) => cb("late-ok"));
        assert.deepEqual(await call(t, "ask", 2000, "again"), { error: null, answer: ["late-ok"] });
      } finally {
        closeAll(t);
      }
    });
  }

  test("concurrent acks are matched to their own questions", async () => {
    const t = await connect(server, "/", { transports: ["websocket"] });
    try {
      t.socket.on("question", (q, cb) => setTimeout(() => cb(q * 2), (10 - q) * 5));
      const replies = await Promise.all(
        Array.from({ length: 10 }, (_, i) => call(t, "ask", 3000, i)));
      assert.deepEqual(replies, Array.from({ length: 10 }, (_, i) => ({ error: null, answer: [i * 2] })));
    } finally {
      closeAll(t);
    }
  });
});

describe("api: listeners", { skip: skipApi }, () => {
  let server;
  before(async () => {
    server = await startApi();
  });
  after(() => server?.stop());

  test("prepend_any runs before on_any, both before the event handler", async () => {
    const t = await connect(server);
    try {
      assert.deepEqual(await call(t, "log"), []);
      t.socket.emit("t-on");
      t.socket.emit("t-other", 1, 2);
      assert.deepEqual(await call(t, "log"), [
        "pre:t-on", "any:t-on", "on:t-on",
        "pre:t-other", "any:t-other",
      ]);
    } finally {
      closeAll(t);
    }
  });

  test("once runs a single time; off removes a handler", async () => {
    const t = await connect(server, "/", { transports: ["websocket"] });
    try {
      await call(t, "log");
      t.socket.emit("t-once");
      t.socket.emit("t-once");
      t.socket.emit("t-on");
      assert.equal(await call(t, "off", "t-on"), true);
      t.socket.emit("t-on");
      assert.deepEqual(await call(t, "log"), [
        "pre:t-once", "any:t-once", "once:t-once",
        "pre:t-once", "any:t-once",
        "pre:t-on", "any:t-on", "on:t-on",
        "pre:off", "any:off",
        "pre:t-on", "any:t-on",
      ]);
    } finally {
      closeAll(t);
    }
  });

  test("off_any removes the catch-all listeners only", async () => {
    const t = await connect(server);
    try {
      await call(t, "log");
      assert.equal(await call(t, "off-any"), true);
      t.socket.emit("t-on");
      t.socket.emit("t-other");
      assert.deepEqual(await call(t, "log"), ["pre:off-any", "any:off-any", "on:t-on"]);
    } finally {
      closeAll(t);
    }
  });

  test("on_any_outgoing sees socket.emit, not broadcasts or acks", async () => {
    const t = await connect(server);
    try {
      await call(t, "log");
      assert.equal(await call(t, "emit-back", "t-out", { v: 5 }), true);
      assert.deepEqual(await t.next("t-out"), [{ v: 5 }]);
      // A broadcast to the socket's own room is not an outgoing emit of the socket.
      assert.equal(await call(t, "bcast", { to: [t.socket.id], event: "t-room", data: 1 }), true);
      assert.deepEqual(await t.next("t-room"), [1]);
      assert.deepEqual(await call(t, "log"), [
        "pre:emit-back", "any:emit-back", "out:t-out",
        "pre:bcast", "any:bcast",
      ]);
    } finally {
      closeAll(t);
    }
  });
});

describe("api: per-packet middleware and failures", { skip: skipApi }, () => {
  let server;
  before(async () => {
    server = await startApi();
  });
  after(() => server?.stop());

  for (const transports of TRANSPORTS) {
    test(`a rejected event reaches on_error only; later events still work (${transports})`, async () => {
      const t = await connect(server, "/", { transports });
      try {
        await call(t, "log");
        t.socket.emit("forbidden", "payload");
        const log = await call(t, "log");
        assert.ok(log.includes("error:forbidden event"), `log ${JSON.stringify(log)}`);
        assert.ok(!log.includes("on:forbidden"), `log ${JSON.stringify(log)}`);
        await assertNotReceived(t, "forbidden-ran", "the handler of a rejected event");
        assert.equal(t.pending("error"), 0, "nothing is sent to the client");
        assert.ok(t.socket.connected);
        assert.deepEqual(await call(t, "echo", "still", "works"), "still");
        await call(t, "log");
        t.socket.emit("t-on");
        assert.deepEqual(await call(t, "log"), ["pre:t-on", "any:t-on", "on:t-on"]);
      } finally {
        closeAll(t);
      }
    });
  }

  test("a rejected event still reaches on_any, which runs before socket.use (Node onevent)", async () => {
    const t = await connect(server);
    try {
      await call(t, "log");
      t.socket.emit("forbidden");
      assert.deepEqual(await call(t, "log"), ["pre:forbidden", "any:forbidden", "error:forbidden event"]);
    } finally {
      closeAll(t);
    }
  });

  test("middleware may change the arguments and call next() from another thread", async () => {
    const t = await connect(server, "/", { transports: ["websocket"] });
    try {
      const reply = await new Promise((resolve) => t.socket.emit("mutate", "a", { b: 1 }, (...r) => resolve(r)));
      assert.deepEqual(reply, ["a", { b: 1 }, "added-by-middleware"]);
      // Acks of events held by the asynchronous middleware go to their own callers.
      const order = await Promise.all([
        call(t, "mutate", 1),
        call(t, "echo", 2),
        call(t, "mutate", 3),
      ]);
      assert.deepEqual(order, [1, 2, 3]);
    } finally {
      closeAll(t);
    }
  });

  for (const transports of TRANSPORTS) {
    test(`a handler that throws does not break the socket or the server (${transports})`, async () => {
      const t = await connect(server, "/", { transports });
      try {
        t.socket.emit("throw");
        t.socket.emit("throw", 1);
        assert.equal(await call(t, "echo", "after"), "after");
        assert.ok(t.socket.connected);
        const other = await connect(server);
        assert.equal(await call(other, "echo", "fresh"), "fresh");
        closeAll(other);
      } finally {
        closeAll(t);
      }
    });
  }

  const RESERVED = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];
  test("emitting a reserved name throws std::invalid_argument (socket, io, room)", async () => {
    const t = await connect(server);
    try {
      for (const name of RESERVED) {
        for (const via of ["socket", "io", "room"]) {
          assert.deepEqual(await call(t, "emit-reserved", name, via),
            { error: `"${name}" is a reserved event name`, type: "invalid_argument" }, `${name} via ${via}`);
        }
      }
      await assertNotReceived(t, "disconnect", "a reserved event");
      assert.ok(t.socket.connected);
    } finally {
      closeAll(t);
    }
  });

  test("names that are not reserved are emitted", async () => {
    const t = await connect(server);
    try {
      for (const name of ["connection", "error", "message", "disconnected"]) {
        assert.deepEqual(await call(t, "emit-reserved", name, "socket"), { error: null }, name);
        assert.deepEqual(await t.next(name), [1], name);
      }
    } finally {
      closeAll(t);
    }
  });
});
