// The cluster operations on a node started without --redis act on that node alone.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer } from "../e2e/helpers.mjs";
import { Client, closeAll, nodeCommand, nodeKinds, sorted, unique } from "./harness.mjs";

for (const kind of [...new Set(nodeKinds())]) {
  describe(`cluster operations on one ${kind} node without Redis`, () => {
    let node;
    const clients = [];
    before(async () => {
      node = await startServer([], { command: nodeCommand(kind), name: `${kind} node` });
      node.index = 0;
    });
    after(async () => {
      closeAll(clients);
      await node.stop();
    });

    test("every operation answers from the local node", async () => {
      const a = await Client.connect(node);
      const b = await Client.connect(node);
      clients.push(a, b);
      const room = unique("room");
      await a.join(room);
      await b.join(room);
      a.socket.on("ask", (p, cb) => cb(`a:${p}`));
      b.socket.on("ask", (p, cb) => cb(`b:${p}`));

      assert.deepEqual(await a.ack("cluster-count"), [1]);
      assert.deepEqual(await a.ack("cluster-fetch", [room]), [sorted([a.id, b.id])]);
      assert.deepEqual(await a.ack("bcast-ack", [room, "q", 2000]), [{ timedOut: false, responses: ["a:q", "b:q"] }]);
      assert.deepEqual(await a.ack("cluster-sse-ack", ["x"]), [{ timedOut: false, responses: [] }]);
      assert.deepEqual(await a.ack("cluster-remote-emit", [b.id, "hi"]), [true]);
      assert.deepEqual(await b.waitFor("remote"), ["hi"]);

      const other = unique("other");
      assert.deepEqual(await a.ack("cluster-join", [b.id, other]), []);
      assert.deepEqual(await a.ack("cluster-fetch", [other]), [[b.id]]);
      assert.deepEqual(await a.ack("cluster-leave", [b.id, other]), []);
      assert.deepEqual(await a.ack("cluster-fetch", [other]), [[]]);

      assert.deepEqual(await a.ack("cluster-sse", ["nobody"]), []);
      assert.deepEqual(await a.ack("cluster-disconnect", [b.id]), []);
      assert.deepEqual(await b.waitFor("disconnect"), ["io server disconnect"]);
      // The serverSideEmit of a single node reaches no handler, not even its own.
      assert.deepEqual(a.seen("sse-seen"), []);
    });
  });
}
