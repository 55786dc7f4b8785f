// The Origin check of WebSocket upgrades (cors_options::check_websocket_origin, an extension:
// Node's engine leaves it to allowRequest). With an origin allow-list (--cors-origin, or the
// predicate of --cors-origin-suffix), an upgrade whose Origin is not allowed gets 403 before
// any 101, on a new session and on the upgrade of a polling session alike (which carries on);
// an upgrade without Origin (not a browser) is allowed. Without an allow-list nothing changes.
// The predicate's polling side is checked here too (echoed when it accepts, absent otherwise).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  connectWs,
  eioUrl,
  handshake,
  isReference,
  poll,
  post,
  request,
  startServer,
  wsUrl,
} from "./helpers.mjs";
import { socketIoClient } from "./sio-helpers.mjs";

const skip = isReference ? "an extension of this server (Node's engine has no such check)" : false;

async function upgradeStatus(url, origin) {
  const r = await connectWs(url, { headers: origin === undefined ? {} : { Origin: origin } });
  if (r.ok) {
    await r.conn.close();
    return { status: 101 };
  }
  assert.ok(r.status !== undefined, `no HTTP answer: ${r.error?.message}`);
  return { status: r.status, body: r.body };
}

async function assertRefused(url, origin) {
  const r = await upgradeStatus(url, origin);
  assert.deepEqual(r, { status: 403, body: "Origin not allowed" }, `Origin ${origin}`);
}

async function assertUpgraded(url, origin) {
  assert.deepEqual(await upgradeStatus(url, origin), { status: 101 }, `Origin ${origin}`);
}

describe("WebSocket Origin with --cors-origin http://a.test", { skip }, () => {
  let server;
  before(async () => {
    server = await startServer(["--cors-origin", "http://a.test", "--ping-interval", "20000", "--ping-timeout", "20000"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("the listed origin and no Origin upgrade; any other gets 403", async () => {
    await assertUpgraded(wsUrl(server), "http://a.test");
    await assertUpgraded(wsUrl(server), undefined);
    for (const origin of ["http://evil.test", "https://a.test", "http://a.test.evil", "null"]) {
      await assertRefused(wsUrl(server), origin);
    }
  });

  it("a polling session's upgrade from another origin is refused and the session carries on", async () => {
    const { sid } = await handshake(server);
    await assertRefused(wsUrl(server, { sid }), "http://evil.test");
    assert.equal((await post(server, sid, "4still")).text, "ok");
    assert.equal((await poll(server, sid)).text, "4still");
    await assertUpgraded(wsUrl(server, { sid }), "http://a.test");
  });

  it("socket.io-client with another Origin cannot connect over WebSocket; without one it can", async () => {
    const { io } = await socketIoClient();
    const connect = (extraHeaders) => new Promise((resolve) => {
      const socket = io(server.base, {
        path: "/socket.io/", transports: ["websocket"], forceNew: true, reconnection: false, extraHeaders,
      });
      socket.once("connect", () => { socket.close(); resolve("connected"); });
      socket.once("connect_error", (err) => { socket.close(); resolve(`refused: ${err.message}`); });
    });
    assert.equal(await connect({ Origin: "http://evil.test" }), "refused: websocket error");
    assert.equal(await connect({ Origin: "http://a.test" }), "connected");
    assert.equal(await connect({}), "connected");
  });
});

describe("WebSocket Origin with a predicate (--cors-origin-suffix .good.test)", { skip }, () => {
  let server;
  before(async () => {
    server = await startServer(["--cors-origin-suffix", ".good.test"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("polling: an accepted Origin is echoed, another gets no Allow-Origin", async () => {
    const good = await request(eioUrl(server, { transport: "polling" }), { headers: { Origin: "http://x.good.test" } });
    assert.equal(good.status, 200);
    assert.equal(good.headers["access-control-allow-origin"], "http://x.good.test");
    assert.match(String(good.headers.vary), /origin/i);
    const bad = await request(eioUrl(server, { transport: "polling" }), { headers: { Origin: "http://good.test.evil" } });
    assert.equal(bad.status, 200);
    assert.equal(bad.headers["access-control-allow-origin"], undefined);
    const preflight = await request(eioUrl(server, { transport: "polling" }), {
      method: "OPTIONS",
      headers: { Origin: "http://y.good.test", "Access-Control-Request-Method": "POST" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers["access-control-allow-origin"], "http://y.good.test");
  });

  it("WebSocket: accepted and absent Origins upgrade, another gets 403", async () => {
    await assertUpgraded(wsUrl(server), "http://x.good.test");
    await assertUpgraded(wsUrl(server), undefined);
    await assertRefused(wsUrl(server), "http://good.test.evil");
    await assertRefused(`${wsUrl(server)}`.replace("/engine.io/", "/socket.io/"), "http://evil.test");
  });
});

describe("WebSocket Origin without an allow-list", { skip }, () => {
  for (const [name, args] of [["any origin (the fixture's default)", []], ["--no-cors", ["--no-cors"]]]) {
    describe(name, () => {
      let server;
      before(async () => {
        server = await startServer(args);
      });
      after(async () => {
        await server?.stop();
      });

      it("every Origin upgrades", async () => {
        await assertUpgraded(wsUrl(server), "http://evil.test");
        await assertUpgraded(wsUrl(server), undefined);
      });
    });
  }
});
