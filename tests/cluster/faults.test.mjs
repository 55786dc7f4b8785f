// Faults: Redis dies under traffic and comes back on the same port; one node
// dies without warning. Each test has its own Redis and nodes.

import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { ClusterEnv } from "./cluster-env.mjs";
import { awaitCount, clusterModes, delay, sorted, unique } from "./harness.mjs";

/** How long Redis stays down: long enough for traffic to hit the outage. */
const OUTAGE_MS = 300;

for (const mode of clusterModes()) {
  describe(`faults (${mode})`, () => {
    let env = null;
    afterEach(async () => {
      const e = env;
      env = null;
      await e?.stop();
    });

    test("the cluster heals after redis-server is killed and restarted on the same port", async (t) => {
      env = new ClusterEnv(mode);
      await env.start();
      const { groups, all, everyone } = await env.clientsOnEach(2);
      const sender = groups[0][0];

      // Broadcast traffic from node 0 until the outage is over.
      let running = true;
      let sent = 0;
      const traffic = (async () => {
        for (let n = 0; running && n < 5000; n++) {
          sender.socket.emit("bcast", everyone, `traffic-${n}`, () => {});
          sent = n + 1;
          await delay(5);
        }
      })();
      await groups[2][1].waitPayload("msg", "traffic-3");

      await env.redis.kill();
      await delay(OUTAGE_MS);
      await env.redis.restart();
      const restartedAt = Date.now();
      running = false;
      await traffic;
      assert.ok(sent > 10, "traffic ran during the outage");

      // Healed: every node counts every node again...
      await awaitCount(all, env.nodes.length, { timeout: 15000 });
      await env.roomReady(everyone, env.nodes.length);
      t.diagnostic(`every node counted ${env.nodes.length} nodes ${Date.now() - restartedAt} ms after the restart`);

      const late = groups[2][1].seen("msg", (a) => /^traffic-/.test(a[0])).length;
      t.diagnostic(`a remote client got ${late} of ${sent} broadcasts sent around the outage`);

      // ...and what is sent from now on arrives everywhere.
      for (const [i, g] of groups.entries()) {
        const payload = unique(`after-restart-${i}`);
        assert.deepEqual(await g[1].ack("bcast", [everyone, payload]), []);
        await Promise.all(all.map((c) => c.waitPayload("msg", payload)));
      }
      const ids = sorted(all.map((c) => c.id));
      for (const g of groups) assert.deepEqual(await g[0].ack("cluster-fetch", [everyone]), [ids]);
      const ports = env.nodes.map((n) => n.port);
      const [sse] = await groups[0][0].ack("cluster-sse-ack", ["after"], 8000);
      assert.deepEqual(sse, { timedOut: false, responses: sorted(ports.slice(1)) });
      const room = unique("new-room");
      await Promise.all([groups[1][0].join(room), groups[2][0].join(room)]);
      await env.roomReady(room, 2);
      const p = unique("new-room-msg");
      await groups[0][1].ack("bcast", [room, p]);
      await Promise.all([groups[1][0].waitPayload("msg", p), groups[2][0].waitPayload("msg", p)]);

      // Socket.IO sessions do not depend on Redis: no client was dropped.
      for (const n of env.nodes) {
        const log = n.stderr().trim();
        if (log) t.diagnostic(`node ${n.index} (${n.kind}) stderr: ${log.replace(/\n/g, " | ")}`);
      }
      for (const c of all) {
        assert.ok(c.connected, `client on node ${c.node.index} still connected`);
        assert.deepEqual(c.seen("disconnect"), []);
      }
    });

    test("after one node is killed the others carry on", async (t) => {
      env = new ClusterEnv(mode);
      await env.start();
      const { groups, all } = await env.clientsOnEach(2);
      const victim = env.nodes[env.nodes.length - 1];
      const survivors = env.nodes.slice(0, -1);
      const live = all.filter((c) => c.node !== victim);
      const orphans = all.filter((c) => c.node === victim);
      const room = unique("room");
      await Promise.all(all.map((c) => c.join(room)));
      await env.roomReady(room, env.nodes.length);

      const t0 = Date.now();
      await victim.kill();
      await Promise.all(orphans.map((c) => c.waitFor("disconnect")));
      // The count drops once Redis has dropped the dead node's connections.
      await awaitCount(live, survivors.length, { interval: 20 });
      const dropMs = Date.now() - t0;
      assert.ok(dropMs < 5000, `serverCount dropped after ${dropMs} ms`);
      t.diagnostic(`cluster-count dropped to ${survivors.length} within ${dropMs} ms of SIGKILL`);

      const ids = sorted(live.map((c) => c.id));
      for (const c of live) assert.deepEqual(await c.ack("cluster-fetch", [room]), [ids]);
      const [sse] = await groups[0][0].ack("cluster-sse-ack", ["survivors"], 8000);
      assert.deepEqual(sse, { timedOut: false, responses: sorted(survivors.slice(1).map((n) => n.port)) });

      for (const c of live) c.socket.on("ask", (payload, cb) => cb(c.id));
      const [acks] = await groups[1][0].ack("bcast-ack", [room, "still-there", 3000]);
      assert.deepEqual(acks, { timedOut: false, responses: ids });

      const p = unique("after-kill");
      await groups[0][1].ack("bcast", [room, p]);
      await Promise.all(live.map((c) => c.waitPayload("msg", p)));
      const s = unique("sse-after-kill");
      await groups[0][0].ack("cluster-sse", [s]);
      await Promise.all(live.filter((c) => c.node !== env.nodes[0]).map((c) => c.waitPayload("sse-seen", s)));
    });
  });
}
