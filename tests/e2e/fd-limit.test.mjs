// At the process's open-file limit the server cannot accept: it must keep serving the sessions
// it has, wait instead of retrying the accept in a loop (which burns a whole core until a
// client leaves), say so once, and accept again once descriptors are free.

import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import { after, before, describe, it } from "node:test";

import {
  HOST,
  delay,
  eventually,
  fixtureCommand,
  handshake,
  isReference,
  quietly,
  startServer,
  wsHandshake,
} from "./helpers.mjs";

const FD_LIMIT = 64;
const FLOOD = 120; // more connections than the server has descriptors for

function cpuSeconds(pid) {
  // utime + stime, fields 14 and 15 of /proc/PID/stat (after the parenthesised name).
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
}

function openRaw(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port });
    s.on("error", () => {}); // a reset while the backlog is full is part of the flood
    s.once("connect", () => resolve(s));
    s.once("close", () => resolve(s));
  });
}

// Under ASan/UBSan the sanitizer runtime needs descriptors of its own (UBSan's vptr check
// probes memory through a pipe): at the limit it reports false errors, so the sanitized CI stage
// sets SOCKETIO_SANITIZED and this file runs in the release stage only.
const sanitized = Boolean(process.env.SOCKETIO_SANITIZED);

describe("open-file limit", { skip: sanitized && "the sanitizer runtime needs descriptors" }, () => {
  let server;
  before(async () => {
    // The fixture under `ulimit -n`: the shell lowers the limit, then becomes the server.
    const [cmd, ...args] = fixtureCommand();
    // A long heartbeat: the session made before the flood is left alone while the limit is
    // probed.
    server = await startServer(["--ping-interval", "25000", "--ping-timeout", "20000"], {
      command: ["/bin/sh", "-c", `ulimit -n ${FD_LIMIT} && exec "$0" "$@"`, cmd, ...args],
    });
  });
  after(async () => {
    await server?.stop();
  });

  it("backs off instead of spinning, keeps its sessions, and accepts again when descriptors free up", async () => {
    const { conn } = await wsHandshake(server);
    const flood = [];
    try {
      for (let i = 0; i < FLOOD; ++i) flood.push(await openRaw(server.port));
      if (!isReference) {
        await eventually(() => assert.match(server.stderr(), /cannot accept connections/), {
          timeout: 5000,
        });
      }
      // Out of descriptors with clients waiting in the backlog: a retry loop would use the
      // whole second; waiting between attempts uses almost none of it.
      const before = cpuSeconds(server.child.pid);
      await delay(1000);
      const used = cpuSeconds(server.child.pid) - before;
      assert.ok(used < 0.3, `the server used ${used.toFixed(2)} s of CPU in 1 s at its open-file limit`);

      // The session established before the flood is still served.
      conn.send("4still here");
      assert.equal(await conn.nextText(5000, "echo at the limit"), "4still here");
    } finally {
      for (const s of flood) s.destroy();
    }
    // Descriptors free again: new clients get in (the flood's leftovers in the backlog are
    // accepted and closed on the way).
    await eventually(async () => handshake(server), { timeout: 10000, interval: 100 });
    if (!isReference) {
      await eventually(() => assert.match(server.stderr(), /accepting connections again/), {
        timeout: 5000,
      });
      const warnings = server.stderr().match(/cannot accept connections/g) ?? [];
      assert.equal(warnings.length, 1, "one warning per episode, not one per retry");
    }
    await quietly(() => conn.close());
  });
});
