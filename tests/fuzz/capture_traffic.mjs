// Records real client traffic and turns it into fuzz seeds (make_corpus.sh runs it, then
// minimises the result with libFuzzer's -merge=1 into tests/fuzz/corpus/<target>/).
//
//   node tests/fuzz/capture_traffic.mjs --fixture <socketio-fixture-server> \
//        --redis-server <redis-server> --vectors <tests/data/redis-adapter> --out <dir>
//
// Where the bytes come from:
// - the fixture server, reached by the npm engine.io-client and socket.io-client (tests/e2e's
//   node_modules) through a loopback proxy that records both directions of every TCP
//   connection: polling, WebSocket-only and upgrading sessions, text and binary messages,
//   acks, rooms, namespaces (one refused), a refused handshake, and one CORS preflight as a
//   browser sends it (node:http, since the Node clients never send one);
// - a real redis-server, reached by the npm `redis` client through the same kind of proxy:
//   its replies (including pub/sub pushes carrying the Node adapter's captured payloads);
// - the Node Redis adapter's captured messages (tests/data/redis-adapter, payload_base64).
//
// Seeds per target (file names say where each came from):
// - http_request_fuzz: per Engine.IO session, its requests in the order sent (a WebSocket
//   upgrade last, with the frames that followed it), the session id replaced by {SID}; each
//   after an options byte (see http_request_fuzz.cpp);
// - ws_frame_fuzz: the client's frames after each upgrade, after a chunk-size byte;
// - eio_payload_fuzz: polling bodies both ways and WebSocket text frames;
// - sio_decoder_fuzz: each Socket.IO packet with its binary attachments (0x1E-separated, `b`
//   before each attachment, as the target reads them);
// - redis_wire_fuzz, msgpack_fuzz, json_text_fuzz: the adapter payloads (msgpack or JSON);
// - resp_reader_fuzz: what redis-server sent on each connection, after a chunk-size byte.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const requireE2e = createRequire(path.join(here, "..", "e2e", "package.json"));
const { Socket: EioSocket } = requireE2e("engine.io-client");
const { io: sioConnect } = requireE2e("socket.io-client");
const { createClient: createRedisClient } = requireE2e("redis");

const HOST = "127.0.0.1";
const STEP_TIMEOUT_MS = 10000;

function argument(name) {
  const i = process.argv.indexOf(name);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`missing ${name}`);
  return process.argv[i + 1];
}

const out = argument("--out");
const fixturePath = argument("--fixture");
const redisServerPath = argument("--redis-server");
const vectorsDir = argument("--vectors");

// --- helpers ---

function withTimeout(promise, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out`)), STEP_TIMEOUT_MS);
    }),
  ]);
}

const written = new Map();  // target -> count
function seed(target, name, bytes) {
  const dir = path.join(out, target);
  fs.mkdirSync(dir, { recursive: true });
  const n = (written.get(target) ?? 0) + 1;
  written.set(target, n);
  fs.writeFileSync(path.join(dir, `${String(n).padStart(4, "0")}-${name}`), bytes);
}

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// A loopback TCP proxy that keeps every connection's bytes in order, per direction.
async function recordingProxy(targetPort) {
  const connections = [];
  const sockets = new Set();
  const server = net.createServer((client) => {
    const record = { id: connections.length, up: [], down: [] };
    connections.push(record);
    const upstream = net.connect(targetPort, HOST);
    sockets.add(client).add(upstream);
    client.on("data", (d) => {
      record.up.push(Buffer.from(d));
      upstream.write(d);
    });
    upstream.on("data", (d) => {
      record.down.push(Buffer.from(d));
      client.write(d);
    });
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  return {
    port: server.address().port,
    connections,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        for (const s of sockets) s.destroy();
      }),
  };
}

async function startProcess(command, args, readyPattern, name) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const ready = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      text += chunk;
      const m = readyPattern.exec(text);
      if (m) resolve(m);
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", onData);
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d) => {
      text += d;
    });
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}): ${text}`)));
  });
  const match = await withTimeout(ready, `${name} start`);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    match,
    stop: async () => {
      child.kill("SIGTERM");
      await withTimeout(exited, `${name} stop`);
    },
  };
}

// --- the Engine.IO and Socket.IO scenarios ---

function eioSession(port, transports, work) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const socket = new EioSocket(`ws://${HOST}:${port}`, {
        transports,
        extraHeaders: { Origin: "https://a.example" },
      });
      const received = [];
      socket.on("message", (m) => received.push(m));
      socket.on("error", reject);
      socket.on("open", async () => {
        try {
          await work(socket, received);
          socket.on("close", () => resolve());
          socket.close();
        } catch (e) {
          reject(e);
        }
      });
    }),
    `engine.io session over ${transports.join("+")}`,
  );
}

