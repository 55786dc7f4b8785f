// Admission control (engine_options::admission): the session cap, the handshake rates (global
// and per client address) and the refusal hook, through the fixture's --max-connections,
// --handshake-rate, --handshake-rate-per-address, --refuse-address and --refuse-header
// (docs/FIXTURE.md extensions; the Node reference has none of them, so this file runs against
// the C++ fixture only). Refusals are checked on the wire: polling handshakes get the status
// and the Engine.IO JSON error, WebSocket handshakes get the same status instead of the 101,
// and the admission counters show that no session was made for them.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import WebSocket from "ws";

import { eventually, isReference, quietly } from "./helpers.mjs";
import { emitAck, sioClient, startSio } from "./sio-helpers.mjs";

const skip = isReference ? "the Node reference has no admission limits" : false;

/** One GET on a fresh connection; resolves to { status, headers, json }. */
function get(url, { localAddress, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, localAddress, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.once("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json = null;
        try {
          json = JSON.parse(text.slice(text.startsWith("0{") ? 1 : 0));
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.once("error", reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${url}: no response`)));
    req.once("error", reject);
  });
}

/**
 * Tries a WebSocket handshake; resolves to { opened: true } after a 101 (and closes it), or to
 * { opened: false, status, headers, json } when the server answered with another status.
 */
function tryWs(url, { localAddress, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress, headers, perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`WebSocket ${url}: no answer`));
    }, 5000);
    ws.once("open", () => {
      clearTimeout(timer);
      ws.terminate();
      resolve({ opened: true });
    });
    ws.once("unexpected-response", (req, res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.once("end", () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ opened: false, status: res.statusCode, headers: res.headers, json: JSON.parse(text) });
        req.destroy();
      });
    });
    ws.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

const pollingHandshake = (base, path = "/socket.io/") =>
  `${base}${path}?EIO=4&transport=polling`;
const wsHandshakeUrl = (base, path = "/socket.io/") =>
  `${base.replace(/^http:/, "ws:")}${path}?EIO=4&transport=websocket`;

function assertRefused(res, status, message) {
  assert.equal(res.status, status, `status (body ${JSON.stringify(res.json ?? res.text)})`);
  assert.deepEqual(res.json, { code: 4, message });
}

/** The fixture's admission counters: { sio: {...}, eio: {...} }. */
async function stats(client) {
  const [s] = await emitAck(client.socket, "admission-stats");
  return s;
}

describe("session cap (--max-connections)", { skip }, () => {
  let server;
  before(async () => {
    server = await startSio(["--max-connections", "2"]);
  });
  after(async () => {
    await server?.stop();
  });

  test("at the cap, polling gets 503 and WebSocket is refused before 101; existing clients work; a slot frees when one leaves", async () => {
    const a = await sioClient(server, "/", { transports: ["websocket"] });
    const b = await sioClient(server, "/", { transports: ["polling"] });
    try {
      const polling = await get(pollingHandshake(server.base));
      assertRefused(polling, 503, "Server is full");
      assert.equal(polling.headers["retry-after"], "5");
      const ws = await tryWs(wsHandshakeUrl(server.base));
      assert.equal(ws.opened, false, "the upgrade must not happen");
      assertRefused(ws, 503, "Server is full");
      // The real client sees a connect error.
      await assert.rejects(sioClient(server, "/", { transports: ["websocket"] }));

      // Established sessions are unaffected.
      assert.deepEqual(await emitAck(a.socket, "echo", ["still here"]), ["still here"]);
      assert.deepEqual(await emitAck(b.socket, "echo", [1, 2]), [1, 2]);
      const s = (await stats(a)).sio;
      assert.equal(s.sessions, 2);
      assert.equal(s.refusedFull, 3);
      // The raw Engine.IO path has a cap of its own, with nothing open there.
      assert.equal((await stats(a)).eio.sessions, 0);

      b.close();
      // The server frees the slot when it sees the session end.
      const c = await eventually(() => sioClient(server, "/", { transports: ["polling"] }), {
        timeout: 5000,
      });
      assert.deepEqual(await emitAck(c.socket, "echo", ["new"]), ["new"]);
      c.close();
    } finally {
      a.close();
      b.close();
    }
  });
});

describe("handshake rate (--handshake-rate)", { skip }, () => {
  let server;
  before(async () => {
    server = await startSio(["--handshake-rate", "5"]);
  });
  after(async () => {
    await server?.stop();
  });

  test("a burst past the bucket is refused with 503 and Retry-After; the rate recovers", async () => {
    // 15 at once: the bucket holds 5 and refills 5 per second, so a few more at most get in
    // while the burst is being answered.
    const results = await Promise.all(
      Array.from({ length: 15 }, () => get(pollingHandshake(server.base, "/engine.io/"))),
    );
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    // (Generous for sanitizer builds, where answering the burst takes a while.)
    assert.ok(ok.length >= 5 && ok.length <= 10, `${ok.length} of 15 admitted`);
    for (const r of refused) {
      assertRefused(r, 503, "Too many handshakes");
      assert.equal(r.headers["retry-after"], "1");
    }
    // WebSocket handshakes spend the same tokens, and are refused before the 101.
    const ws = await Promise.all(Array.from({ length: 10 }, () => tryWs(wsHandshakeUrl(server.base, "/engine.io/"))));
    assert.ok(ws.some((r) => !r.opened && r.status === 503), "some upgrade refused with 503");
    // Tokens come back: one handshake gets in within a couple of seconds.
    await eventually(async () => {
      assert.equal((await get(pollingHandshake(server.base, "/engine.io/"))).status, 200);
    }, { timeout: 3000, interval: 100 });
  });
});

describe("per-address handshake rate (--handshake-rate-per-address)", { skip }, () => {
  let server;
  before(async () => {
    server = await startSio(["--handshake-rate-per-address", "2"]);
  });
  after(async () => {
    await server?.stop();
  });

  test("one address is refused with 429 while another is admitted", async () => {
    const flood = await Promise.all(
      Array.from({ length: 10 }, () =>
        get(pollingHandshake(server.base), { localAddress: "127.0.0.2" }),
      ),
    );
    const admitted = flood.filter((r) => r.status === 200).length;
    assert.ok(admitted >= 2 && admitted <= 6, `${admitted} of 10 from 127.0.0.2 admitted`);
    for (const r of flood.filter((r) => r.status !== 200)) {
      assertRefused(r, 429, "Too many handshakes from this address");
      assert.equal(r.headers["retry-after"], "1");
    }
    // The same address over WebSocket: refused before the 101 while its bucket is empty.
    const ws = await tryWs(wsHandshakeUrl(server.base), { localAddress: "127.0.0.2" });
    assert.equal(ws.opened, false);
    assertRefused(ws, 429, "Too many handshakes from this address");

    // Another address has a bucket of its own.
    const other = await Promise.all([
      get(pollingHandshake(server.base), { localAddress: "127.0.0.3" }),
      tryWs(wsHandshakeUrl(server.base), { localAddress: "127.0.0.3" }),
    ]);
    assert.equal(other[0].status, 200);
    assert.equal(other[1].opened, true);

    const client = await sioClient(server, "/", { transports: ["websocket"] });
    try {
      const s = (await stats(client)).sio;
      assert.equal(s.refusedAddressRate, 10 - admitted + 1);
      assert.equal(s.refusedRate, 0);
      assert.ok(s.trackedAddresses >= 2 && s.trackedAddresses <= 3, `${s.trackedAddresses} tracked`);
    } finally {
      client.close();
    }
  });
});

describe("refusal hook (--refuse-address, --refuse-header)", { skip }, () => {
  let server;
  before(async () => {
    server = await startSio([
      "--refuse-address", "127.0.0.4",
      "--refuse-header", "X-Refuse",
      "--deny-param", "deny",
    ]);
  });
  after(async () => {
    await server?.stop();
  });

  test("refused by address and by header, 403 or 503 with a reason, WebSocket before 101, no session made", async () => {
    const watcher = await sioClient(server, "/", { transports: ["websocket"] });
    try {
      assertRefused(await get(pollingHandshake(server.base), { localAddress: "127.0.0.4" }), 403,
        "address refused");
      const byAddress = await tryWs(wsHandshakeUrl(server.base), { localAddress: "127.0.0.4" });
      assert.equal(byAddress.opened, false);
      assertRefused(byAddress, 403, "address refused");

      assertRefused(await get(pollingHandshake(server.base), { headers: { "X-Refuse": "1" } }), 403,
        "refused by x-refuse");
      const byHeader = await tryWs(wsHandshakeUrl(server.base), { headers: { "X-Refuse": "1" } });
      assert.equal(byHeader.opened, false);
      assertRefused(byHeader, 403, "refused by x-refuse");

      const busy = await get(pollingHandshake(server.base), { headers: { "X-Refuse": "busy" } });
      assertRefused(busy, 503, "busy");
      assert.equal(busy.headers["retry-after"], "2");

      // socket.io-client with the header: a connect error, no connection.
      await assert.rejects(sioClient(server, "/", {
        transports: ["polling"],
        extraHeaders: { "X-Refuse": "1" },
      }));
      // allow_request still runs after the hook.
      assertRefused(await get(`${pollingHandshake(server.base)}&deny=1`), 403, "denied");

      const s = (await stats(watcher)).sio;
      // Only the watcher's session: none was made for a refused handshake.
      assert.equal(s.sessions, 1);
      assert.equal(s.refusedPolicy, 7);

      // The same request without the header, from another address, is admitted.
      assert.equal((await get(pollingHandshake(server.base), { localAddress: "127.0.0.5" })).status, 200);
      assert.equal((await stats(watcher)).sio.sessions, 2);
    } finally {
      await quietly(() => watcher.close());
    }
  });
});
