// Rate limits (docs/architecture.md, "Security and limits"; extensions of the fixture,
// docs/FIXTURE.md): the per-socket Socket.IO event limit with its two actions, the per-session
// Engine.IO packet limit and the WebSocket ping-frame limit. Each test floods from one client
// and checks that the flooder is limited, that the application was told, that a client under
// the rate is never limited and that a bystander is unaffected. Not in the Node reference.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventually, isReference, once, openWs, parseOpen, startServer, withTimeout, wsUrl } from "./helpers.mjs";
import { emitAck, sioClient, startSio } from "./sio-helpers.mjs";

const skip = isReference ? "a limit of this server (not in the Node reference)" : false;

/** Waits until `count()` reaches `n` (counts of events that each arrive on their own). */
function reach(count, n, what) {
  return eventually(() => assert.equal(count(), n, what), { timeout: 5000 });
}

function received(client, event) {
  const seen = [];
  client.socket.on(event, (...args) => seen.push(args));
  return seen;
}

describe("Socket.IO event rate limit, action drop (--event-rate 20,5)", { skip }, () => {
  let server;
  before(async () => {
    server = await startSio(["--event-rate", "20,5", "--ping-interval", "20000", "--ping-timeout", "20000"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("a flood is cut to the burst; every dropped event is reported with its name and count", async () => {
    const flooder = await sioClient(server, "/", { transports: ["websocket"] });
    const bystander = await sioClient(server, "/", { transports: ["websocket"] });
    try {
      const backs = received(flooder, "message-back");
      const limited = received(flooder, "rate-limited");
      for (let i = 0; i < 50; i++) flooder.socket.emit("message", i);
      await reach(() => backs.length + limited.length, 50, "echoed + reported");
      // The burst of 5 passes, plus what the bucket refilled (20/s) while the flood was read.
      assert.ok(backs.length >= 5 && backs.length <= 10, `passed: ${backs.length}`);
      assert.deepEqual(backs.slice(0, 5), [[0], [1], [2], [3], [4]]);
      // In order, each with the event's name, the running count and rate_limited_count().
      limited.forEach((args, i) => assert.deepEqual(args, ["message", i + 1, i + 1]));

      // The bystander has a bucket of its own.
      for (let i = 0; i < 5; i++) {
        assert.deepEqual(await emitAck(bystander.socket, "echo", [`b${i}`]), [`b${i}`]);
      }
      // The flooder stays connected, and is served again once its bucket refilled.
      assert.equal(flooder.socket.connected, true);
      await eventually(async () => {
        assert.deepEqual(await emitAck(flooder.socket, "echo", ["after"], 300), ["after"]);
      }, { timeout: 5000 });
    } finally {
      flooder.close();
      bystander.close();
    }
  });

  it("a client under the rate is never limited", async () => {
    const client = await sioClient(server, "/", { transports: ["websocket"] });
    try {
      const limited = received(client, "rate-limited");
      // 10 events a second against 20 a second (burst 5): even timers that bunch up stay
      // inside the burst.
      for (let i = 0; i < 20; i++) {
        assert.deepEqual(await emitAck(client.socket, "echo", [i]), [i]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.deepEqual(limited, []);
    } finally {
      client.close();
    }
  });

  it("over polling too (a POST carrying a burst)", async () => {
    const client = await sioClient(server, "/", { transports: ["polling"] });
    try {
      const backs = received(client, "message-back");
      const limited = received(client, "rate-limited");
      for (let i = 0; i < 30; i++) client.socket.emit("message", i);
      await reach(() => backs.length + limited.length, 30, "echoed + reported");
      assert.ok(backs.length >= 5 && backs.length <= 10, `passed: ${backs.length}`);
      assert.ok(limited.length >= 20, `dropped: ${limited.length}`);
    } finally {
      client.close();
    }
  });
});

describe("Socket.IO event rate limit, action disconnect", { skip }, () => {
  let server;
  before(async () => {
    server = await startSio([
      "--event-rate", "20,5", "--event-rate-action", "disconnect",
      "--ping-interval", "20000", "--ping-timeout", "20000",
    ]);
  });
  after(async () => {
    await server?.stop();
  });

  it("the flooder is told, then disconnected with \"rate limit exceeded\"; others carry on", async () => {
    const watcher = await sioClient(server, "/", { transports: ["websocket"] });
    const flooder = await sioClient(server, "/", { transports: ["websocket"] });
    try {
      await emitAck(watcher.socket, "join", ["watchers"]);
      const id = flooder.socket.id;
      for (let i = 0; i < 50; i++) flooder.socket.emit("message", i);
      assert.deepEqual(await flooder.next("rate-limited"), ["message", 1, 1]);
      assert.equal(await flooder.next("disconnect"), "io server disconnect");
      // The server's disconnect handler got the reason.
      assert.deepEqual(await watcher.next("disconnected"), [id, "rate limit exceeded"]);
      assert.equal(flooder.pending("rate-limited"), 0, "told once");
      assert.deepEqual(await emitAck(watcher.socket, "echo", ["fine"]), ["fine"]);
    } finally {
      flooder.close();
      watcher.close();
    }
  });
});

describe("Engine.IO packet rate limit (--packet-rate 10,10)", { skip }, () => {
  let server;
  before(async () => {
    server = await startServer(["--packet-rate", "10,10", "--ping-interval", "20000", "--ping-timeout", "20000"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("a client over the rate is closed; another is not", async () => {
    const flooder = await openWs(wsUrl(server));
    const bystander = await openWs(wsUrl(server));
    try {
      parseOpen(await flooder.nextText(5000, "OPEN"));
      parseOpen(await bystander.nextText(5000, "OPEN"));
      let echoes = 0;
      flooder.ws.on("message", () => echoes++);
      for (let i = 0; i < 40; i++) flooder.send(`4m${i}`);
      await withTimeout(flooder.closed, 5000, "the flooder's close");
      assert.ok(echoes >= 10 && echoes < 40, `echoes before the close: ${echoes}`);
      for (let i = 0; i < 5; i++) {
        bystander.send(`4b${i}`);
        assert.equal(await bystander.nextText(5000, "echo"), `4b${i}`);
      }
    } finally {
      flooder.terminate();
      await bystander.close();
    }
  });
});

describe("WebSocket ping-frame limit (default 10/s, burst 20)", { skip }, () => {
  let server;
  before(async () => {
    server = await startServer(["--ping-interval", "20000", "--ping-timeout", "20000"]);
  });
  after(async () => {
    await server?.stop();
  });

  async function opened(url = wsUrl(server)) {
    const conn = await openWs(url);
    parseOpen(await conn.nextText(5000, "OPEN"));
    return conn;
  }

  it("a ping flood is closed with 1008; a bystander is unaffected", async () => {
    const flooder = await opened();
    const bystander = await opened();
    try {
      for (let i = 0; i < 200; i++) flooder.ws.ping(`p${i}`);
      const closed = await withTimeout(flooder.closed, 5000, "the flooder's close");
      assert.equal(closed.code, 1008);
      bystander.send("4still here");
      assert.equal(await bystander.nextText(5000, "echo"), "4still here");
    } finally {
      flooder.terminate();
      await bystander.close();
    }
  });

  it("the Socket.IO endpoint has the same limit", async () => {
    const flooder = await opened(wsUrl(server).replace("/engine.io/", "/socket.io/"));
    try {
      for (let i = 0; i < 200; i++) flooder.ws.ping();
      const closed = await withTimeout(flooder.closed, 5000, "the flooder's close");
      assert.equal(closed.code, 1008);
    } finally {
      flooder.terminate();
    }
  });

  it("a burst within the limit is answered and the connection stays open", async () => {
    const client = await opened();
    try {
      let pongs = 0;
      client.ws.on("pong", () => pongs++);
      for (let i = 0; i < 20; i++) client.ws.ping(`p${i}`);
      // Frames are answered in order: the echo of a message sent after the pings comes after
      // their pongs.
      client.send("4after");
      assert.equal(await client.nextText(5000, "echo"), "4after");
      assert.equal(pongs, 20);
    } finally {
      await client.close();
    }
  });
});

describe("WebSocket ping-frame limit off (--ws-ping-rate 0)", { skip }, () => {
  let server;
  before(async () => {
    server = await startServer(["--ws-ping-rate", "0"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("every ping is answered", async () => {
    const conn = await openWs(wsUrl(server));
    try {
      parseOpen(await conn.nextText(5000, "OPEN"));
      let pongs = 0;
      conn.ws.on("pong", () => pongs++);
      for (let i = 0; i < 200; i++) conn.ws.ping();
      conn.send("4after");
      assert.equal(await conn.nextText(5000, "echo"), "4after");
      assert.equal(pongs, 200);
    } finally {
      await conn.close();
    }
  });
});
