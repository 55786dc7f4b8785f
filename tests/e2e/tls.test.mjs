// TLS (https and wss): a TLS-only port, plain and TLS on one port, client certificates, a
// certificate reload under live sessions, handshakes that fail or stall, and the gathering of
// queued WebSocket frames into one TLS record. Certificates are made at test time
// (tls-certs.mjs) and verified by the clients against their CA. The whole suite runs in the
// plain run too: it starts its own TLS servers.

import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import tls from "node:tls";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import {
  HOST,
  Queue,
  eventually,
  isReference,
  letServerPark,
  once,
  request,
  startServer,
  withTimeout,
} from "./helpers.mjs";
import { emitAck, sioClient, startSio } from "./sio-helpers.mjs";
import { makeCa, makeLeaf, tempDir, testCertificates } from "./tls-certs.mjs";

const cppOnly = isReference && "a socketio-cpp fixture flag";

/** Starts the fixture over TLS with the test certificate (or `cert`) and extra flags. */
function startTls(args = [], cert = testCertificates().server) {
  return startServer(["--tls-cert", cert.cert, "--tls-key", cert.key, ...args], { tls: true });
}

/** Socket.IO over TLS: startSio's URLs, https/wss. */
async function startSioTls(args = [], cert = testCertificates().server) {
  const server = await startTls(args, cert);
  server.eioUrl = server.url;
  server.url = `${server.base}/socket.io/`;
  server.wsBase = `wss://${HOST}:${server.port}/socket.io/`;
  return server;
}

/** An https GET with the given TLS client options; resolves to { status, text } or rejects. */
function httpsGet(url, tlsOptions, timeout = 5000) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent: false, ...tlsOptions }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.once("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      res.once("error", reject);
    });
    req.setTimeout(timeout, () => req.destroy(new Error(`no answer within ${timeout} ms`)));
    req.once("error", reject);
  });
}

/** The certificate a fresh TLS connection to `port` is shown. */
async function peerCertificate(port) {
  const socket = tls.connect({ host: HOST, port, ca: testCertificates().ca.pem });
  try {
    await withTimeout(once(socket, "secureConnect"), 5000, "TLS handshake");
    return socket.getPeerCertificate();
  } finally {
    socket.destroy();
  }
}

/**
 * A raw Engine.IO WebSocket session on the echo endpoint (/engine.io/), over wss. Keeps the
 * TLS socket, so that the certificate of this very connection can be read later.
 */
async function echoSession(server, ca) {
  const ws = new WebSocket(`wss://${HOST}:${server.port}/engine.io/?EIO=4&transport=websocket`, {
    ca, perMessageDeflate: false,
  });
  const frames = new Queue("WebSocket frame");
  let tlsSocket = null;
  ws.on("upgrade", (res) => {
    tlsSocket = res.socket;
  });
  ws.on("message", (data, binary) => frames.push(binary ? Buffer.from(data) : data.toString()));
  ws.on("error", () => {});
  const closed = new Promise((resolve) => ws.once("close", resolve));
  await withTimeout(once(ws, "open"), 5000, "wss open");
  const open = await frames.take(5000, "OPEN packet");
  assert.match(open, /^0\{"sid":/);
  return {
    ws,
    closed,
    certificate: () => tlsSocket.getPeerCertificate(),
    async echo(text) {
      ws.send(`4${text}`);
      assert.equal(await frames.take(5000, `echo of ${text}`), `4${text}`);
    },
  };
}

describe("TLS only", () => {
  let server;
  before(async () => {
    server = await startSioTls();
  });
  after(() => server?.stop());

  for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
    it(`socket.io-client over ${transports.join(" then ")}, certificate verified`, async () => {
      const c = await sioClient(server, "/", { transports });
      try {
        assert.deepEqual(await emitAck(c.socket, "echo", ["over tls", Buffer.from([1, 2, 3])]),
          ["over tls", Buffer.from([1, 2, 3])]);
        assert.deepEqual(await emitAck(c.socket, "handshake-secure"), [true],
          "socket.handshake.secure over TLS");
      } finally {
        c.close();
      }
    });
  }

  it("a client that does not trust the certificate is refused by its own check", async () => {
    await assert.rejects(httpsGet(`${server.base}/engine.io/?EIO=4&transport=polling`, {}),
      /self[- ]signed|unable to verify|local issuer/i);
  });

  it("plain HTTP on the TLS port gets no HTTP answer, and the port keeps serving", async () => {
    const res = await request(`http://${HOST}:${server.port}/engine.io/?EIO=4&transport=polling`)
      .then((r) => r, (err) => err);
    assert.ok(res instanceof Error, `expected a failed request, got status ${res.status}`);
    const c = await sioClient(server, "/", { transports: ["websocket"] });
    c.close();
  });
});

