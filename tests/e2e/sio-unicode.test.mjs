// Strings that are not well-formed UTF-16 (a lone surrogate, e.g. an emoji cut in half):
// JSON.stringify escapes them as `\ud83d`. The server must keep the connection and deliver the
// event; the lone surrogate arrives as U+FFFD (the C++ strings are UTF-8). The reference keeps
// the surrogate itself, so REFERENCE=1 checks only that the connection survives.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { emitAck, isReference, sioClient, startSio } from "./sio-helpers.mjs";

const TRANSPORTS = [["polling"], ["websocket"]];

describe("Socket.IO: lone UTF-16 surrogates", () => {
  let server;
  before(async () => {
    server = await startSio();
  });
  after(async () => {
    await server?.stop();
  });

  for (const transports of TRANSPORTS) {
    it(`an event with a lone surrogate is delivered, the connection stays (${transports})`, async () => {
      const c = await sioClient(server, "/", { transports });
      try {
        const cut = "smile \ud83d"; // the first half of U+1F600
        const whole = "smile \ud83d\ude00";
        const reply = await emitAck(c.socket, "echo", [cut, whole, { k: "\udc00x" }]);
        if (isReference) {
          assert.deepEqual(reply, [cut, whole, { k: "\udc00x" }]);
        } else {
          assert.deepEqual(reply, ["smile \ufffd", whole, { k: "\ufffdx" }]);
        }
        assert.deepEqual(await emitAck(c.socket, "echo", ["still connected"]), ["still connected"]);
        assert.equal(c.socket.connected, true);
      } finally {
        c.close();
      }
    });
  }
});
