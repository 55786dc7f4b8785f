// Cluster operations of FIXTURE.md across three (or more) nodes sharing one
// Redis, in each adapter mode. Every test uses fresh clients and fresh room names.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { ClusterEnv } from "./cluster-env.mjs";
import { clusterModes, redisEmitter, sorted, unique, until } from "./harness.mjs";

for (const mode of clusterModes()) {
  describe(`cluster operations (${mode})`, () => {
    const env = new ClusterEnv(mode);
    before(() => env.start());
    afterEach(() => env.closeClients());
    after(() => env.stop());

    /** Asserts that `client` has not received "msg" with `payload` so far. */
    const assertNoMsg = (client, payload) => {
      assert.deepEqual(client.seen("msg", (a) => a[0] === payload), [],
        `client on node ${client.node.index} must not receive ${payload}`);
    };

    test("bcast to a room reaches its members on every node and only them", async () => {
      const { groups, all, everyone } = await env.clientsOnEach(2);
      const room = unique("room");
      const members = groups.map((g) => g[0]);
      await Promise.all(members.map((c) => c.join(room)));
      await env.roomReady(room, env.nodes.length);

      for (const [i, g] of groups.entries()) {
        const sender = g[1];
        const payload = unique(`from-node-${i}`);
        assert.deepEqual(await sender.ack("bcast", [room, payload]), []);
        await Promise.all(members.map((c) => c.waitPayload("msg", payload)));
        await env.fence(sender, everyone, all);
        for (const c of all) {
          if (!members.includes(c)) assertNoMsg(c, payload);
          else assert.equal(c.seen("msg", (a) => a[0] === payload).length, 1, "delivered once");
        }
      }
    });

    test("binary, unicode and nested payloads cross nodes intact", async () => {
      const { groups } = await env.clientsOnEach(1);
      const room = unique("room");
      await Promise.all(groups.map((g) => g[0].join(room)));
      await env.roomReady(room, env.nodes.length);
      const tag = unique("tag");
      const payload = {
        tag,
        text: "h\u00e9llo \u2713 \ud83d\ude00",
        n: 42,
        f: 1.5,
        neg: -7,
        list: [1, "two", null, true],
        bin: Buffer.from([0, 1, 2, 250, 255]),
      };
      assert.deepEqual(await groups[0][0].ack("bcast", [room, payload]), []);
      for (const g of groups.slice(1)) {
        const [got] = await g[0].waitFor("msg", (a) => a[0]?.tag === tag);
        assert.deepEqual({ ...got, bin: Buffer.from(got.bin) }, payload);
      }
    });

    test("a broadcast to a socket id reaches that socket on another node only", async () => {
      const { groups, all, everyone } = await env.clientsOnEach(2);
      const sender = groups[0][0];
      const target = groups[1][0];
      const payload = unique("to-id");
      assert.deepEqual(await sender.ack("bcast", [target.id, payload]), []);
      await target.waitPayload("msg", payload);
      await env.fence(sender, everyone, all);
      for (const c of all) if (c !== target) assertNoMsg(c, payload);
    });

    test("cluster-count is the number of nodes, from every node", async () => {
      const { all } = await env.clientsOnEach(1);
      for (const c of all) assert.deepEqual(await c.ack("cluster-count"), [env.nodes.length]);
    });

    test("cluster-fetch returns the sorted socket ids across nodes", async () => {
      const { groups, all } = await env.clientsOnEach(2);
      const room = unique("room");
      const members = [groups[0][0], groups[1][1], groups[2][0], groups[2][1]];
      await Promise.all(members.map((c) => c.join(room)));
      const expected = sorted(members.map((c) => c.id));
      for (const c of all) assert.deepEqual(await c.ack("cluster-fetch", [room]), [expected]);
      assert.deepEqual(await groups[0][0].ack("cluster-fetch", [unique("empty")]), [[]]);
      assert.deepEqual(await groups[0][0].ack("cluster-fetch", [groups[2][1].id]), [[groups[2][1].id]]);
    });

    test("cluster-join and cluster-leave of a socket on another node change what bcast reaches", async () => {
      const { groups, all, everyone } = await env.clientsOnEach(2);
      const room = unique("room");
      const member = groups[1][1];
      const target = groups[2][0];
      const requester = groups[0][0];
      const sender = groups[1][0];
      await member.join(room);
      await env.roomReady(room, 1);

      assert.deepEqual(await requester.ack("cluster-join", [target.id, room]), []);
      // The join is applied on the target's node when the request arrives there.
      await until(async () => {
        assert.deepEqual(await sender.ack("cluster-fetch", [room]), [sorted([member.id, target.id])]);
      }, { label: "the remote join" });
      await env.roomReady(room, 2);
      const p1 = unique("after-join");
      assert.deepEqual(await sender.ack("bcast", [room, p1]), []);
      await Promise.all([target.waitPayload("msg", p1), member.waitPayload("msg", p1)]);

      assert.deepEqual(await requester.ack("cluster-leave", [target.id, room]), []);
      await until(async () => {
        assert.deepEqual(await sender.ack("cluster-fetch", [room]), [[member.id]]);
      }, { label: "the remote leave" });
      const p2 = unique("after-leave");
      assert.deepEqual(await sender.ack("bcast", [room, p2]), []);
      await member.waitPayload("msg", p2);
      await env.fence(sender, everyone, all);
      assertNoMsg(target, p2);
    });

    test("cluster-disconnect disconnects a socket on another node", async () => {
      const { groups } = await env.clientsOnEach(2);
      const target = groups[1][0];
      const bystander = groups[1][1];
      assert.deepEqual(await groups[0][0].ack("cluster-disconnect", [target.id]), []);
      assert.deepEqual(await target.waitFor("disconnect"), ["io server disconnect"]);
      await until(async () => {
        assert.deepEqual(await groups[2][0].ack("cluster-fetch", [target.id]), [[]]);
      }, { label: "the disconnected socket to disappear" });
      assert.ok(bystander.connected, "the other socket of that node stays connected");
      assert.deepEqual(await bystander.ack("cluster-count"), [env.nodes.length]);
    });

    test("cluster-remote-emit reaches the socket on its node", async () => {
      const { groups, all } = await env.clientsOnEach(2);
      const target = groups[2][1];
      const payload = { remote: unique("remote"), n: [1, 2, 3] };
      assert.deepEqual(await groups[0][0].ack("cluster-remote-emit", [target.id, payload]), [true]);
      assert.deepEqual(await target.waitFor("remote"), [payload]);
      assert.deepEqual(await groups[0][0].ack("cluster-remote-emit", ["no-such-socket-id-xx", payload]), [false]);
      for (const c of all) if (c !== target) assert.deepEqual(c.seen("remote"), []);
    });

    test("cluster-sse runs the handler on every other node and not on the sender", async () => {
      const { groups } = await env.clientsOnEach(2);
      for (const [i, g] of groups.entries()) {
        const payload = unique(`sse-${i}`);
        assert.deepEqual(await g[0].ack("cluster-sse", [payload]), []);
        for (const [j, other] of groups.entries()) {
          if (j === i) continue;
          for (const c of other) {
            assert.deepEqual(await c.waitPayload("sse-seen", payload), [payload, env.nodes[j].port]);
          }
        }
        // A cluster request from the sender completes only after its node read
        // back its own serverSideEmit, and the node writes a local sse-seen
        // before the ack: none may have arrived.
        await g[0].ack("cluster-fetch", [unique("fence")]);
        for (const c of g) assert.deepEqual(c.seen("sse-seen", (a) => a[0] === payload), []);
      }
    });

    test("cluster-sse-ack collects every other node's port", async () => {
      const { groups } = await env.clientsOnEach(1);
      const ports = env.nodes.map((n) => n.port);
      for (const [i, g] of groups.entries()) {
        const [reply] = await g[0].ack("cluster-sse-ack", [unique("sse-ack")], 8000);
        assert.deepEqual(reply, { timedOut: false, responses: sorted(ports.filter((_, j) => j !== i)) });
      }
    });

    test("bcast-ack gets every client's ack across nodes", async () => {
      const { groups } = await env.clientsOnEach(2);
      const room = unique("room");
      const members = [groups[0][0], groups[1][0], groups[1][1], groups[2][1]];
      for (const c of members) c.socket.on("ask", (payload, cb) => cb(`${c.id}:${payload}`));
      await Promise.all(members.map((c) => c.join(room)));
      await env.roomReady(room, new Set(members.map((c) => c.node)).size);
      const asker = groups[2][0];
      const [reply] = await asker.ack("bcast-ack", [room, "q1", 3000]);
      assert.deepEqual(reply, { timedOut: false, responses: sorted(members.map((c) => `${c.id}:q1`)) });
      for (const c of members) assert.deepEqual(await c.waitFor("ask"), ["q1"]);

      const [empty] = await asker.ack("bcast-ack", [unique("nobody"), "q2", 3000]);
      assert.deepEqual(empty, { timedOut: false, responses: [] });
    });

    test("bcast-ack reports timedOut with the answers it got when a client stays silent", async () => {
      const { groups } = await env.clientsOnEach(1);
      const room = unique("room");
      const answering = [groups[0][0], groups[1][0]];
      const silent = groups[2][0]; // no "ask" handler: socket.io-client sends no ack
      for (const c of answering) c.socket.on("ask", (payload, cb) => cb(c.id));
      await Promise.all(groups.map((g) => g[0].join(room)));
      await env.roomReady(room, env.nodes.length);
      const t0 = Date.now();
      const [reply] = await groups[1][0].ack("bcast-ack", [room, "q", 500]);
      const elapsed = Date.now() - t0;
      assert.deepEqual(reply, { timedOut: true, responses: sorted(answering.map((c) => c.id)) });
      assert.ok(elapsed >= 450, `timed out after ${elapsed} ms, expected about 500`);
      assert.deepEqual(await silent.waitFor("ask"), ["q"]);
    });

    if (mode === "classic") {
      describe("@socket.io/redis-emitter", () => {
        let emitter;
        before(() => {
          emitter = redisEmitter(env.rc);
        });

        test("emits to a room and to everybody", async () => {
          const { groups, all, everyone } = await env.clientsOnEach(2);
          const room = unique("room");
          const members = [groups[0][1], groups[1][0], groups[2][0]];
          await Promise.all(members.map((c) => c.join(room)));
          const p1 = unique("emitter-room");
          emitter.to(room).emit("msg", p1);
          await Promise.all(members.map((c) => c.waitPayload("msg", p1)));
          // Fence from the same publisher: messages on one connection keep their order.
          emitter.to(everyone).emit("msg", "emitter-fence");
          await Promise.all(all.map((c) => c.waitPayload("msg", "emitter-fence")));
          for (const c of all) if (!members.includes(c)) assertNoMsg(c, p1);

          const p2 = unique("emitter-all");
          emitter.emit("msg", p2, 7);
          for (const c of all) assert.deepEqual(await c.waitPayload("msg", p2), [p2, 7]);
        });

        test("except and volatile flags", async () => {
          const { groups, all } = await env.clientsOnEach(2);
          const room = unique("room");
          await Promise.all(all.map((c) => c.join(room)));
          const excluded = groups[1][1];
          const p1 = unique("except");
          emitter.to(room).except(excluded.id).emit("msg", p1);
          const fence = unique("fence");
          emitter.to(room).emit("msg", fence);
          await Promise.all(all.map((c) => c.waitPayload("msg", fence)));
          for (const c of all) {
            if (c === excluded) assertNoMsg(c, p1);
            else assert.equal(c.seen("msg", (a) => a[0] === p1).length, 1);
          }

          // Volatile packets may be dropped by a transport that is not writable;
          // these idle WebSocket clients are writable, so all of them get it.
          const p2 = unique("volatile");
          emitter.volatile.to(room).emit("msg", p2);
          await Promise.all(all.map((c) => c.waitPayload("msg", p2)));
        });

        test("socketsJoin, socketsLeave and disconnectSockets", async () => {
          const { groups, all, everyone } = await env.clientsOnEach(2);
          const room = unique("room");
          const target = groups[2][1];
          emitter.in(target.id).socketsJoin(room);
          await until(async () => {
            assert.deepEqual(await groups[0][0].ack("cluster-fetch", [room]), [[target.id]]);
          }, { label: "the emitter's join" });
          const p1 = unique("joined");
          await groups[0][0].ack("bcast", [room, p1]);
          await target.waitPayload("msg", p1);

          emitter.in(target.id).socketsLeave(room);
          await until(async () => {
            assert.deepEqual(await groups[0][0].ack("cluster-fetch", [room]), [[]]);
          }, { label: "the emitter's leave" });
          const p2 = unique("left");
          await groups[0][0].ack("bcast", [room, p2]);
          await env.fence(groups[0][0], everyone, all);
          assertNoMsg(target, p2);

          const victim = groups[1][0];
          emitter.in(victim.id).disconnectSockets(true);
          assert.deepEqual(await victim.waitFor("disconnect"), ["io server disconnect"]);
          assert.ok(groups[1][1].connected);
        });

        test("serverSideEmit runs sse on every node", async () => {
          const { groups } = await env.clientsOnEach(2);
          const payload = unique("emitter-sse");
          emitter.serverSideEmit("sse", payload);
          for (const [j, g] of groups.entries()) {
            for (const c of g) {
              assert.deepEqual(await c.waitPayload("sse-seen", payload), [payload, env.nodes[j].port]);
            }
          }
        });
      });
    }
  });
}
