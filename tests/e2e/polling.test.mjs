// HTTP long-polling: parked GETs, POST bodies, \x1e payloads, base64 binary,
// and every way a polling session is closed (CLOSE packet, invalid packet,
// overlapping requests, aborted poll, octet-stream body).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  HOST,
  SEP,
  assertError,
  delay,
  expectSessionGone,
  handshake,
  letServerPark,
  poll,
  pollingUrl,
  post,
  rawConnect,
  request,
  startServer,
  withTimeout,
} from "./helpers.mjs";

/** Collects polled packets until `count` packets arrived (bounded). */
async function pollPackets(server, sid, count, maxPolls = 20) {
  const packets = [];
  for (let i = 0; i < maxPolls && packets.length < count; i++) {
    const res = await poll(server, sid);
    assert.equal(res.status, 200, `GET status (body ${JSON.stringify(res.text)})`);
    assert.notEqual(res.text, "", "a GET is never answered with an empty body");
    assert.ok(!res.text.endsWith(SEP), "no trailing separator");
    packets.push(...res.text.split(SEP));
  }
  return packets;
}

/** Sends a GET on a raw TCP connection; resolves once the bytes are in the kernel. */
async function rawGet(server, sid) {
  const c = await rawConnect(server.port);
  const target = new URL(pollingUrl(server, sid));
  await c.write(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${HOST}:${server.port}\r\n\r\n`);
  return c;
}

describe("long-polling", () => {
  let server;
  before(async () => {
    // Long heartbeat so that no ping interferes with the exchanges below.
    server = await startServer(["--ping-interval", "20000", "--ping-timeout", "20000"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("a GET parks until a packet is queued, then the POSTed message is echoed", async () => {
    const { sid } = await handshake(server);
    let settled = false;
    const pending = poll(server, sid).finally(() => {
      settled = true;
    });
    // Non-occurrence check: nothing is queued, so the GET must still be open.
    await delay(200);
    assert.equal(settled, false, "the GET was answered while nothing was queued");

    const res = await post(server, sid, "4hello");
    assert.equal(res.status, 200);
    assert.equal(res.text, "ok");
    assert.equal(res.headers["content-type"], "text/html");
    assert.equal(res.headers["content-length"], "2");
    assert.equal(res.headers["cache-control"], "no-store");

    const got = await pending;
    assert.equal(got.status, 200);
    assert.equal(got.headers["content-type"], "text/plain; charset=UTF-8");
    assert.equal(got.headers["cache-control"], "no-store");
    assert.equal(got.headers["content-length"], String(got.body.length));
    assert.equal(got.text, "4hello");
  });

  it("a POST with several packets is echoed in order", async () => {
    const { sid } = await handshake(server);
    const body = ["4one", "4two", "4three"].join(SEP);
    assert.equal((await post(server, sid, body)).text, "ok");
    assert.deepEqual(await pollPackets(server, sid, 3), ["4one", "4two", "4three"]);
  });

  it("one GET carries the whole queue joined by \\x1e", async () => {
    const { sid } = await handshake(server);
    assert.equal((await post(server, sid, "4a")).text, "ok");
    assert.equal((await post(server, sid, `4b${SEP}4c`)).text, "ok");
    const got = await poll(server, sid);
    assert.equal(got.status, 200);
    assert.equal(got.text, `4a${SEP}4b${SEP}4c`);
  });

  it("UTF-8 text is echoed byte for byte", async () => {
    const { sid } = await handshake(server);
    const msg = "4héllo wörld € 😀 \u0000 \\ \" end";
    assert.equal((await post(server, sid, msg)).text, "ok");
    const got = await poll(server, sid);
    assert.equal(got.text, msg);
    assert.deepEqual(got.body, Buffer.from(msg, "utf8"));
    assert.equal(got.headers["content-length"], String(Buffer.byteLength(msg)));
  });

  it("an empty message 4 is echoed", async () => {
    const { sid } = await handshake(server);
    assert.equal((await post(server, sid, `4${SEP}4x`)).text, "ok");
    assert.deepEqual(await pollPackets(server, sid, 2), ["4", "4x"]);
  });

  it("binary travels as b + base64 both ways", async () => {
    const { sid } = await handshake(server);
    assert.equal((await post(server, sid, "bAQIDBA==")).text, "ok");
    assert.equal((await poll(server, sid)).text, "bAQIDBA==");

    // Padding variants and a mix of text and binary in one payload.
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
    const body = ["4x", "bAQID", `b${bytes.toString("base64")}`, "bAA==", "4y"].join(SEP);
    assert.equal((await post(server, sid, body)).text, "ok");
    assert.deepEqual(await pollPackets(server, sid, 5),
      ["4x", "bAQID", `b${bytes.toString("base64")}`, "bAA==", "4y"]);
  });

  it("a large binary message round-trips exactly", async () => {
    const { sid } = await handshake(server);
    const bytes = Buffer.alloc(100000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
    const packet = `b${bytes.toString("base64")}`;
    assert.equal((await post(server, sid, packet)).text, "ok");
    const [echo] = await pollPackets(server, sid, 1);
    assert.equal(echo, packet);
    assert.deepEqual(Buffer.from(echo.slice(1), "base64"), bytes);
  });

  it("POST 1 closes the session: the parked GET gets 6, later requests 400 code 1", async () => {
    const { sid } = await handshake(server);
    const pending = poll(server, sid);
    await letServerPark();
    const res = await post(server, sid, "1");
    assert.equal(res.status, 200);
    assert.equal(res.text, "ok");
    const got = await pending;
    assert.equal(got.status, 200);
    assert.equal(got.text, "6");
    assertError(await poll(server, sid), 400, 1, "Session ID unknown");
    assertError(await post(server, sid, "4late"), 400, 1, "Session ID unknown");
  });

  it("an invalid packet closes the session: POST 200 ok, parked GET gets 1, then 400", async () => {
    const { sid } = await handshake(server);
    const pending = poll(server, sid);
    await letServerPark();
    const res = await post(server, sid, "abc");
    assert.equal(res.status, 200);
    assert.equal(res.text, "ok");
    const got = await pending;
    assert.equal(got.status, 200);
    assert.equal(got.text, "1");
    assertError(await poll(server, sid), 400, 1, "Session ID unknown");
  });

  it("an invalid packet after a valid one: the valid one is dispatched, the session closes", async () => {
    const { sid } = await handshake(server);
    const pending = poll(server, sid);
    await letServerPark();
    const res = await post(server, sid, `4before${SEP}abc`);
    assert.equal(res.status, 200);
    assert.equal(res.text, "ok");
    // The parked GET carries the echo of 4before, possibly followed by the
    // CLOSE packet when the server writes both in one response.
    const got = await pending;
    assert.equal(got.status, 200);
    const packets = got.text.split(SEP);
    assert.equal(packets[0], "4before");
    assert.ok(packets.length === 1 || (packets.length === 2 && packets[1] === "1"), `GET body ${JSON.stringify(got.text)}`);
    await expectSessionGone(server, sid);
  });

  it("an empty POST body is an invalid packet and closes the session", async () => {
    const { sid } = await handshake(server);
    const res = await post(server, sid, "");
    assert.equal(res.status, 200);
    assert.equal(res.text, "ok");
    assertError(await poll(server, sid), 400, 1, "Session ID unknown");
  });

  it("a second concurrent GET gets 400, the parked one gets 1, the session is gone", async () => {
    const { sid } = await handshake(server);
    const first = poll(server, sid);
    await letServerPark();
    const second = poll(server, sid);
    const results = await withTimeout(Promise.all([first, second]), 5000, "both GETs");
    // Whichever the server took first is the parked one.
    const parked = results.find((r) => r.status === 200);
    const overlap = results.find((r) => r.status !== 200);
    assert.ok(parked && overlap, `statuses ${results.map((r) => r.status)}`);
    assert.equal(parked.text, "1");
    assert.equal(overlap.status, 400);
    assert.equal(results[0], parked, "the GET parked first is the one answered 1");
    await expectSessionGone(server, sid);
  });

  it("an aborted parked GET closes the session", async () => {
    const { sid } = await handshake(server);
    const c = await rawGet(server, sid);
    await letServerPark();
    assert.equal(c.received().length, 0, "the GET was answered while nothing was queued");
    c.socket.destroy();
    await expectSessionGone(server, sid);
  });

  it("another method with a valid sid gets 500 and the session stays open", async () => {
    const { sid } = await handshake(server);
    const res = await request(pollingUrl(server, sid), { method: "PUT", body: "4x" });
    assert.equal(res.status, 500);
    assert.equal(res.text, "");
    assert.equal((await post(server, sid, "4after-put")).text, "ok");
    assert.equal((await poll(server, sid)).text, "4after-put");
  });

  it("an application/octet-stream POST gets 400 and closes the session", async () => {
    const { sid } = await handshake(server);
    const res = await request(pollingUrl(server, sid), {
      method: "POST",
      body: Buffer.from([4, 1, 2, 3]),
      headers: { "Content-Type": "application/octet-stream" },
    });
    assert.equal(res.status, 400);
    assert.equal(res.text, "");
    await expectSessionGone(server, sid);
  });

  it("a second POST while one is still being read gets 400 and closes the session", async () => {
    const { sid } = await handshake(server);
    const c = await rawConnect(server.port);
    const target = new URL(pollingUrl(server, sid));
    // Announce 10 bytes but send only 4: the server keeps reading this body.
    await c.write(
      `POST ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${HOST}:${server.port}\r\n` +
        "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 10\r\n\r\n4abc",
    );
    await letServerPark();
    const second = await post(server, sid, "4second");
    assert.equal(second.status, 400);
    await expectSessionGone(server, sid);
    c.socket.destroy();
  });

  it("requests on separate sessions do not interfere", async () => {
    const a = await handshake(server);
    const b = await handshake(server);
    const pa = poll(server, a.sid);
    const pb = poll(server, b.sid);
    assert.equal((await post(server, b.sid, "4for-b")).text, "ok");
    assert.equal((await post(server, a.sid, "4for-a")).text, "ok");
    assert.equal((await pa).text, "4for-a");
    assert.equal((await pb).text, "4for-b");
  });
});
