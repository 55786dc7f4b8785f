// A user-written adapter plugged in from the installed public headers alone
// (custom_adapter_server.cpp, built by this consumer project against `cmake --install`):
// the broadcast flags, server-side emits and socket utilities reach it as set, and it decides
// what is delivered. Run by scripts/test.sh after the consumer build:
//   CUSTOM_ADAPTER_SERVER=build/consumer/custom_adapter_server node --test custom-adapter.test.mjs
// socket.io-client comes from ../e2e/node_modules (`npm ci` there).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import process from "node:process";
import { after, before, describe, test } from "node:test";

const require = createRequire(new URL("../e2e/package.json", import.meta.url));
const { io } = require("socket.io-client");

const WAIT_MS = 5000;

/** Starts the server; resolves to { port, stop() } once it printed `listening <port>`. */
function startServer(command) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, ["--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("the server printed no `listening <port>` within 10 s"));
    }, 10000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited early (${code})`));
    });
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /^listening (\d+)\n/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      const exited = new Promise((res) => child.once("exit", (code, signal) => res({ code, signal })));
      resolve({
        port: Number(m[1]),
        async stop() {
          child.kill("SIGTERM");
          let t;
          const result = await Promise.race([
            exited,
            new Promise((res) => {
              t = setTimeout(() => res(null), 10000);
            }),
          ]);
          clearTimeout(t);
          if (result === null) {
            child.kill("SIGKILL");
            assert.fail("the server did not exit within 10 s of SIGTERM");
          }
          assert.equal(result.code, 0, `exit status (signal ${result.signal})`);
        },
      });
    });
  });
}

/** A connected client; events of interest are queued per name. */
async function client(port, transports = ["websocket"]) {
  const socket = io(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false, transports });
  const queues = new Map();
  const waiters = new Map();
  socket.onAny((event, ...args) => {
    const w = waiters.get(event)?.shift();
    if (w) w(args);
    else (queues.get(event) ?? queues.set(event, []).get(event)).push(args);
  });
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no connect")), WAIT_MS);
    socket.once("connect", () => {
      clearTimeout(t);
      resolve();
    });
    socket.once("connect_error", (err) => {
      clearTimeout(t);
      reject(err);
    });
  });
  return {
    socket,
    call: async (event, ...args) => (await socket.timeout(WAIT_MS).emitWithAck(event, ...args)),
    next(event, ms = WAIT_MS) {
      const q = queues.get(event);
      if (q?.length) return Promise.resolve(q.shift());
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no "${event}" within ${ms} ms`)), ms);
        const list = waiters.get(event) ?? waiters.set(event, []).get(event);
        list.push((args) => {
          clearTimeout(t);
          resolve(args);
        });
      });
    },
    pending: (event) => queues.get(event)?.length ?? 0,
    close: () => socket.disconnect(),
  };
}

const command = process.env.CUSTOM_ADAPTER_SERVER;