function waitFor(condition) {
  return new Promise((resolve) => {
    const poll = () => (condition() ? resolve() : setTimeout(poll, 5));
    poll();
  });
}

async function eioScenarios(port) {
  const messages = ["hello", "héllo wörld ✓", "x".repeat(300), "", "{\"json\":[1,2,3]}"];
  const binary = Uint8Array.from([0, 1, 2, 0x1e, 0xff, 0x80]);
  for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
    await eioSession(port, transports, async (socket, received) => {
      if (transports.length === 2 && socket.transport.name !== "websocket") {
        await new Promise((r) => socket.once("upgrade", r));
      }
      for (const m of messages) socket.send(m);
      socket.send(binary);
      // The fixture echoes every message: wait for all of them.
      await waitFor(() => received.length >= messages.length + 1);
    });
  }
}

function sioSession(port, options, work) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const socket = sioConnect(`http://${HOST}:${port}${options.nsp ?? ""}`, {
        forceNew: true,
        reconnection: false,
        ...options,
      });
      socket.on("connect_error", (e) => (options.expectError ? resolve(e) : reject(e)));
      socket.on("connect", async () => {
        try {
          await work(socket);
          socket.disconnect();
          resolve();
        } catch (e) {
          reject(e);
        }
      });
    }),
    `socket.io session ${JSON.stringify(options)}`,
  );
}

async function sioScenarios(port) {
  const args = [
    "plain",
    42,
    -1.5,
    true,
    null,
    { nested: { list: [1, "two", { three: 3 }], empty: {} } },
    "unicode: 日本語 😀",
  ];
  for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
    await sioSession(port, { transports, auth: { token: "abc", n: 1 } }, async (socket) => {
      if (transports.length === 2 && socket.io.engine.transport.name !== "websocket") {
        await new Promise((r) => socket.io.engine.once("upgrade", r));
      }
      const back = new Promise((r) => socket.once("message-back", (...a) => r(a)));
      socket.emit("message", ...args);
      await back;
      await socket.emitWithAck("echo", { a: 1 }, [1, 2, 3]);
      await socket.emitWithAck("echo", Buffer.from([1, 2, 3]), { bin: Buffer.from("xyz") });
      await socket.emitWithAck("join", "room1");
      const msg = new Promise((r) => socket.once("msg", r));
      await socket.emitWithAck("bcast", "room1", { text: "to the room", data: Buffer.alloc(4) });
      await msg;
      await socket.emitWithAck("leave", "room1");
      socket.volatile.emit("message", "volatile");
    });
  }
  await sioSession(port, { nsp: "/custom", transports: ["websocket"], auth: { k: "v" } }, async () => {});
  await sioSession(port, { nsp: "/custom", transports: ["polling"] }, async () => {});
  await sioSession(port, { nsp: "/nowhere", transports: ["polling"], expectError: true }, async () => {});
  // A handshake the server refuses (the fixture's --deny-param).
  await sioSession(
    port,
    { transports: ["polling"], query: { deny: "1" }, expectError: true },
    async () => {},
  );
}

// The preflight a browser sends before a credentialed cross-origin POST.
function preflight(port) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = http.request({
        host: HOST,
        port,
        method: "OPTIONS",
        path: "/socket.io/?EIO=4&transport=polling&t=abc123",
        headers: {
          Origin: "https://a.example",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "content-type",
          "User-Agent": "Mozilla/5.0",
          Accept: "*/*",
        },
      });
      req.on("response", (res) => {
        res.resume();
        res.on("end", resolve);
      });
      req.on("error", reject);
      req.end();
    }),
    "preflight",
  );
}

// --- splitting the recorded streams ---

function concat(chunks) {
  return Buffer.concat(chunks);
}

// Splits an HTTP/1.1 byte stream into messages {head, body, rest}; `rest` is what follows an
// upgrade (or an unparsable tail).
function splitHttp(bytes, isResponse) {
  const messages = [];
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf("\r\n\r\n", at);
    if (end < 0) break;
    const head = bytes.subarray(at, end + 4);
    const text = head.toString("latin1");
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
    const n = length ? Number(length[1]) : 0;
    const upgrade = isResponse ? /^HTTP\/1\.1 101/.test(text) : /\r\nupgrade:\s*websocket/i.test(text);
    const body = bytes.subarray(end + 4, end + 4 + n);
    at = end + 4 + n;
    messages.push({ head, text, body, start: head, upgrade });
    if (upgrade) {
      messages[messages.length - 1].rest = bytes.subarray(at);
      break;
    }
  }
  return messages;
}

