// engine_options::bind_session_to_address (--bind-session-address, an extension): requests for
// a session from another address than its handshake's are answered as for an unknown sid (400,
// code 1) and leave the session alone. The handshake comes from 127.0.0.1, the intruder from
// 127.0.0.2 (Node's localAddress; both are loopback). Off by default: then the sid works from
// anywhere, as in Node.

import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { assertError, handshake, isReference, poll, pollingUrl, post, startServer, wsUrl } from "./helpers.mjs";

const skip = isReference ? "an extension of this server (not in Node)" : false;
const OTHER = "127.0.0.2";

/** One HTTP request from `localAddress`: { status, headers, text }. */
function requestFrom(localAddress, url, { method = "GET", body } = {}) {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { "Content-Type": "text/plain;charset=UTF-8", "Content-Length": Buffer.byteLength(body) };
    const req = http.request(url, { method, headers, agent: false, localAddress, timeout: 5000 });
    req.once("timeout", () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.once("error", reject);
    req.once("response", (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.once("end", () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.end(body);
  });
}

/** The status and body of a WebSocket upgrade from `localAddress` (101 when it opened). */
function upgradeFrom(localAddress, url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress, perMessageDeflate: false });
    ws.once("open", () => {
      ws.terminate();
      resolve({ status: 101 });
    });
    ws.once("unexpected-response", (req, res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.once("end", () => {
        resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") });
        req.destroy();
      });
    });
    ws.once("error", (err) => reject(err));
  });
}

describe("sessions bound to their address (--bind-session-address)", { skip }, () => {
  let server;
  before(async () => {
    server = await startServer(["--bind-session-address", "--ping-interval", "20000", "--ping-timeout", "20000"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("GET, POST and upgrade from another address get \"Session ID unknown\"; the session is untouched", async () => {
    const { sid } = await handshake(server);
    assertError(await requestFrom(OTHER, pollingUrl(server, sid)), 400, 1, "Session ID unknown");
    assertError(await requestFrom(OTHER, pollingUrl(server, sid), { method: "POST", body: "4stolen" }),
      400, 1, "Session ID unknown");
    assert.deepEqual(await upgradeFrom(OTHER, wsUrl(server, { sid })), { status: 400, body: "Session ID unknown" });
    // The owner's session neither got the intruder's packet nor lost anything.
    assert.equal((await post(server, sid, "4mine")).text, "ok");
    assert.equal((await poll(server, sid)).text, "4mine");
    assert.deepEqual(await upgradeFrom("127.0.0.1", wsUrl(server, { sid })), { status: 101 });
  });

  it("a session opened from the other address works from there", async () => {
    const res = await requestFrom(OTHER, `${server.url}?EIO=4&transport=polling`);
    assert.equal(res.status, 200);
    const { sid } = JSON.parse(res.text.slice(1));
    assert.equal((await requestFrom(OTHER, pollingUrl(server, sid), { method: "POST", body: "4there" })).text, "ok");
    assert.equal((await requestFrom(OTHER, pollingUrl(server, sid))).text, "4there");
    assertError(await poll(server, sid), 400, 1, "Session ID unknown");
  });
});

describe("sessions not bound by default", { skip }, () => {
  let server;
  before(async () => {
    server = await startServer(["--ping-interval", "20000", "--ping-timeout", "20000"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("a sid works from any address", async () => {
    const { sid } = await handshake(server);
    assert.equal((await requestFrom(OTHER, pollingUrl(server, sid), { method: "POST", body: "4moved" })).text, "ok");
    assert.equal((await requestFrom(OTHER, pollingUrl(server, sid))).text, "4moved");
  });
});
