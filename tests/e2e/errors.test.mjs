// Request validation: each Engine.IO error with its exact status code and
// JSON body, and the HTTP 400 that refuses a bad WebSocket upgrade.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  assertError,
  connectWs,
  eioUrl,
  handshake,
  poll,
  post,
  request,
  startServer,
  withTimeout,
  wsUrl,
} from "./helpers.mjs";

/** Asserts that a WebSocket upgrade was refused with HTTP 400 (never 101). */
async function assertUpgradeRefused(url) {
  const r = await connectWs(url);
  if (r.ok) {
    await r.conn.terminate();
    assert.fail(`upgrade to ${url} was accepted with 101`);
  }
  assert.equal(r.status, 400, `upgrade refusal status (${r.error ? r.error.message : r.body})`);
  return r;
}

describe("error responses", () => {
  let server;
  before(async () => {
    server = await startServer([
      "--ping-interval", "10000", "--ping-timeout", "10000", "--deny-param", "deny", "--no-cors",
    ]);
  });
  after(async () => {
    await server?.stop();
  });

  describe("code 0 Transport unknown", () => {
    it("missing transport", async () => {
      assertError(await request(`${server.url}?EIO=4`), 400, 0, "Transport unknown");
    });
    it("unknown transport", async () => {
      assertError(await request(eioUrl(server, { transport: "foo" })), 400, 0, "Transport unknown");
    });
    it("webtransport over HTTP", async () => {
      assertError(await request(eioUrl(server, { transport: "webtransport" })), 400, 0, "Transport unknown");
    });
    it("is checked before the sid", async () => {
      assertError(await request(eioUrl(server, { transport: "foo", sid: "nope" })), 400, 0, "Transport unknown");
    });
    it("is checked before the method", async () => {
      assertError(await request(eioUrl(server, { transport: "foo" }), { method: "POST", body: "4x" }),
        400, 0, "Transport unknown");
    });
    it("unknown transport on a WebSocket upgrade gets HTTP 400", async () => {
      await assertUpgradeRefused(wsUrl(server).replace("transport=websocket", "transport=foo"));
    });
  });

  describe("code 1 Session ID unknown", () => {
    it("GET with an unknown sid", async () => {
      assertError(await poll(server, "AAAAAAAAAAAAAAAAAAAA"), 400, 1, "Session ID unknown");
    });
    it("POST with an unknown sid", async () => {
      assertError(await post(server, "AAAAAAAAAAAAAAAAAAAA", "4hello"), 400, 1, "Session ID unknown");
    });
    it("WebSocket upgrade with an unknown sid gets HTTP 400, not 101", async () => {
      await assertUpgradeRefused(wsUrl(server, { sid: "AAAAAAAAAAAAAAAAAAAA" }));
    });
  });

  describe("code 2 Bad handshake method", () => {
    it("POST without sid", async () => {
      assertError(await request(eioUrl(server, { transport: "polling" }), { method: "POST", body: "4hello" }),
        400, 2, "Bad handshake method");
    });
    it("PUT without sid", async () => {
      assertError(await request(eioUrl(server, { transport: "polling" }), { method: "PUT", body: "x" }),
        400, 2, "Bad handshake method");
    });
    it("OPTIONS without sid when CORS is off", async () => {
      assertError(await request(eioUrl(server, { transport: "polling" }), { method: "OPTIONS" }),
        400, 2, "Bad handshake method");
    });
  });

  describe("code 3 Bad request", () => {
    it("plain GET with transport=websocket and no sid", async () => {
      assertError(await request(eioUrl(server, { transport: "websocket" })), 400, 3, "Bad request");
    });
    it("existing sid with a different EIO revision", async () => {
      const { sid } = await handshake(server);
      assertError(await request(eioUrl(server, { EIO: "3", transport: "polling", sid })), 400, 3, "Bad request");
      // The session itself is still usable.
      const res = await post(server, sid, "4still-alive");
      assert.equal(res.text, "ok");
      assert.equal((await poll(server, sid)).text, "4still-alive");
    });
  });

  describe("code 4 allowRequest refusal", () => {
    it("polling handshake refused with 403 and the hook's message", async () => {
      const res = await request(eioUrl(server, { transport: "polling", deny: "1" }));
      assertError(res, 403, 4, "denied");
      assert.equal(res.text, '{"code":4,"message":"denied"}');
    });
    it("WebSocket handshake refused with HTTP 400, not 101", async () => {
      await assertUpgradeRefused(wsUrl(server, { deny: "1" }));
    });
    it("requests without the parameter are accepted", async () => {
      await handshake(server, { upgrades: ["websocket"] }, { allow: "1" });
    });
  });

  describe("code 5 Unsupported protocol version", () => {
    for (const eio of ["3", "5", "abc", ""]) {
      it(`handshake with EIO=${JSON.stringify(eio)}`, async () => {
        assertError(await request(eioUrl(server, { EIO: eio, transport: "polling" })),
          400, 5, "Unsupported protocol version");
      });
    }
    it("handshake without EIO", async () => {
      assertError(await request(`${server.url}?transport=polling`), 400, 5, "Unsupported protocol version");
    });
    it("WebSocket handshake with EIO=3 never yields an OPEN packet", async () => {
      // Refusing before the 101 is expected; the reference completes the
      // 101 and then writes an HTTP 400 into the stream (docs/PROTOCOL.md 1.5
      // case 9). Either way no Engine.IO session may start.
      const r = await connectWs(wsUrl(server, { EIO: "3" }));
      if (!r.ok) {
        // A refusal is an HTTP 400 answer, not a dropped connection.
        assert.equal(r.status, 400, `refusal status (${r.error ? r.error.message : r.body})`);
        return;
      }
      const received = [];
      r.conn.ws.on("message", (data) => received.push(data.toString()));
      await withTimeout(r.conn.closed, 3000, "the server to drop the EIO=3 WebSocket");
      assert.ok(!received.some((m) => m.startsWith("0")), `unexpected OPEN: ${received}`);
    });
  });

  it("error responses are application/json", async () => {
    const res = await request(eioUrl(server, { transport: "polling", sid: "unknown-sid" }));
    assert.equal(res.status, 400);
    assert.match(res.headers["content-type"], /^application\/json/);
  });
});

describe("transport not enabled", () => {
  let pollingOnly;
  let wsOnly;
  before(async () => {
    pollingOnly = await startServer(["--transports", "polling"]);
    wsOnly = await startServer(["--transports", "websocket"]);
  });
  after(async () => {
    await pollingOnly?.stop();
    await wsOnly?.stop();
  });

  it("polling handshake on a websocket-only server: 400 code 0", async () => {
    assertError(await request(eioUrl(wsOnly, { transport: "polling" })), 400, 0, "Transport unknown");
  });

  it("WebSocket handshake on a polling-only server: HTTP 400", async () => {
    await assertUpgradeRefused(wsUrl(pollingOnly));
  });

  it("WebSocket upgrade of a session on a polling-only server: HTTP 400", async () => {
    const { sid } = await handshake(pollingOnly, { upgrades: [] });
    await assertUpgradeRefused(wsUrl(pollingOnly, { sid }));
    // The polling session is not affected.
    assert.equal((await post(pollingOnly, sid, "4still")).text, "ok");
    assert.equal((await poll(pollingOnly, sid)).text, "4still");
  });
});