// Decodes WebSocket frames (masked or not) into {opcode, fin, payload}; stops at a partial one.
function splitFrames(bytes) {
  const frames = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const b0 = bytes[at];
    const b1 = bytes[at + 1];
    let len = b1 & 0x7f;
    let p = at + 2;
    if (len === 126) {
      if (p + 2 > bytes.length) break;
      len = bytes.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (p + 8 > bytes.length) break;
      len = Number(bytes.readBigUInt64BE(p));
      p += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const mask = masked ? bytes.subarray(p, p + 4) : null;
    if (masked) p += 4;
    if (p + len > bytes.length) break;
    const payload = Buffer.from(bytes.subarray(p, p + len));
    if (mask) for (let i = 0; i < payload.length; ++i) payload[i] ^= mask[i % 4];
    frames.push({ opcode: b0 & 0x0f, fin: (b0 & 0x80) !== 0, payload, raw: bytes.subarray(at, p + len) });
    at = p + len;
  }
  return frames;
}

const SEP = 0x1e;

// Engine.IO packets of a polling payload: {text} or {binary}.
function payloadPackets(body) {
  const packets = [];
  for (const part of body.toString("utf8").split("\x1e")) {
    if (part.startsWith("b")) packets.push({ binary: Buffer.from(part.slice(1), "base64") });
    else if (part.length) packets.push({ text: part });
  }
  return packets;
}

// Socket.IO packets with their attachments, from a sequence of Engine.IO packets.
function socketioSeeds(enginePackets, name) {
  let i = 0;
  while (i < enginePackets.length) {
    const p = enginePackets[i++];
    if (p.text === undefined || !p.text.startsWith("4")) continue;
    const sio = p.text.slice(1);
    const parts = [Buffer.from(sio, "utf8")];
    const attachments = /^[56](\d+)-/.exec(sio);
    for (let k = 0; attachments && k < Number(attachments[1]) && i < enginePackets.length; ++k) {
      const a = enginePackets[i++];
      if (a.binary) parts.push(Buffer.concat([Buffer.from("b"), a.binary]));
    }
    const joined = [];
    parts.forEach((part, n) => {
      if (n) joined.push(Buffer.from([SEP]));
      joined.push(part);
    });
    seed("sio_decoder_fuzz", name, Buffer.concat(joined));
  }
}

function framePackets(frames) {
  const packets = [];
  for (const f of frames) {
    if (f.opcode === 1) packets.push({ text: f.payload.toString("utf8") });
    else if (f.opcode === 2) packets.push({ binary: f.payload });
  }
  return packets;
}

// Options bytes the HTTP seeds are written with (http_request_fuzz.cpp's configure()):
// defaults; CORS with one origin; CORS with a list, credentials and the small payload limit
// plus allow_request.
const HTTP_OPTIONS = [0x00, 0x03, 0x8d];

function splitEngineTraffic(connections) {
  const sessions = new Map();  // sid -> [{order, bytes, upgrade}]
  const sidOf = (text) => /[?&]sid=([^&\s]+)/.exec(text)?.[1];
  connections.forEach((c, connectionIndex) => {
    const up = concat(c.up);
    const down = concat(c.down);
    const requests = splitHttp(up, false);
    const responses = splitHttp(down, true);
    requests.forEach((req, k) => {
      const res = responses[k];
      let sid = sidOf(req.text);
      if (!sid && res) sid = /"sid":"([^"]+)"/.exec(res.body.toString("latin1"))?.[1];
      let bytes = Buffer.concat([req.head, req.body]);
      if (req.upgrade) bytes = Buffer.concat([bytes, req.rest.subarray(0, 4096)]);
      const key = sid ?? `connection-${connectionIndex}`;
      if (!sessions.has(key)) sessions.set(key, []);
      sessions.get(key).push({ order: connectionIndex * 1000 + k, bytes, upgrade: req.upgrade });

      if (req.body.length) seed("eio_payload_fuzz", "post-body", req.body);
      if (res && res.body.length && !res.upgrade && /^HTTP\/1\.1 200/.test(res.text)) {
        seed("eio_payload_fuzz", "poll-response", res.body);
      }
      const enginePackets = [];
      if (req.body.length) enginePackets.push(...payloadPackets(req.body));
      if (res && res.body.length && /text\/plain/.test(res.text)) {
        enginePackets.push(...payloadPackets(res.body));
      }
      socketioSeeds(enginePackets, "polling");

      if (req.upgrade) {
        // The client's frames (masked), then the server's (after its 101).
        const clientFrames = splitFrames(req.rest);
        if (req.rest.length) {
          for (const chunkByte of [63, 6]) {
            seed("ws_frame_fuzz", "client-frames", Buffer.concat([Buffer.from([chunkByte]), req.rest.subarray(0, 16384)]));
          }
        }
        for (const f of clientFrames) {
          if (f.opcode === 1) seed("eio_payload_fuzz", "ws-text", f.payload);
        }
        socketioSeeds(framePackets(clientFrames), "ws-client");
        const serverRest = res?.rest ?? Buffer.alloc(0);
        const serverFrames = splitFrames(serverRest);
        for (const f of serverFrames) {
          if (f.opcode === 1) seed("eio_payload_fuzz", "ws-text-server", f.payload);
        }
        socketioSeeds(framePackets(serverFrames), "ws-server");
      }
    });
  });
  for (const [key, requests] of sessions) {
    requests.sort((a, b) => Number(a.upgrade) - Number(b.upgrade) || a.order - b.order);
    let bytes = Buffer.concat(requests.map((r) => r.bytes)).toString("latin1");
    if (!key.startsWith("connection-")) bytes = bytes.split(key).join("{SID}");
    for (const option of HTTP_OPTIONS) {
      seed("http_request_fuzz", "session", Buffer.concat([Buffer.from([option]), Buffer.from(bytes, "latin1")]));
    }
  }
}

