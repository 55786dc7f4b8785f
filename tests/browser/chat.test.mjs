// The chat example in a real browser: Debian's Chromium, headless, against socketio-chat.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { entry, launchBrowser, login, openChat, say, startChat, UI_MS } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
let browser;

before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Runs `fn(server)` with a fresh chat server, stopped (exit 0 asserted) afterwards. */
async function withChat(fn, opts) {
  const server = await startChat(opts);
  const pages = [];
  try {
    await fn(server, pages);
  } finally {
    for (const p of pages) await p.context().close().catch(() => {});
    await server.stop();
  }
}

async function open(server, pages, nickname, opts) {
  const page = await openChat(browser, server, nickname, opts);
  pages.push(page);
  return page;
}

test("two pages chat: the message appears on the other page and the sender sees it delivered", async () => {
  await withChat(async (server, pages) => {
    const alice = await open(server, pages, "alice", { viewport: { width: 1100, height: 640 } });
    const bob = await open(server, pages, "bob");
    await say(alice, "hello from alice");
    await entry(bob, "hello from alice").waitFor();
    assert.equal(await entry(bob, "hello from alice").locator(".from").textContent(), "alice");
    await alice.locator('#log li.own .state[data-state="delivered"]').waitFor();
    await say(bob, "hi alice, bob here");
    await entry(alice, "hi alice, bob here").waitFor();
    await bob.locator('#log li.own .state[data-state="delivered"]').waitFor();
    // A third user, a join notice and a typing hint make the screenshot show every part.
    const carol = await open(server, pages, "carol");
    await alice.locator("#log li.notice", { hasText: "carol joined" }).waitFor();
    await say(carol, "carol joins the <b>conversation</b>");
    await entry(alice, "carol joins the <b>conversation</b>").waitFor();
    await bob.fill("#text", "typing a reply");
    await alice.locator("#typing", { hasText: "bob is typing…" }).waitFor();
    await alice.locator("#members li", { hasText: "carol" }).waitFor();
    mkdirSync(path.join(here, "../../docs"), { recursive: true });
    // A fixed clock in the picture, so that the committed image changes only with the page.
    await alice.evaluate(() => document.querySelectorAll("#log .time").forEach((e) => { e.textContent = "12:00 PM"; }));
    await alice.screenshot({ path: path.join(here, "../../docs/chat.png") });
    for (const p of pages) assert.deepEqual(p.pageErrors, []);
  });
});

test("a user who joins late sees the member list, and the others see the update", async () => {
  await withChat(async (server, pages) => {
    const alice = await open(server, pages, "alice");
    const bob = await open(server, pages, "bob");
    const carol = await open(server, pages, "carol");
    const members = (p) => p.locator("#members li");
    await assert.doesNotReject(() =>
      carol.waitForFunction(() =>
        [...document.querySelectorAll("#members li")].map((e) => e.textContent).join(",") === "alice,bob,carol"));
    assert.deepEqual(await members(carol).allTextContents(), ["alice", "bob", "carol"]);
    await alice.waitForFunction(() => document.querySelectorAll("#members li").length === 3);
    await alice.locator("#log li.notice", { hasText: "carol joined" }).waitFor();
    // Leaving: the others see the notice and the smaller list.
    await carol.context().close();
    pages.splice(pages.indexOf(carol), 1);
    await bob.locator("#log li.notice", { hasText: "carol left" }).waitFor();
    await bob.waitForFunction(() =>
      [...document.querySelectorAll("#members li")].map((e) => e.textContent).join(",") === "alice,bob");
  });
});

test("typing shows on the other page and clears when the message arrives", async () => {
  await withChat(async (server, pages) => {
    const alice = await open(server, pages, "alice");
    const bob = await open(server, pages, "bob");
    await alice.type("#text", "hel");
    await bob.locator("#typing", { hasText: "alice is typing…" }).waitFor();
    await alice.type("#text", "lo");
    await alice.press("#text", "Enter");
    await entry(bob, "hello").waitFor();
    await bob.waitForFunction(() => document.getElementById("typing").textContent === "");
  });
});

test("refused nicknames show the server's message: duplicate, too long, empty", async () => {
  await withChat(async (server, pages) => {
    await open(server, pages, "alice");
    const context = await browser.newContext();
    const page = await context.newPage();
    pages.push(page);
    page.setDefaultTimeout(UI_MS);
    await page.goto(server.url);
    const error = page.locator("#login-error");
    await login(page, "ALICE");
    await error.filter({ hasText: 'nickname "ALICE" is taken' }).waitFor();
    await login(page, "x".repeat(33));
    await error.filter({ hasText: "nickname is longer than 32 characters" }).waitFor();
    await login(page, "   ");
    await error.filter({ hasText: "choose a nickname" }).waitFor();
    assert.equal(await page.locator("#chat").isHidden(), true);
    // 32 characters are fine, and the page then enters the chat.
    await login(page, "y".repeat(32));
    await page.locator('#status[data-state="connected"]').waitFor();
    await page.locator("#chat:not([hidden])").waitFor();
    assert.equal(await page.locator("#me").textContent(), "y".repeat(32));
  });
});

