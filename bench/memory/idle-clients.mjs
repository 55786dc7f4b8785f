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
// The client is deliberately minimal (Engine.IO OPEN -> `40` -> `40{"sid"..}`, ping -> pong,
// acks): it costs the generator little per connection. Every wait is bounded by timeoutMs.

import process from "node:process";
import WebSocket from "ws";

const conns = [];

function openOne(port, source, timeoutMs) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      localAddress: source,
    });
    const conn = { ws, acks: new Map(), nextAck: 0 };
    let settled = false;
    const done = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        ws.terminate();
        reject(err);
      } else {
        resolve(conn);
      }
    };
    const timer = setTimeout(() => done(new Error("connect timeout")), timeoutMs);
    ws.on("message", (data) => {
      const s = data.toString();
      if (s === "2") {
        ws.send("3");
      } else if (s.startsWith("0")) {
        ws.send("40");
      } else if (s.startsWith("40")) {
        done(null);
      } else if (s.startsWith("43")) {
        const m = /^43(\d+)/.exec(s);
        const cb = m && conn.acks.get(Number(m[1]));
        if (cb) {
          conn.acks.delete(Number(m[1]));
          cb(s);
        }
      }
    });
    ws.on("error", (e) => done(e));
    ws.on("close", () => done(new Error("closed before CONNECT")));
  });
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
        conns.push(await openOne(port, sources[(conns.length + i) % sources.length], 10000));
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
      const id = c.nextAck++;
      const timer = setTimeout(() => resolve(false), timeoutMs);
      c.acks.set(id, (s) => {
        clearTimeout(timer);
        resolve(s === `43${id}["alive",${i}]`);
      });
      c.ws.send(`42${id}["echo","alive",${i}]`);
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
    for (const c of conns) c.ws.terminate();
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));
