// Server API end to end: connection middleware (io.use, nsp.use with next() from another
// thread), dynamic namespaces (regex and predicate parents), handshake fields and socket data.
// Scenario server: tests/e2e/api_server/main.cpp.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  assertNotReceived,
  call,
  closeAll,
  connect,
  connectError,
  connectOn,
  manager,
  skipApi,
  startApi,
} from "./api-helpers.mjs";

describe("api: connection middleware", { skip: skipApi }, () => {
  let server;
  before(async () => {
    server = await startApi();
  });
  after(() => server?.stop());

  test("io.use refusal reaches the client as connect_error with message and data", async () => {
    const err = await connectError(server, "/", { auth: { token: "bad" } });
    assert.equal(err.message, "not authorized");
    assert.deepEqual(err.data, { reason: "bad token" });
  });

  test("the chain runs in order: a refusal by the second io.use has no data", async () => {
    const err = await connectError(server, "/", { auth: { token: "late" } });
    assert.equal(err.message, "refused by second middleware");
    assert.equal(err.data, undefined);
  });

  test("middleware sets socket data, visible to handlers", async () => {
    const a = await connect(server, "/", { auth: { user: "alice" } });
    const b = await connect(server, "/", { transports: ["websocket"] });
    try {
      assert.deepEqual(await call(a, "get-data"), { user: "alice", second: true });
      assert.deepEqual(await call(b, "get-data"), { user: "anonymous", second: true });
    } finally {
      closeAll(a, b);
    }
  });

  test("set_data replaces the data; the client may retry after a refusal", async () => {
    const mgr = await manager(server);
    const socket = mgr.socket("/", { auth: { token: "bad" } });
    try {
      const refused = new Promise((resolve) => socket.once("connect_error", resolve));
      socket.connect();
      assert.equal((await refused).message, "not authorized");
      socket.auth = { token: "good", user: "retry" };
      const connected = new Promise((resolve) => socket.once("connect", resolve));
      socket.connect();
      await connected;
      const t = { socket };
      assert.deepEqual(await call(t, "get-data"), { user: "retry", second: true });
      const value = { a: [1, 2, { b: null }], s: "x" };
      assert.equal(await call(t, "set-data", value), true);
      assert.deepEqual(await call(t, "get-data"), value);
    } finally {
      socket.disconnect();
      mgr.engine?.close();
    }
  });

  test("io.use applies to the main namespace only", async () => {
    // token "bad" would be refused on "/", but /admin has its own middleware only.
    const admin = await connect(server, "/admin", { auth: { token: "bad", admin: true } });
    try {
      assert.deepEqual(await admin.next("hello"), ["/admin"]);
    } finally {
      closeAll(admin);
    }
  });

  test("nsp.use whose next() is called later from another thread", async () => {
    const ok = await connect(server, "/admin", { auth: { admin: true } });
    try {
      assert.deepEqual(await ok.next("hello"), ["/admin"]);
      assert.deepEqual(await call(ok, "get-data"), { admin: true, via: "thread" });
      assert.deepEqual(await call(ok, "whoami"), { id: ok.socket.id, nsp: "/admin", rooms: [ok.socket.id] });
    } finally {
      closeAll(ok);
    }
    for (const auth of [{}, { admin: "true" }, { admin: false }]) {
      const err = await connectError(server, "/admin", { auth });
      assert.equal(err.message, "admin only", JSON.stringify(auth));
      assert.deepEqual(err.data, { reason: "auth.admin must be true" });
    }
  });

  test("a refused namespace does not disturb another one on the same connection", async () => {
    const mgr = await manager(server, { transports: ["websocket"] });
    let main;
    try {
      main = await connectOn(mgr, "/");
      const denied = mgr.socket("/admin", { auth: { admin: false } });
      const refused = new Promise((resolve) => denied.once("connect_error", resolve));
      denied.connect();
      assert.equal((await refused).message, "admin only");
      assert.deepEqual(await call(main, "echo", 1, "two"), 1);
      denied.auth = { admin: true };
      const connected = new Promise((resolve) => denied.once("connect", resolve));
      denied.connect();
      await connected;
      assert.deepEqual(await call({ socket: denied }, "get-data"), { admin: true, via: "thread" });
      denied.disconnect();
    } finally {
      closeAll(main);
      mgr.engine?.close();
    }
  });
});

