// A child process of measure.mjs: holds idle Socket.IO connections (WebSocket only) to the
// server and answers the parent's commands over IPC. A process of its own so that two of them
// can hold 19,000 connections between them under the per-process open-file limit.
//
// Commands (process.send from the parent):
//   {cmd: "open", port, count, sources, concurrency, timeoutMs}
//        opens `count` more connections, each from one of `sources` (127.0.0.x) in turn, and
//        answers {opened, failed, errors} once every one has its Socket.IO CONNECT answered
//   {cmd: "echo", count, timeoutMs}
//        `count` of the open connections each send `echo` with an ack; answers {ok, failed}
//   {cmd: "close"}  closes every connection and exits
//
// The connections are bench/raw-client.mjs's RawClient (Engine.IO OPEN -> `40` -> `40{"sid"..}`,
// ping -> pong, acks): it costs the generator little per connection. Every wait is bounded by
// timeoutMs.

import process from "node:process";
import { RawClient } from "../raw-client.mjs";

const conns = [];

async function openOne(port, source) {
  const c = new RawClient(port, { localAddress: source });
  await c.connect(10000);
  return c;
}

async function open({ port, count, sources, concurrency, timeoutMs }) {
  const deadline = Date.now() + timeoutMs;
  let next = 0;
  let opened = 0;
  let failed = 0;
  const errors = new Set();
  const worker = async () => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      try {
        conns.push(await openOne(port, sources[(conns.length + i) % sources.length]));
        opened++;
      } catch (e) {
        failed++;
        errors.add(String(e.message ?? e));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { opened, failed: failed + (count - opened - failed), errors: [...errors].slice(0, 5) };
}

async function echo({ count, timeoutMs }) {
  const picked = conns.slice(0, Math.min(count, conns.length));
  const one = (c, i) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      c.emitWithAck("echo", "alive", i).then(
        (args) => {
          clearTimeout(timer);
          resolve(JSON.stringify(args) === JSON.stringify(["alive", i]));
        },
        () => {
          clearTimeout(timer);
          resolve(false);
        },
      );
    });
  const results = await Promise.all(picked.map(one));
  const ok = results.filter(Boolean).length;
  return { ok, failed: picked.length - ok };
}

process.on("message", async (msg) => {
  if (msg.cmd === "open") {
    process.send({ reply: "open", ...(await open(msg)) });
  } else if (msg.cmd === "echo") {
    process.send({ reply: "echo", ...(await echo(msg)) });
  } else if (msg.cmd === "close") {
    for (const c of conns) c.close();
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));