describe("plain and TLS on one port", { skip: cppOnly }, () => {
  let server;
  before(async () => {
    server = await startSioTls(["--tls-mode", "both"]);
  });
  after(() => server?.stop());

  it("a plain client and a TLS client both work, each with its own handshake.secure", async () => {
    const plainServer = { ...server, tls: false, base: `http://${HOST}:${server.port}` };
    const plain = await sioClient(plainServer, "/", { transports: ["polling", "websocket"] });
    const secure = await sioClient(server, "/", { transports: ["polling", "websocket"] });
    try {
      assert.deepEqual(await emitAck(plain.socket, "handshake-secure"), [false]);
      assert.deepEqual(await emitAck(secure.socket, "handshake-secure"), [true]);
      // They share the server: a room broadcast reaches both.
      await emitAck(plain.socket, "join", ["both"]);
      await emitAck(secure.socket, "join", ["both"]);
      await emitAck(plain.socket, "bcast", ["both", "hello"]);
      assert.deepEqual(await plain.next("msg"), ["hello"]);
      assert.deepEqual(await secure.next("msg"), ["hello"]);
    } finally {
      plain.close();
      secure.close();
    }
  });

  it("raw polling handshakes over http and https on the same port", async () => {
    const plainRes = await request(`http://${HOST}:${server.port}/engine.io/?EIO=4&transport=polling`);
    const tlsRes = await request(`https://${HOST}:${server.port}/engine.io/?EIO=4&transport=polling`);
    assert.equal(plainRes.status, 200);
    assert.equal(tlsRes.status, 200);
    assert.match(plainRes.text, /^0\{"sid"/);
    assert.match(tlsRes.text, /^0\{"sid"/);
  });
});

describe("client certificates", { skip: cppOnly }, () => {
  let dir, ca, otherCa, good, stranger;
  before(() => {
    dir = tempDir();
    ca = makeCa(dir, "client CA");
    otherCa = makeCa(dir, "other CA");
    good = makeLeaf(dir, ca, "good client", { client: true });
    stranger = makeLeaf(dir, otherCa, "stranger", { client: true });
  });

  const url = (server) => `${server.base}/engine.io/?EIO=4&transport=polling`;
  const trust = () => ({ ca: testCertificates().ca.pem });

  describe("required", () => {
    let server;
    before(async () => {
      server = await startTls(["--tls-client-ca", ca.cert, "--tls-verify", "required"]);
    });
    after(() => server?.stop());

    it("refuses a client without a certificate", async () => {
      await assert.rejects(httpsGet(url(server), trust()));
    });

    it("refuses a certificate from another CA", async () => {
      await assert.rejects(httpsGet(url(server), { ...trust(), cert: stranger.certPem, key: stranger.keyPem }));
    });

    it("accepts a certificate signed by the CA", async () => {
      const res = await httpsGet(url(server), { ...trust(), cert: good.certPem, key: good.keyPem });
      assert.equal(res.status, 200);
      assert.match(res.text, /^0\{"sid"/);
    });
  });

  describe("optional", () => {
    let server;
    before(async () => {
      server = await startTls(["--tls-client-ca", ca.cert, "--tls-verify", "optional"]);
    });
    after(() => server?.stop());

    it("serves a client without a certificate and one with a good one", async () => {
      assert.equal((await httpsGet(url(server), trust())).status, 200);
      assert.equal((await httpsGet(url(server), { ...trust(), cert: good.certPem, key: good.keyPem })).status, 200);
    });

    it("refuses a certificate from another CA", async () => {
      await assert.rejects(httpsGet(url(server), { ...trust(), cert: stranger.certPem, key: stranger.keyPem }));
    });
  });
});

describe("certificate reload", { skip: cppOnly }, () => {
  let server, dir, a, b, live;
  before(async () => {
    const { ca } = testCertificates();
    dir = tempDir();
    a = makeLeaf(dir, ca, "server A");
    b = makeLeaf(dir, ca, "server B");
    live = { cert: path.join(dir, "live.pem"), key: path.join(dir, "live.key") };
    fs.copyFileSync(a.cert, live.cert);
    fs.copyFileSync(a.key, live.key);
    server = await startTls(["--ping-interval", "20000", "--ping-timeout", "20000"], live);
  });
  after(() => server?.stop());

  const fingerprint = (pem) => new X509Certificate(pem).fingerprint256;

  it("new connections get the new certificate; a live WebSocket keeps its own and keeps talking", async () => {
    assert.equal((await peerCertificate(server.port)).fingerprint256, fingerprint(a.certPem));
    const session = await echoSession(server, testCertificates().ca.pem);
    const sio = await sioClient({ ...server, base: server.base }, "/", {
      path: "/socket.io/", transports: ["websocket"],
    });
    try {
      await session.echo("before");

      fs.copyFileSync(b.cert, live.cert);
      fs.copyFileSync(b.key, live.key);
      server.child.kill("SIGHUP");
      await server.waitOutputLine(/^tls reloaded$/);

      const fresh = await peerCertificate(server.port);
      assert.equal(fresh.subject.CN, "server B");
      assert.equal(fresh.fingerprint256, fingerprint(b.certPem));
      // The live connections: same TLS session (certificate A), still exchanging.
      assert.equal(session.certificate().fingerprint256, fingerprint(a.certPem));
      await session.echo("after");
      assert.deepEqual(await emitAck(sio.socket, "echo", ["after reload"]), ["after reload"]);
      const next = await sioClient(server, "/", { transports: ["websocket"] });
      next.close();
    } finally {
      sio.close();
      session.ws.close();
    }
  });

  it("a reload with a bad certificate fails and the current one stays", async () => {
    const before = (await peerCertificate(server.port)).fingerprint256;
    fs.writeFileSync(live.cert, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    server.child.kill("SIGHUP");
    await server.waitOutputLine(/^tls reload failed: /);
    assert.equal((await peerCertificate(server.port)).fingerprint256, before);
    // A key that does not match the certificate is refused the same way.
    fs.copyFileSync(a.cert, live.cert);
    fs.copyFileSync(b.key, live.key);
    const failures = server.outputLines().filter((l) => l.startsWith("tls reload failed")).length;
    server.child.kill("SIGHUP");
    await eventually(() => {
      assert.equal(server.outputLines().filter((l) => l.startsWith("tls reload failed")).length, failures + 1);
    });
    assert.match(server.outputLines().at(-1), /mismatch|does not match/);
    assert.equal((await peerCertificate(server.port)).fingerprint256, before);
  });
});

describe("failed and stalled handshakes", () => {
  let server;
  before(async () => {
    server = await startSioTls(["--request-timeout", "500", "--ping-interval", "20000",
      "--ping-timeout", "20000"]);
  });
  after(() => server?.stop());

  /** A raw TCP connection; resolves when the server closes it, with the time it took. */
  async function rawTcp(bytes) {
    const socket = net.connect({ host: HOST, port: server.port });
    socket.on("error", () => {});
    socket.on("data", () => {});
    await once(socket, "connect");
    const t0 = Date.now();
    if (bytes) socket.write(bytes);
    return { socket, closed: once(socket, "close", 5000).then(() => Date.now() - t0) };
  }

  it("garbage instead of a ClientHello is dropped; other clients are unaffected", async () => {
    const c = await sioClient(server, "/", { transports: ["websocket"] });
    try {
      const garbage = await rawTcp(Buffer.from("\x16\x03\x01\x00\x05hello and more bytes that are no handshake"));
      const http = await rawTcp("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      const random = await rawTcp(Buffer.alloc(300, 0xab));
      await Promise.all([garbage.closed, http.closed, random.closed]);
      assert.deepEqual(await emitAck(c.socket, "echo", ["still here"]), ["still here"]);
    } finally {
      c.close();
    }
  });

  it("a stalled handshake is closed at the request timeout; others connect meanwhile", { skip: cppOnly }, async () => {
    const c = await sioClient(server, "/", { transports: ["websocket"] });
    try {
      // A record header promising a ClientHello that never comes, and a connection that says
      // nothing at all.
      const partial = await rawTcp(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
      const silent = await rawTcp(null);
      const other = await sioClient(server, "/", { transports: ["polling"] });
      assert.deepEqual(await emitAck(other.socket, "echo", [1]), [1]);
      other.close();
      assert.deepEqual(await emitAck(c.socket, "echo", ["during"]), ["during"]);
      const [partialMs, silentMs] = await Promise.all([partial.closed, silent.closed]);
      // 500 ms of request timeout; the upper bound leaves room for a loaded machine.
      for (const ms of [partialMs, silentMs]) assert.ok(ms >= 400 && ms < 4000, `closed after ${ms} ms`);
      assert.deepEqual(await emitAck(c.socket, "echo", ["after"]), ["after"]);
    } finally {
      c.close();
    }
  });

  it("a client that closes with close_notify or drops TCP ends only its own session", async () => {
    const c = await sioClient(server, "/", { transports: ["websocket"] });
    try {
      for (const end of ["end", "destroy"]) {
        const s = tls.connect({ host: HOST, port: server.port, ca: testCertificates().ca.pem });
        s.on("error", () => {});
        await once(s, "secureConnect");
        s.write("GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n");
        await once(s, "data");
        if (end === "end") s.end(); else s.destroy();
      }
      assert.deepEqual(await emitAck(c.socket, "echo", ["fine"]), ["fine"]);
    } finally {
      c.close();
    }
  });
});

describe("a parked polling GET over TLS", () => {
  let server;
  before(async () => {
    // Long heartbeats: only the abort watch can end these sessions within the test.
    server = await startTls(["--ping-interval", "20000", "--ping-timeout", "20000"]);
  });
  after(() => server?.stop());

  async function handshakeSid() {
    const res = await request(`${server.base}/engine.io/?EIO=4&transport=polling`);
    return JSON.parse(res.text.slice(1)).sid;
  }
  const target = (sid) => `/engine.io/?EIO=4&transport=polling&sid=${sid}`;
  const getRequest = (sid) => `GET ${target(sid)} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;

  /** Resolves once polling `sid` answers "Session ID unknown"; fails after `ms`. */
  async function gone(sid, ms) {
    await eventually(async () => {
      const res = await request(`${server.base}${target(sid)}`, { method: "POST", body: "3" });
      assert.equal(res.status, 400);
    }, { timeout: ms });
  }

  for (const end of ["close_notify", "TCP close"]) {
    it(`a client that leaves (${end}) while its GET is parked ends the session`, async () => {
      const sid = await handshakeSid();
      const s = tls.connect({ host: HOST, port: server.port, ca: testCertificates().ca.pem });
      s.on("error", () => {});
      await once(s, "secureConnect");
      s.write(getRequest(sid));
      await letServerPark();
      if (end === "close_notify") s.end(); else s.destroy();
      await gone(sid, 3000);
    });
  }

  // C++ only: this server reads a connection's next request once the one before is answered
  // (HTTP/1.1 order). Node's http server hands a pipelined request to engine.io at once, which
  // takes it for an overlapping GET and closes the session.
  it("a pipelined request is not an abort: the session lives on", { skip: cppOnly }, async () => {
    const sid = await handshakeSid();
    const s = tls.connect({ host: HOST, port: server.port, ca: testCertificates().ca.pem });
    s.on("error", () => {});
    let received = "";
    s.on("data", (d) => {
      received += d.toString();
    });
    await once(s, "secureConnect");
    s.write(getRequest(sid));
    await letServerPark();
    // The next GET, in a TLS record of its own, while the first is parked.
    s.write(getRequest(sid));
    await letServerPark();
    const post = await request(`${server.base}${target(sid)}`, { method: "POST", body: "4hello" });
    assert.equal(post.status, 200);
    await eventually(() => assert.match(received, /\r\n\r\n4hello$/));
    // The pipelined GET is now the parked one; leaving ends the session.
    s.end();
    await gone(sid, 3000);
  });
});

describe("queued WebSocket frames share TLS records", { skip: cppOnly }, () => {
  let server, proxy;
  // A TCP proxy that counts the TLS records the server sends (5-byte record headers).
  const seen = { records: 0, bytes: 0 };
  before(async () => {
    server = await startSioTls(["--ping-interval", "20000", "--ping-timeout", "20000"]);
    proxy = net.createServer((client) => {
      const upstream = net.connect({ host: HOST, port: server.port });
      let pending = Buffer.alloc(0);
      upstream.on("data", (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
          seen.records++;
          seen.bytes += pending.readUInt16BE(3);
          pending = pending.subarray(5 + pending.readUInt16BE(3));
        }
        client.write(chunk);
      });
      client.on("data", (chunk) => upstream.write(chunk));
      for (const [a, b] of [[client, upstream], [upstream, client]]) {
        a.on("error", () => b.destroy());
        a.on("close", () => b.destroy());
      }
    });
    await new Promise((resolve) => proxy.listen(0, HOST, resolve));
  });
  after(async () => {
    proxy?.close();
    await server?.stop();
  });

  async function viaProxy() {
    const port = proxy.address().port;
    return sioClient({ ...server, base: `https://${HOST}:${port}` }, "/", { transports: ["websocket"] });
  }

  it("an event with 10 attachments (11 frames queued at once) leaves in one record", async () => {
    const c = await viaProxy();
    try {
      await emitAck(c.socket, "echo", ["warm up"]);
      const attachments = Array.from({ length: 10 }, (_, i) => Buffer.alloc(100, i));
      const before = seen.records;
      c.socket.emit("message", ...attachments);
      const back = await c.next("message-back");
      assert.equal(back.length, 10);
      assert.equal(seen.records - before, 1, "records for the 11 frames of message-back");
    } finally {
      c.close();
    }
  });

  it("65 KB of queued frames leave in 16 KB records, not one per frame", async () => {
    const c = await viaProxy();
    try {
      // Ten attachments: the most a packet may have (the decoder's bound).
      const attachments = Array.from({ length: 10 }, (_, i) => Buffer.alloc(6500, i));
      const before = { ...seen };
      c.socket.emit("message", ...attachments);
      assert.equal((await c.next("message-back")).length, 10);
      const records = seen.records - before.records;
      const bytes = seen.bytes - before.bytes;
      // 11 frames; records carry up to 16 KB of them (plus the record's own overhead): about
      // 5 records, where a record per frame would be 11.
      assert.ok(bytes > 65000, `${bytes} bytes`);
      assert.ok(records <= Math.ceil(bytes / 16384) + 1, `${records} records for ${bytes} bytes`);
    } finally {
      c.close();
    }
  });
});
