// Binary and text round trips with the real engine.io-client over polling,
// WebSocket and an upgraded session.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { asBytes, eioClient, startServer, withTimeout } from "./helpers.mjs";

function pattern(n, seed) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 251 + seed * 17 + (i >> 8)) & 0xff;
  return b;
}

/** Payloads to send and the bytes or text expected back. */
function payloads() {
  const all = pattern(256, 0);
  for (let i = 0; i < 256; i++) all[i] = i;
  const backing = pattern(64, 3);
  return [
    { send: Buffer.from([1, 2, 3, 4]), expect: Buffer.from([1, 2, 3, 4]) },
    { send: "text between binaries", expect: "text between binaries" },
    { send: all, expect: all },
    { send: new Uint8Array([9, 8, 7]).buffer, expect: Buffer.from([9, 8, 7]) },
    { send: new Uint8Array(backing.buffer, backing.byteOffset + 10, 20), expect: backing.subarray(10, 30) },
    { send: Buffer.alloc(0), expect: Buffer.alloc(0) },
    { send: pattern(70000, 5), expect: pattern(70000, 5) },
    { send: "héllo 😀", expect: "héllo 😀" },
    { send: "", expect: "" },
  ];
}

async function roundTrip(client, label) {
  const list = payloads();
  for (const p of list) client.socket.send(p.send);
  for (let i = 0; i < list.length; i++) {
    const got = asBytes(await client.messages.take(5000, `${label}: echo #${i}`));
    const { expect } = list[i];
    if (typeof expect === "string") {
      assert.equal(typeof got, "string", `${label}: echo #${i} should be text`);
      assert.equal(got, expect, `${label}: echo #${i}`);
    } else {
      assert.ok(Buffer.isBuffer(got), `${label}: echo #${i} should be binary, got ${typeof got}`);
      assert.equal(got.length, expect.length, `${label}: echo #${i} length`);
      assert.ok(got.equals(expect), `${label}: echo #${i} bytes differ`);
    }
  }
}

describe("engine.io-client binary round trips", () => {
  let server;
  before(async () => {
    server = await startServer(["--ping-interval", "300", "--ping-timeout", "1000"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("over polling", async () => {
    const client = await eioClient(server, { transports: ["polling"] });
    try {
      assert.equal(client.socket.transport.name, "polling");
      await roundTrip(client, "polling");
      assert.equal(client.socket.transport.name, "polling");
    } finally {
      client.socket.close();
    }
  });

  it("over WebSocket", async () => {
    const client = await eioClient(server, { transports: ["websocket"] });
    try {
      assert.equal(client.socket.transport.name, "websocket");
      await roundTrip(client, "websocket");
    } finally {
      client.socket.close();
    }
  });

  it("after an upgrade from polling to WebSocket", async () => {
    const client = await eioClient(server, { transports: ["polling", "websocket"], upgrade: true });
    try {
      if (client.socket.transport.name !== "websocket") {
        await withTimeout(new Promise((resolve) => client.socket.once("upgrade", resolve)), 5000, "upgrade");
      }
      assert.equal(client.socket.transport.name, "websocket");
      await roundTrip(client, "upgraded");
    } finally {
      client.socket.close();
    }
  });
});