test("a page on polling and a page on WebSocket chat with each other and show their transport", async () => {
  await withChat(async (server, pages) => {
    const polling = await open(server, pages, "paula", { query: "?transport=polling" });
    const ws = await open(server, pages, "walter");
    await ws.locator('#transport[data-transport="websocket"]').waitFor();
    assert.equal(await polling.locator("#transport").textContent(), "polling");
    await say(polling, "sent over long-polling");
    await entry(ws, "sent over long-polling").waitFor();
    await say(ws, "sent over a WebSocket");
    await entry(polling, "sent over a WebSocket").waitFor();
    await polling.locator('#log li.own .state[data-state="delivered"]').waitFor();
    await ws.locator('#log li.own .state[data-state="delivered"]').waitFor();
    // The polling page never upgraded.
    assert.equal(await polling.locator("#transport").textContent(), "polling");
  });
});

test("after a server restart the pages reconnect with their nickname and rooms", async () => {
  let server = await startChat();
  const port = server.port;
  const pages = [];
  try {
    const alice = await openChat(browser, server, "alice");
    pages.push(alice);
    const bob = await openChat(browser, server, "bob");
    pages.push(bob);
    for (const p of [alice, bob]) {
      await p.fill("#room-input", "ops");
      await p.press("#room-input", "Enter");
      await p.locator('#rooms li.current[data-room="ops"]').waitFor();
    }
    await server.stop();
    await alice.locator('#status[data-state="reconnecting"]').waitFor();
    server = await startChat({ port });
    for (const p of [alice, bob]) {
      await p.locator('#status[data-state="connected"]').waitFor({ timeout: 15000 });
    }
    assert.equal(await alice.locator("#me").textContent(), "alice");
    assert.deepEqual(await alice.locator("#rooms li[data-room]").evaluateAll((l) => l.map((e) => e.dataset.room)),
      ["lobby", "ops", "@private"]);
    // The new server knows both in "ops": a message there reaches the other page.
    await alice.waitForFunction(() =>
      [...document.querySelectorAll("#members li")].map((e) => e.textContent).join(",") === "alice,bob");
    await say(alice, "back after the restart");
    await entry(bob, "back after the restart").waitFor();
    await alice.locator('#log li.own .state[data-state="delivered"]').last().waitFor();
  } finally {
    for (const p of pages) await p.context().close().catch(() => {});
    await server.stop();
  }
});

test("a flooding page is told to slow down, then disconnected", async () => {
  await withChat(async (server, pages) => {
    const alice = await open(server, pages, "alice");
    const bob = await open(server, pages, "bob");
    const burst = (n, label) => alice.evaluate(([count, tag]) => {
      for (let i = 0; i < count; i++) {
        document.getElementById("text").value = `${tag} ${i}`;
        document.getElementById("send-form").requestSubmit();
      }
    }, [n, label]);
    await burst(12, "burst");
    await alice.locator('#banner[data-kind="warn"]', { hasText: "slow down" }).waitFor();
    await alice.locator("#log li.own .state", { hasText: "not delivered: rate limited" }).first().waitFor();
    await burst(40, "flood");
    await alice.locator('#banner[data-kind="error"]', { hasText: "Disconnected for flooding" }).waitFor();
    await alice.locator('#status[data-state="offline"]').waitFor();
    await bob.locator("#log li.notice", { hasText: "alice left" }).waitFor();
    // The accepted part of the burst did reach the other page; the rest did not.
    await entry(bob, "burst 0").waitFor();
    assert.equal(await entry(bob, "flood 39").count(), 0);
  });
});

test("HTML in a message is shown as text, never parsed", async () => {
  await withChat(async (server, pages) => {
    const alice = await open(server, pages, "alice");
    const bob = await open(server, pages, "bob");
    const html = '<img src=x onerror="window.__pwned=1"><b>bold</b><script>window.__pwned=2</script>';
    await say(alice, html);
    const e = entry(bob, html);
    await e.waitFor();
    assert.equal(await e.locator(".text").textContent(), html);
    assert.equal(await bob.locator("#log img, #log b, #log script").count(), 0);
    assert.equal(await bob.evaluate(() => window.__pwned), undefined);
  });
});

test("private messages reach only their recipient; an unknown one is refused", async () => {
  await withChat(async (server, pages) => {
    const alice = await open(server, pages, "alice");
    const bob = await open(server, pages, "bob");
    const carol = await open(server, pages, "carol");
    await bob.click("#members li:text-is('alice')");
    assert.equal(await bob.inputValue("#text"), "/msg alice ");
    await bob.fill("#text", "/msg alice just between us");
    await bob.press("#text", "Enter");
    await alice.locator('#rooms li[data-room="@private"] .unread', { hasText: "1" }).waitFor();
    await alice.click('#rooms li[data-room="@private"] .room-name');
    const pm = entry(alice, "just between us", "private");
    await pm.waitFor();
    assert.equal(await pm.locator(".from").textContent(), "bob → alice");
    await bob.click('#rooms li[data-room="@private"] .room-name');
    await bob.locator('#log li.own .state[data-state="delivered"]').waitFor();
    await say(bob, "/msg nobody hello?");
    await bob.locator("#log li.own .state", { hasText: 'no user named "nobody" is online' }).waitFor();
    await carol.click('#rooms li[data-room="@private"] .room-name');
    assert.equal(await carol.locator("#log li").count(), 0);
  });
});