describe("a user-written adapter from the installed headers", { skip: !command && "CUSTOM_ADAPTER_SERVER is not set" }, () => {
  let server;
  const clients = [];
  before(async () => {
    server = await startServer(command);
  });
  after(async () => {
    for (const c of clients) c.close();
    await server?.stop();
  });

  async function connect(transports) {
    const c = await client(server.port, transports);
    clients.push(c);
    return c;
  }

  test("the factory made the main namespace's adapter", async () => {
    const c = await connect();
    const report = await c.call("report");
    assert.ok(report.namespaces.includes("/"), JSON.stringify(report.namespaces));
  });

  test("local(), compress(false) and volatile_() reach the adapter as set", async () => {
    const c = await connect();
    await c.call("report");
    await c.call("bcast", { event: "plain", data: 0 });
    await c.call("bcast", { event: "flags", data: 1, local: true, compress: false, volatile: true });
    await c.call("bcast", { event: "local-only", data: 2, local: true });
    await c.call("bcast", { event: "no-compress", data: 3, compress: false });
    await c.call("bcast", { event: "volatile-only", data: 4, volatile: true });
    await c.call("bcast", { event: "roomed", data: 5, to: ["r1", "r2"], except: ["x"] });
    const { broadcasts } = await c.call("report");
    const flags = (b) => ({ event: b.event, local: b.local, compress: b.compress, volatile: b.volatile });
    assert.deepEqual(broadcasts.map(flags), [
      { event: "plain", local: false, compress: true, volatile: false },
      { event: "flags", local: true, compress: false, volatile: true },
      { event: "local-only", local: true, compress: true, volatile: false },
      { event: "no-compress", local: false, compress: false, volatile: false },
      { event: "volatile-only", local: false, compress: true, volatile: true },
      { event: "roomed", local: false, compress: true, volatile: false },
    ]);
    assert.deepEqual(broadcasts[5].rooms, ["r1", "r2"]);
    assert.deepEqual(broadcasts[5].except, ["x"]);
    // The plain broadcasts were delivered by the adapter's base (the in-memory one).
    assert.deepEqual(await c.next("plain"), [0]);
    assert.deepEqual(await c.next("flags"), [1]);
  });

  test("broadcasts go through the adapter: it drops one and tags another", async () => {
    const a = await connect(["polling"]);
    const b = await connect(["websocket"]);
    await a.call("bcast", { event: "drop-me", data: "d" });
    await a.call("bcast", { event: "tag-me", data: "t" });
    for (const c of [a, b]) {
      assert.deepEqual(await c.next("tag-me"), ["t", "tagged-by-adapter"]);
      assert.equal(c.pending("drop-me"), 0, "the dropped broadcast is not delivered");
    }
    // Delivery is ordered: "drop-me" was broadcast before "tag-me", so it would have arrived.
    const { broadcasts } = await a.call("report");
    assert.deepEqual(broadcasts.map((x) => x.event).slice(-2), ["drop-me", "tag-me"]);
  });

  test("server_side_emit reaches adapter::server_side_emit", async () => {
    const c = await connect();
    await c.call("report");
    assert.equal(await c.call("sse", "hello-nodes", { n: 1 }), true);
    const { server_side } = await c.call("report");
    assert.deepEqual(server_side, [["hello-nodes", { n: 1 }]]);
  });

  test("sockets_join, sockets_leave, fetch_sockets and disconnect_sockets go through the adapter", async () => {
    const a = await connect();
    const b = await connect(["polling"]);
    const room = `room-${process.pid}`;
    await a.call("join", room);
    await a.call("report");
    assert.equal(await a.call("sockets-join", room, ["joined-1", "joined-2"]), true);
    assert.deepEqual(await a.call("rooms"), [a.socket.id, "joined-1", "joined-2", room].sort());
    assert.deepEqual(await b.call("rooms"), [b.socket.id]);
    assert.deepEqual(await b.call("fetch", "joined-1"), [a.socket.id]);
    assert.equal(await a.call("sockets-leave", room, ["joined-2"]), true);
    assert.deepEqual(await a.call("rooms"), [a.socket.id, "joined-1", room].sort());
    let report = await a.call("report");
    assert.deepEqual(report.joins, [{ rooms: [room], except: [], add: ["joined-1", "joined-2"] }]);
    assert.deepEqual(report.leaves, [{ rooms: [room], except: [], remove: ["joined-2"] }]);
    assert.deepEqual(report.fetches, [{ rooms: ["joined-1"], except: [] }]);

    const gone = new Promise((resolve) => a.socket.once("disconnect", resolve));
    assert.equal(await b.call("disconnect-sockets", "joined-1"), true);
    assert.equal(await gone, "io server disconnect");
    report = await b.call("report");
    assert.deepEqual(report.disconnects, [{ rooms: ["joined-1"], except: [], close: false }]);
  });
});
