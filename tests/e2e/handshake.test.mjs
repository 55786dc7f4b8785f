// Engine.IO v4 handshake on both transports: the OPEN packet, its exact
// shape and values, and the handshake response headers.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  SID_RE,
  assertError,
  eioUrl,
  handshake,
  openWs,
  parseOpen,
  poll,
  post,
  request,
  startServer,
  wsHandshake,
  wsUrl,
} from "./helpers.mjs";

describe("handshake with default flags", () => {
  let server;
  before(async () => {
    server = await startServer([]);
  });
  after(async () => {
    await server?.stop();
  });

  it("polling handshake answers 200 text/plain with exactly 0 + the OPEN JSON", async () => {
    const res = await request(eioUrl(server, { transport: "polling" }));
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "text/plain; charset=UTF-8");
    assert.equal(res.headers["content-length"], String(Buffer.byteLength(res.text)));
    assert.equal(res.headers["cache-control"], "no-store");
    const open = parseOpen(res.text, {
      upgrades: ["websocket"],
      pingInterval: 300,
      pingTimeout: 200,
      maxPayload: 1000000,
    });
    assert.match(open.sid, SID_RE);
    // The exact serialisation, key order included.
    assert.equal(
      res.text,
      `0{"sid":"${open.sid}","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}`,
    );
  });

  it("gives every session a distinct 20-character URL-safe sid", async () => {
    const sids = new Set();
    for (let i = 0; i < 25; i++) {
      const { sid } = await handshake(server);
      assert.match(sid, SID_RE);
      sids.add(sid);
    }
    assert.equal(sids.size, 25);
  });

  it("ignores the t cache-buster and user query parameters", async () => {
    const { sid } = await handshake(server, { upgrades: ["websocket"] }, { t: "Nx1a2b3", token: "abc", "x-y": "z" });
    const res = await post(server, sid, "4after-extra-params");
    assert.equal(res.status, 200);
    assert.equal(res.text, "ok");
    const got = await poll(server, sid);
    assert.equal(got.text, "4after-extra-params");
  });

  it("WebSocket-only handshake sends 0{...} with upgrades [] as the first frame", async () => {
    const { conn, open } = await wsHandshake(server, {
      upgrades: [],
      pingInterval: 300,
      pingTimeout: 200,
      maxPayload: 1000000,
    });
    try {
      assert.match(open.sid, SID_RE);
      conn.send("4first");
      assert.equal(await conn.nextText(2000, "echo"), "4first");
    } finally {
      await conn.close();
    }
  });

  it("a WebSocket-only session is a new session, distinct from polling ones", async () => {
    const a = await handshake(server);
    const b = await wsHandshake(server);
    try {
      assert.notEqual(a.sid, b.sid);
      // The WebSocket session is known to the server: polling on it is a
      // transport mismatch (code 3), not an unknown sid (code 1).
      assertError(await poll(server, b.sid), 400, 3, "Bad request");
    } finally {
      await b.conn.close();
    }
  });
});

describe("handshake values follow the flags", () => {
  let server;
  before(async () => {
    server = await startServer(["--ping-interval", "1234", "--ping-timeout", "567", "--max-payload", "4321"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("polling OPEN carries pingInterval, pingTimeout and maxPayload from the flags", async () => {
    const { res } = await handshake(server, {
      upgrades: ["websocket"],
      pingInterval: 1234,
      pingTimeout: 567,
      maxPayload: 4321,
    });
    assert.equal(res.headers["content-type"], "text/plain; charset=UTF-8");
  });

  it("WebSocket OPEN carries the same values", async () => {
    const { conn } = await wsHandshake(server, {
      upgrades: [],
      pingInterval: 1234,
      pingTimeout: 567,
      maxPayload: 4321,
    });
    await conn.close();
  });
});

describe("handshake with --no-upgrades", () => {
  let server;
  before(async () => {
    server = await startServer(["--no-upgrades"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("advertises upgrades []", async () => {
    await handshake(server, { upgrades: [] });
  });
});

describe("handshake with --transports polling", () => {
  let server;
  before(async () => {
    server = await startServer(["--transports", "polling"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("advertises no upgrade when websocket is not enabled", async () => {
    await handshake(server, { upgrades: [] });
  });
});

describe("handshake with --transports websocket", () => {
  let server;
  before(async () => {
    server = await startServer(["--transports", "websocket"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("accepts a WebSocket-only session", async () => {
    const { conn } = await wsHandshake(server, { upgrades: [] });
    conn.send("4ws-only");
    assert.equal(await conn.nextText(2000, "echo"), "4ws-only");
    await conn.close();
  });

  it("refuses a polling handshake with 400 code 0", async () => {
    assertError(await request(eioUrl(server, { transport: "polling" })), 400, 0, "Transport unknown");
  });
});

describe("--initial-header", () => {
  let server;
  before(async () => {
    server = await startServer(["--initial-header", "X-Fixture-Initial: hello-42"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("is present on the polling handshake response only", async () => {
    const { sid, res } = await handshake(server);
    assert.equal(res.headers["x-fixture-initial"], "hello-42");
    const posted = await post(server, sid, "4x");
    assert.equal(posted.headers["x-fixture-initial"], undefined);
    const polled = await poll(server, sid);
    assert.equal(polled.text, "4x");
    assert.equal(polled.headers["x-fixture-initial"], undefined);
  });

  it("is present on the 101 of a WebSocket-only handshake", async () => {
    const conn = await openWs(wsUrl(server));
    try {
      assert.equal(conn.headers["x-fixture-initial"], "hello-42");
      parseOpen(await conn.nextText(2000, "OPEN packet"), { upgrades: [] });
    } finally {
      await conn.close();
    }
  });
});
