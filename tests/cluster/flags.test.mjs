// What a broadcast's flags do to the Redis traffic, checked on the Redis side with a raw
// subscriber: `local` is never published (and reaches only the sender's node), `volatile` and
// `compress(false)` travel as flags, a plain broadcast publishes `flags: {}`. FIXTURE.md has no
// operation for these, so both fixtures also serve "bcast-flags" (tests/e2e/README.md).

import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { createRequire } from "node:module";
import { ClusterEnv } from "./cluster-env.mjs";
import { clusterModes, unique, until } from "./harness.mjs";

// The suite's packages live in tests/e2e/node_modules.
const { decode } = createRequire(new URL("../e2e/package.json", import.meta.url))("notepack.io");

/** {data, flags} of a broadcast as published, in either format. */
function decodeBroadcast(mode, raw) {
  if (mode === "classic") {
    const [, packet, opts] = decode(raw);
    return { data: packet.data, flags: opts.flags };
  }
  const envelope = raw[0] === 0x7b ? JSON.parse(raw.toString()) : decode(raw);
  return { data: envelope.data.packet.data, flags: envelope.data.opts.flags };
}

for (const mode of clusterModes()) {
  describe(`broadcast flags on the wire (${mode})`, () => {
    const env = new ClusterEnv(mode);
    let sub = null;
    before(() => env.start());
    afterEach(() => env.closeClients());
    after(async () => {
      await sub?.disconnect().catch(() => {});
      await env.stop();
    });

    test("local stays on its node; volatile and compress(false) are published as flags", async () => {
      const { groups } = await env.clientsOnEach(1);
      const members = groups.map((g) => g[0]);
      const room = unique("room");
      await Promise.all(members.map((c) => c.join(room)));

      const got = [];
      sub = env.rc.duplicate();
      sub.on("error", () => {});
      await sub.connect();
      const listener = (message) => got.push(decodeBroadcast(mode, message));
      if (mode === "sharded") {
        // Only the room channel: a subscriber of socket.io#/# would count as a node.
        await sub.sSubscribe(`socket.io#/#${room}#`, listener, true);
        await env.roomReady(room, env.nodes.length + 1);
      } else {
        await sub.pSubscribe("socket.io#/#*", listener, true);
      }
      const published = (payload) => got.filter((m) => m.data?.[1] === payload);

      for (const [i, sender] of members.entries()) {
        const local = unique(`local-${i}`);
        const flagged = unique(`flagged-${i}`);
        const plain = unique(`plain-${i}`);
        assert.deepEqual(await sender.ack("bcast-flags", [room, local, { local: true }]), []);
        await sender.waitPayload("msg", local);
        assert.deepEqual(
          await sender.ack("bcast-flags", [room, flagged, { volatile: true, compress: false }]), []);
        // The fence: published after the two others by the same node, so once it is seen
        // on Redis and by every member, anything published before it has been too.
        assert.deepEqual(await sender.ack("bcast", [room, plain]), []);
        await until(() => published(plain).length === 1, { label: `${plain} on Redis` });
        await Promise.all(members.map((c) => c.waitPayload("msg", plain)));

        assert.deepEqual(published(local), [], `node ${i} published a local broadcast`);
        for (const c of members) {
          if (c !== sender) {
            assert.deepEqual(c.seen("msg", (a) => a[0] === local), [],
              `a local broadcast of node ${i} reached node ${c.node.index}`);
          }
        }
        const [f] = published(flagged);
        assert.ok(f, `node ${i} did not publish the flagged broadcast`);
        assert.deepEqual(f.flags, { volatile: true, compress: false });
        assert.deepEqual(Object.keys(f.flags), ["volatile", "compress"]);
        assert.deepEqual(published(plain)[0].flags, {});
      }
    });
  });
}