describe("api: dynamic namespaces", { skip: skipApi }, () => {
  let server;
  before(async () => {
    server = await startApi();
  });
  after(() => server?.stop());

  test("regex parent: matching names connect and run the parent's connection handler", async () => {
    const a = await connect(server, "/dyn-42");
    const b = await connect(server, "/dyn-7", { transports: ["websocket"] });
    try {
      assert.deepEqual(await a.next("hello"), ["/dyn-42"]);
      assert.deepEqual(await b.next("hello"), ["/dyn-7"]);
      assert.equal((await call(a, "whoami")).nsp, "/dyn-42");
      assert.equal((await call(b, "whoami")).nsp, "/dyn-7");
    } finally {
      closeAll(a, b);
    }
  });

  test("regex parent: other names are an invalid namespace", async () => {
    for (const nsp of ["/dyn-x", "/dyn-", "/dyn-1a", "/xdyn-1"]) {
      const err = await connectError(server, nsp);
      assert.equal(err.message, "Invalid namespace", nsp);
    }
  });

  test("regex parent: its middleware applies to the children", async () => {
    const err = await connectError(server, "/dyn-9", { auth: { block: true } });
    assert.equal(err.message, "blocked by parent");
    assert.equal(err.data, undefined);
    // The child now exists; its parent's middleware still runs for it.
    const ok = await connect(server, "/dyn-9", { auth: { block: false } });
    try {
      assert.deepEqual(await ok.next("hello"), ["/dyn-9"]);
      const again = await connectError(server, "/dyn-9", { auth: { block: true } });
      assert.equal(again.message, "blocked by parent");
    } finally {
      closeAll(ok);
    }
  });

  test("predicate parent sees the name and the auth", async () => {
    const ok = await connect(server, "/pred-a", { auth: { ok: true } });
    try {
      assert.deepEqual(await ok.next("hello"), ["/pred-a"]);
      assert.equal((await call(ok, "whoami")).nsp, "/pred-a");
    } finally {
      closeAll(ok);
    }
    assert.equal((await connectError(server, "/pred-b", { auth: { ok: false } })).message, "Invalid namespace");
    assert.equal((await connectError(server, "/pred-c")).message, "Invalid namespace");
    assert.equal((await connectError(server, "/predx", { auth: { ok: true } })).message, "Invalid namespace");
  });

  test("several dynamic namespaces share one connection", async () => {
    const mgr = await manager(server);
    try {
      const main = await connectOn(mgr, "/");
      const dyn = await connectOn(mgr, "/dyn-100");
      const pred = await connectOn(mgr, "/pred-shared", { auth: { ok: true } });
      assert.deepEqual(await dyn.next("hello"), ["/dyn-100"]);
      assert.deepEqual(await pred.next("hello"), ["/pred-shared"]);
      const ids = [main.socket.id, dyn.socket.id, pred.socket.id];
      assert.equal(new Set(ids).size, 3, "each namespace has its own socket id");
      assert.equal((await call(main, "whoami")).nsp, "/");
      assert.equal((await call(dyn, "whoami")).nsp, "/dyn-100");
      assert.equal((await call(pred, "whoami")).nsp, "/pred-shared");
      closeAll(dyn, pred, main);
    } finally {
      mgr.engine?.close();
    }
  });

  test("an emit on a dynamic parent reaches its children (docs/PROTOCOL.md 3.2)", async () => {
    const trigger = await connect(server, "/");
    const d1 = await connect(server, "/dyn-201");
    const d2 = await connect(server, "/dyn-202", { transports: ["websocket"] });
    const p1 = await connect(server, "/pred-emit", { auth: { ok: true } });
    try {
      assert.equal(await call(trigger, "parent-emit", "regex", "from-parent", { n: 1 }), true);
      // Delivery is ordered: after an echo round trip the broadcast must already be there.
      for (const child of [d1, d2]) {
        assert.equal(await call(child, "echo", "marker"), "marker");
        assert.equal(child.pending("from-parent"), 1, `${child.socket.nsp} got the parent's emit`);
        assert.deepEqual(await child.next("from-parent"), [{ n: 1 }]);
      }
      await assertNotReceived(p1, "from-parent", "a child of the other parent");
      await assertNotReceived(trigger, "from-parent", "the main namespace");
      assert.equal(await call(trigger, "parent-emit", "pred", "from-parent", 2), true);
      assert.equal(await call(p1, "echo", "marker"), "marker");
      assert.equal(p1.pending("from-parent"), 1, "/pred-emit got the parent's emit");
      assert.deepEqual(await p1.next("from-parent"), [2]);
      await assertNotReceived(d1, "from-parent", "a child of the regex parent");
    } finally {
      closeAll(trigger, d1, d2, p1);
    }
  });
});

describe("api: handshake", { skip: skipApi }, () => {
  let server;
  before(async () => {
    server = await startApi();
  });
  after(() => server?.stop());

  for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
    test(`handshake fields (${transports.join("+")})`, async () => {
      const before = Date.now();
      const t = await connect(server, "/", {
        transports,
        query: { myparam: "v1", other: "a b" },
        extraHeaders: { "X-Test": "hdr" },
        auth: { user: "bob", n: 1, nested: { k: [1, 2] } },
      });
      try {
        const hs = await call(t, "handshake");
        assert.equal(hs.id, t.socket.id);
        assert.equal(hs.nsp, "/");
        assert.equal(hs.query.myparam, "v1");
        assert.equal(hs.query.other, "a b");
        assert.equal(hs.query.EIO, "4");
        assert.equal(hs.query.transport, transports[0]);
        assert.equal(hs.headers["x-test"], "hdr", "header names are lower case");
        assert.equal(hs.headers.host, `127.0.0.1:${server.port}`);
        assert.deepEqual(hs.auth, { user: "bob", n: 1, nested: { k: [1, 2] } });
        assert.equal(hs.address, "127.0.0.1");
        assert.ok(hs.url.startsWith("/socket.io/?"), `url ${hs.url}`);
        assert.match(hs.url, /[?&]myparam=v1(&|$)/);
        assert.match(hs.url, /[?&]EIO=4(&|$)/);
        assert.equal(hs.secure, false);
        assert.ok(hs.issued >= before - 2000 && hs.issued <= Date.now() + 2000, `issued ${hs.issued}`);
      } finally {
        closeAll(t);
      }
    });
  }

  test("each namespace of a connection has its own auth but the same request", async () => {
    const mgr = await manager(server, { query: { q: "shared" } });
    try {
      const main = await connectOn(mgr, "/", { auth: { user: "m" } });
      const dyn = await connectOn(mgr, "/dyn-300", { auth: { which: "dyn" } });
      const a = await call(main, "handshake");
      const b = await call(dyn, "handshake");
      assert.deepEqual(a.auth, { user: "m" });
      assert.deepEqual(b.auth, { which: "dyn" });
      assert.equal(a.query.q, "shared");
      assert.equal(b.query.q, "shared");
      assert.equal(a.url, b.url);
      assert.equal(a.issued, b.issued);
      assert.equal(b.nsp, "/dyn-300");
      closeAll(main, dyn);
    } finally {
      mgr.engine?.close();
    }
  });
});
