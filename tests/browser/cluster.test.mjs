// The chat example in cluster mode, in a real browser: two socketio-chat nodes share a private
// redis-server through the Redis adapter (classic and sharded), and pages on different nodes
// chat as if on one server.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import os from "node:os";
import { after, before, describe, test } from "node:test";

import { entry, HOST, launchBrowser, login, openChat, say, startChat, UI_MS } from "./harness.mjs";

const REDIS_STARTUP_MS = 10000;
const REDIS_STOP_MS = 5000;

let browser;

before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** A free loopback port (closed again before it is used). */
async function freePort() {
  const server = net.createServer();
  server.listen(0, HOST);
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

/**
 * A redis-server of our own on 127.0.0.1, without persistence. Resolves once it accepts
 * connections; stop() sends SIGTERM to its PID and waits for the exit.
 */
async function startRedis() {
  const port = await freePort();
  const child = spawn(process.env.REDIS_SERVER || "redis-server", [
    "--port", String(port), "--bind", HOST, "--save", "", "--appendonly", "no",
    "--dir", os.tmpdir(), "--loglevel", "warning",
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (c) => { log = (log + c).slice(-10000); });
  }
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    let timer;
    const r = await Promise.race([exited, new Promise((res) => { timer = setTimeout(() => res(null), REDIS_STOP_MS); })]);
    clearTimeout(timer);
    if (r === null) {
      child.kill("SIGKILL");
      await exited;
    }
  };
  // Ready when a PING over a fresh connection is answered; bounded by REDIS_STARTUP_MS.
  const deadline = Date.now() + REDIS_STARTUP_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${log}`);
    if (await pingRedis(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not answer PING within ${REDIS_STARTUP_MS} ms: ${log}`);
    }
    // Retry pacing for a process that is still starting, not synchronisation.
    await new Promise((res) => setTimeout(res, 50));
  }
  return { port, url: `redis://${HOST}:${port}`, stop };
}

/** Resolves true when redis-server on `port` answers PING with +PONG, false otherwise. */
function pingRedis(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    let reply = "";
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (c) => {
      reply += c.toString("latin1");
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

/** Runs `fn(nodeA, nodeB, pages)` with a Redis and two chat nodes on it, all stopped after. */
async function withCluster(mode, fn) {
  const redis = await startRedis();
  const nodes = [];
  const pages = [];
  try {
    const args = ["--redis", redis.url, "--redis-mode", mode];
    nodes.push(await startChat({ args }));
    nodes.push(await startChat({ args }));
    await fn(nodes[0], nodes[1], pages);
    for (const p of pages) assert.deepEqual(p.pageErrors ?? [], []);
  } finally {
    for (const p of pages) await p.context().close().catch(() => {});
    const stops = await Promise.allSettled(nodes.map((n) => n.stop()));
    await redis.stop();
    for (const s of stops) if (s.status === "rejected") throw s.reason;
  }
}

async function open(node, pages, nickname) {
  const page = await openChat(browser, node, nickname);
  pages.push(page);
  return page;
}

const memberNames = (page) => page.evaluate(() =>
  [...document.querySelectorAll("#members li")].map((e) => e.textContent).sort().join(","));

for (const mode of ["classic", "sharded"]) {
  describe(`cluster mode (${mode} Redis adapter)`, () => {
    test("pages on two nodes see each other, chat, type and message privately", async () => {
      await withCluster(mode, async (nodeA, nodeB, pages) => {
        assert.notEqual(nodeA.port, nodeB.port);
        const alice = await open(nodeA, pages, "alice");
        const bob = await open(nodeB, pages, "bob");

        // Both member lists show both nicknames (each list comes from the whole cluster).
        for (const page of [alice, bob]) {
          await page.waitForFunction(() =>
            [...document.querySelectorAll("#members li")].map((e) => e.textContent).sort().join(",") ===
              "alice,bob");
        }

        // A room message from node A reaches node B; A's entry turns "delivered".
        await say(alice, "hello from node A");
        await entry(bob, "hello from node A").waitFor();
        assert.equal(await entry(bob, "hello from node A").locator(".from").textContent(), "alice");
        await alice.locator('#log li.own .state[data-state="delivered"]').waitFor();

        // Typing on node B shows on node A.
        await bob.fill("#text", "a reply in progress");
        await alice.locator("#typing", { hasText: "bob is typing…" }).waitFor();

        // A third page on node B cannot take "alice", which is in use on node A.
        const context = await browser.newContext();
        const third = await context.newPage();
        pages.push(third);
        third.pageErrors = [];
        third.on("pageerror", (e) => third.pageErrors.push(e));
        third.setDefaultTimeout(UI_MS);
        await third.goto(nodeB.url);
        await login(third, "alice");
        await third.locator("#login-error").filter({ hasText: 'nickname "alice" is taken' }).waitFor();
        assert.equal(await third.locator("#chat").isHidden(), true);
        // It then enters under a free name on node B, so that it could see a misrouted message.
        await login(third, "carol");
        await third.locator('#status[data-state="connected"]').waitFor();
        await third.locator("#chat:not([hidden])").waitFor();
        await alice.waitForFunction(() => document.querySelectorAll("#members li").length === 3);
        assert.equal(await memberNames(third), "alice,bob,carol");

        // A private message from node A arrives at bob on node B, and at nobody else.
        await say(alice, "/msg bob only for bob");
        await bob.locator('#rooms li[data-room="@private"] .unread', { hasText: "1" }).waitFor();
        await bob.click('#rooms li[data-room="@private"] .room-name');
        const pm = entry(bob, "only for bob", "private");
        await pm.waitFor();
        assert.equal(await pm.locator(".from").textContent(), "alice → bob");
        await alice.click('#rooms li[data-room="@private"] .room-name');
        await alice.locator('#log li.own .state[data-state="delivered"]').waitFor();
        // bob's delivery was acknowledged before this point, so carol's is not still in flight.
        assert.equal(await third.locator('#rooms li[data-room="@private"] .unread').textContent(), "");
        await third.click('#rooms li[data-room="@private"] .room-name');
        assert.equal(await third.locator("#log li").count(), 0);
      });
    });
  });
}