// --- Redis ---

function redisVectors() {
  for (const file of fs.readdirSync(vectorsDir).filter((f) => f.endsWith(".json")).sort()) {
    const v = JSON.parse(fs.readFileSync(path.join(vectorsDir, file), "utf8"));
    if (!v?.payload_base64) continue;
    const payload = Buffer.from(v.payload_base64, "base64");
    const name = file.replace(/\.json$/, "");
    seed("redis_wire_fuzz", name, payload);
    seed(payload[0] === 0x7b ? "json_text_fuzz" : "msgpack_fuzz", name, payload);
  }
}

async function redisReplies() {
  const port = await freePort();
  const server = await startProcess(
    redisServerPath,
    ["--port", String(port), "--bind", HOST, "--save", "", "--appendonly", "no"],
    /Ready to accept connections/,
    "redis-server",
  );
  const proxy = await recordingProxy(port);
  try {
    const url = `redis://${HOST}:${proxy.port}`;
    const client = createRedisClient({ url });
    const subscriber = createRedisClient({ url });
    await withTimeout(client.connect(), "redis connect");
    await withTimeout(subscriber.connect(), "redis connect");
    const got = [];
    await subscriber.pSubscribe("socket.io#*", (message, channel) => got.push([channel, message]), true);
    await subscriber.subscribe("socket.io-request#/#", (message) => got.push(["req", message]), true);
    const payloads = fs
      .readdirSync(vectorsDir)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .slice(0, 12)
      .map((f) => JSON.parse(fs.readFileSync(path.join(vectorsDir, f), "utf8")))
      .filter((v) => v?.payload_base64);
    const commands = [
      ...payloads.map((v) => () =>
        client.publish(v.channel ?? "socket.io#/#", Buffer.from(v.payload_base64, "base64"))),
      () => client.set("key", "value"),
      () => client.get("key"),
      () => client.get("missing"),
      () => client.incr("counter"),
      () => client.sendCommand(["PUBSUB", "NUMSUB", "socket.io-request#/#"]),
      () => client.sendCommand(["PUBSUB", "SHARDNUMSUB", "socket.io#/#"]),
      () => client.sendCommand(["NO-SUCH-COMMAND"]),
      () => client.sendCommand(["LRANGE", "nothing", "0", "-1"]),
      () => client.sendCommand(["CLIENT", "INFO"]),
    ];
    for (const command of commands) {
      await withTimeout(command().catch(() => {}), "redis command");
    }
    await withTimeout(waitFor(() => got.length >= 1), "redis pub/sub delivery");
    await subscriber.quit();
    await client.quit();
  } finally {
    await proxy.close();
    await server.stop();
  }
  for (const c of proxy.connections) {
    const down = concat(c.down);
    if (!down.length) continue;
    for (const chunkByte of [63, 2]) {
      seed("resp_reader_fuzz", "redis-replies", Buffer.concat([Buffer.from([chunkByte]), down]));
    }
  }
}

// --- main ---

fs.mkdirSync(out, { recursive: true });
const fixture = await startProcess(
  fixturePath,
  ["--port", "0", "--cors-origin", "https://a.example", "--deny-param", "deny"],
  /listening (\d+)/,
  "fixture server",
);
const proxy = await recordingProxy(Number(fixture.match[1]));
try {
  await eioScenarios(proxy.port);
  await sioScenarios(proxy.port);
  await preflight(proxy.port);
} finally {
  await proxy.close();
  await fixture.stop();
}
// The Socket.IO sessions were captured at /socket.io/; the HTTP target serves /engine.io/.
for (const c of proxy.connections) {
  c.up = [Buffer.from(concat(c.up).toString("latin1").split("/socket.io/").join("/engine.io/"), "latin1")];
}
splitEngineTraffic(proxy.connections);
redisVectors();
await redisReplies();
for (const [target, n] of [...written].sort()) console.log(`${target}: ${n} seeds`);
