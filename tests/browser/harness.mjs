// Starts the chat server (CHAT_SERVER: the socketio-chat binary) and Debian's Chromium
// (driven by playwright-core) for the browser tests.

import { spawn } from "node:child_process";
import { chromium } from "playwright-core";

export const HOST = "127.0.0.1";
const STARTUP_MS = 15000;
const STOP_MS = 6000;
export const UI_MS = 10000;

function chatCommand() {
  const cmd = process.env.CHAT_SERVER;
  if (!cmd) throw new Error("set CHAT_SERVER to the socketio-chat binary");
  return cmd;
}

/**
 * Starts socketio-chat on `port` (0 picks one) and resolves to { port, url, stop() } once it
 * printed `listening <port>`. stop() sends SIGTERM and asserts a 0 exit within 6 s.
 */
export async function startChat({ port = 0, args = [] } = {}) {
  const child = spawn(chatCommand(), [...args, "--port", String(port), "--host", HOST], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (c) => {
    stderr = (stderr + c).slice(-20000);
  });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const bound = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`socketio-chat did not print "listening <port>" in ${STARTUP_MS} ms: ${stderr}`));
    }, STARTUP_MS);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (c) => {
      stdout = (stdout + c).slice(-20000);
      const m = /^listening (\d+)$/m.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`socketio-chat exited (${code}) before listening: ${stderr}`));
    });
  });
  let stopped = null;
  return {
    port: bound,
    url: `http://${HOST}:${bound}/`,
    stdout: () => stdout,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        let timer;
        const r = await Promise.race([exited, new Promise((res) => { timer = setTimeout(() => res(null), STOP_MS); })]);
        clearTimeout(timer);
        if (r === null) {
          child.kill("SIGKILL");
          throw new Error(`socketio-chat did not exit within ${STOP_MS} ms of SIGTERM`);
        }
        if (r.code !== 0) throw new Error(`socketio-chat exited with ${r.code} (${r.signal}): ${stderr}`);
      })();
      return stopped;
    },
  };
}

/**
 * Debian's Chromium, headless. playwright-core's launch() gives it a fresh temporary
 * user-data directory (removed on close).
 */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    timeout: 30000,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

/**
 * Opens the chat in a new context (its own storage) and logs in. `query` is appended to the
 * URL (e.g. "?transport=polling"). Resolves to the page once the chat shows and is connected.
 */
export async function openChat(browser, server, nickname, { query = "", viewport } = {}) {
  const context = await browser.newContext(viewport ? { viewport } : {});
  const page = await context.newPage();
  page.setDefaultTimeout(UI_MS);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  page.pageErrors = errors;
  await page.goto(server.url + query);
  await login(page, nickname);
  await page.locator("#chat:not([hidden])").waitFor();
  await page.locator('#status[data-state="connected"]').waitFor();
  return page;
}

export async function login(page, nickname) {
  await page.fill("#nickname", nickname);
  await page.click("#login-button");
}

/** Types and sends a message (or a /msg command) from the page's input. */
export async function say(page, text) {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
}

/** Locator of the log entry (in the shown room) whose text part is exactly `text`. */
export function entry(page, text, cls = "message") {
  const exact = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  return page.locator(`#log li.${cls}`).filter({ has: page.locator(".text", { hasText: exact }) });
}
