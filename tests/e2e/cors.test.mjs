// CORS (--cors-origin, --cors-credentials, --no-cors): headers on every engine
// response, errors and the WebSocket 101 included; preflight requests; every
// origin allowed by default (`*`, so a page from another origin can poll the
// fixture); several origins matched against the request; and no
// Access-Control-* header at all when CORS is off.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  assertError,
  eioUrl,
  handshake,
  openWs,
  parseOpen,
  pollingUrl,
  request,
  startServer,
  wsUrl,
} from "./helpers.mjs";

const ORIGIN = "http://a.test";

function varyList(headers) {
  return String(headers.vary ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

function assertCors(headers, what) {
  assert.equal(headers["access-control-allow-origin"], ORIGIN, `${what}: Allow-Origin`);
  assert.ok(varyList(headers).includes("origin"), `${what}: Vary should list Origin, got ${headers.vary}`);
  assert.equal(headers["access-control-allow-credentials"], "true", `${what}: Allow-Credentials`);
}

function assertNoCors(headers, what) {
  const found = Object.keys(headers).filter((h) => h.startsWith("access-control-"));
  assert.deepEqual(found, [], `${what}: unexpected CORS headers`);
}

describe(`CORS with origin ${ORIGIN} and credentials`, () => {
  let server;
  const withOrigin = { Origin: ORIGIN };
  before(async () => {
    server = await startServer([
      "--cors-origin", ORIGIN, "--cors-credentials", "--deny-param", "deny",
      "--ping-interval", "20000", "--ping-timeout", "20000",
    ]);
  });
  after(async () => {
    await server?.stop();
  });

  it("handshake, POST and GET carry the CORS headers", async () => {
    const res = await request(eioUrl(server, { transport: "polling" }), { headers: withOrigin });
    assert.equal(res.status, 200);
    assertCors(res.headers, "handshake");
    const { sid } = parseOpen(res.text);
    const posted = await request(pollingUrl(server, sid), { method: "POST", body: "4cors", headers: withOrigin });
    assert.equal(posted.text, "ok");
    assertCors(posted.headers, "POST");
    const polled = await request(pollingUrl(server, sid), { headers: withOrigin });
    assert.equal(polled.text, "4cors");
    assertCors(polled.headers, "GET");
  });

  it("the configured origin is sent whatever the request's Origin", async () => {
    const res = await request(eioUrl(server, { transport: "polling" }), { headers: { Origin: "http://other.test" } });
    assert.equal(res.status, 200);
    assertCors(res.headers, "handshake from another origin");
  });

  it("error responses carry the CORS headers", async () => {
    const unknownTransport = await request(eioUrl(server, { transport: "foo" }), { headers: withOrigin });
    assertError(unknownTransport, 400, 0, "Transport unknown");
    assertCors(unknownTransport.headers, "400 code 0");

    const unknownSid = await request(pollingUrl(server, "AAAAAAAAAAAAAAAAAAAA"), { headers: withOrigin });
    assertError(unknownSid, 400, 1, "Session ID unknown");
    assertCors(unknownSid.headers, "400 code 1");

    const badMethod = await request(eioUrl(server, { transport: "polling" }), {
      method: "POST", body: "4x", headers: withOrigin,
    });
    assertError(badMethod, 400, 2, "Bad handshake method");
    assertCors(badMethod.headers, "400 code 2");

    const denied = await request(eioUrl(server, { transport: "polling", deny: "1" }), { headers: withOrigin });
    assertError(denied, 403, 4, "denied");
    assertCors(denied.headers, "403 code 4");
  });

  it("a preflight OPTIONS without sid is answered 204 with the allowed methods", async () => {
    const res = await request(eioUrl(server, { transport: "polling" }), {
      method: "OPTIONS",
      headers: {
        ...withOrigin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-custom",
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.text, "");
    assertCors(res.headers, "preflight");
    assert.equal(res.headers["access-control-allow-methods"], "GET,HEAD,PUT,PATCH,POST,DELETE");
    assert.equal(res.headers["access-control-allow-headers"], "content-type,x-custom");
    assert.ok(varyList(res.headers).includes("access-control-request-headers"),
      `Vary should list Access-Control-Request-Headers, got ${res.headers.vary}`);
  });

  it("a preflight OPTIONS with a session id is answered 204 too", async () => {
    const { sid } = await handshake(server);
    const res = await request(pollingUrl(server, sid), {
      method: "OPTIONS",
      headers: { ...withOrigin, "Access-Control-Request-Method": "POST" },
    });
    assert.equal(res.status, 204);
    assertCors(res.headers, "preflight with sid");
    assert.equal(res.headers["access-control-allow-methods"], "GET,HEAD,PUT,PATCH,POST,DELETE");
  });

  it("the 101 of a WebSocket handshake carries the CORS headers", async () => {
    const conn = await openWs(wsUrl(server), { headers: withOrigin });
    try {
      assertCors(conn.headers, "101");
      parseOpen(await conn.nextText(2000, "OPEN"), { upgrades: [] });
    } finally {
      await conn.close();
    }
  });
});

describe("CORS with origin *", () => {
  let server;
  before(async () => {
    server = await startServer(["--cors-origin", "*"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("answers Access-Control-Allow-Origin: * without credentials", async () => {
    const res = await request(eioUrl(server, { transport: "polling" }), { headers: { Origin: "http://x.test" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers["access-control-allow-origin"], "*");
    assert.equal(res.headers["access-control-allow-credentials"], undefined);
    const err = await request(eioUrl(server, { transport: "foo" }), { headers: { Origin: "http://x.test" } });
    assertError(err, 400, 0, "Transport unknown");
    assert.equal(err.headers["access-control-allow-origin"], "*");
  });

  it("answers a preflight with 204", async () => {
    const res = await request(eioUrl(server, { transport: "polling" }), {
      method: "OPTIONS",
      headers: { Origin: "http://x.test", "Access-Control-Request-Method": "POST" },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers["access-control-allow-origin"], "*");
    assert.equal(res.headers["access-control-allow-methods"], "GET,HEAD,PUT,PATCH,POST,DELETE");
  });
});

describe("CORS by default (no CORS flag)", () => {
  let server;
  before(async () => {
    server = await startServer(["--ping-interval", "20000", "--ping-timeout", "20000"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("a page from another origin can poll: `*` on handshake, POST, GET and preflight", async () => {
    const other = { Origin: "http://page.test" };
    const res = await request(eioUrl(server, { transport: "polling" }), { headers: other });
    assert.equal(res.status, 200);
    assert.equal(res.headers["access-control-allow-origin"], "*", "handshake");
    assert.equal(res.headers["access-control-allow-credentials"], undefined);
    const { sid } = parseOpen(res.text);
    const pre = await request(pollingUrl(server, sid), {
      method: "OPTIONS",
      headers: { ...other, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    assert.equal(pre.status, 204, "preflight");
    assert.equal(pre.headers["access-control-allow-origin"], "*", "preflight");
    assert.equal(pre.headers["access-control-allow-headers"], "content-type");
    const posted = await request(pollingUrl(server, sid), { method: "POST", body: "4page", headers: other });
    assert.equal(posted.text, "ok");
    assert.equal(posted.headers["access-control-allow-origin"], "*", "POST");
    const polled = await request(pollingUrl(server, sid), { headers: other });
    assert.equal(polled.text, "4page");
    assert.equal(polled.headers["access-control-allow-origin"], "*", "GET");
  });

  it("the Socket.IO endpoint allows every origin too", async () => {
    const res = await request(`${server.base}/socket.io/?EIO=4&transport=polling`, {
      headers: { Origin: "http://page.test" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers["access-control-allow-origin"], "*");
  });
});

describe("CORS with several --cors-origin", () => {
  const SECOND = "http://b.test";
  let server;
  before(async () => {
    server = await startServer(["--cors-origin", ORIGIN, "--cors-origin", SECOND]);
  });
  after(async () => {
    await server?.stop();
  });

  it("a listed origin is echoed; another gets no Allow-Origin", async () => {
    for (const origin of [ORIGIN, SECOND]) {
      const res = await request(eioUrl(server, { transport: "polling" }), { headers: { Origin: origin } });
      assert.equal(res.status, 200);
      assert.equal(res.headers["access-control-allow-origin"], origin, `origin ${origin}`);
      assert.ok(varyList(res.headers).includes("origin"), `Vary should list Origin, got ${res.headers.vary}`);
    }
    const res = await request(eioUrl(server, { transport: "polling" }), { headers: { Origin: "http://evil.test" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers["access-control-allow-origin"], undefined, "an unlisted origin");
  });
});

describe("CORS off (--no-cors)", () => {
  let server;
  const withOrigin = { Origin: ORIGIN };
  before(async () => {
    server = await startServer(["--no-cors", "--ping-interval", "20000", "--ping-timeout", "20000"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("no Access-Control-* headers on handshake, POST, GET and errors", async () => {
    const res = await request(eioUrl(server, { transport: "polling" }), { headers: withOrigin });
    assert.equal(res.status, 200);
    assertNoCors(res.headers, "handshake");
    const { sid } = parseOpen(res.text);
    const posted = await request(pollingUrl(server, sid), { method: "POST", body: "4x", headers: withOrigin });
    assertNoCors(posted.headers, "POST");
    const polled = await request(pollingUrl(server, sid), { headers: withOrigin });
    assert.equal(polled.text, "4x");
    assertNoCors(polled.headers, "GET");
    const err = await request(eioUrl(server, { transport: "foo" }), { headers: withOrigin });
    assertError(err, 400, 0, "Transport unknown");
    assertNoCors(err.headers, "error");
  });

  it("OPTIONS without sid is a bad handshake method; with a valid sid it gets 500", async () => {
    const noSid = await request(eioUrl(server, { transport: "polling" }), {
      method: "OPTIONS",
      headers: { ...withOrigin, "Access-Control-Request-Method": "POST" },
    });
    assertError(noSid, 400, 2, "Bad handshake method");
    assertNoCors(noSid.headers, "OPTIONS without sid");

    const { sid } = await handshake(server);
    const withSid = await request(pollingUrl(server, sid), {
      method: "OPTIONS",
      headers: { ...withOrigin, "Access-Control-Request-Method": "POST" },
    });
    assert.equal(withSid.status, 500);
    assertNoCors(withSid.headers, "OPTIONS with sid");
  });

  it("no Access-Control-* headers on the WebSocket 101", async () => {
    const conn = await openWs(wsUrl(server), { headers: withOrigin });
    try {
      assertNoCors(conn.headers, "101");
    } finally {
      await conn.close();
    }
  });
});
