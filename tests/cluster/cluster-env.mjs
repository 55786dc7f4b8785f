// One cluster for a group of tests: a private redis-server, one fixture node
// per CLUSTER_NODES entry, and a plain redis client for checks on the Redis
// side. Used from node:test before()/after() hooks.

import assert from "node:assert/strict";
import {
  Client,
  RedisServer,
  awaitCount,
  awaitRoomChannel,
  clientsOnEach,
  closeAll,
  nodeKinds,
  redisClient,
  startNodes,
  unique,
} from "./harness.mjs";

export class ClusterEnv {
  constructor(mode) {
    this.mode = mode;
    this.redis = null;
    this.nodes = [];
    this.rc = null;
    this.clients = [];
  }

  /** Starts Redis and the nodes, and waits until every node counts all of them. */
  async start() {
    this.redis = await RedisServer.start();
    try {
      this.nodes = await startNodes(nodeKinds(), this.redis, this.mode);
      this.rc = await redisClient(this.redis);
      const probes = await Promise.all(this.nodes.map((n) => Client.connect(n)));
      try {
        await awaitCount(probes, this.nodes.length);
      } finally {
        closeAll(probes);
      }
    } catch (err) {
      await this.stop({ check: false });
      throw err;
    }
  }

  /**
   * Connects `perNode` clients to every node (kept for cleanup) and makes them
   * all join a fresh room `everyone`, used to fence broadcasts: a broadcast
   * to it sent after another one from the same node arrives after it on every
   * client, so a client that got the fence and not the first message never will.
   */
  async clientsOnEach(perNode = 2, nodes = this.nodes) {
    const groups = await clientsOnEach(nodes, perNode);
    this.clients.push(...groups.flat());
    const everyone = unique("everyone");
    await Promise.all(groups.flat().map((c) => c.join(everyone)));
    await this.roomReady(everyone, nodes.length);
    return { groups, all: groups.flat(), everyone };
  }

  /** Waits until a broadcast to `room` reaches all `nodeCount` nodes that host members. */
  roomReady(room, nodeCount) {
    return awaitRoomChannel(this.rc, this.mode, room, nodeCount);
  }

  /**
   * `sender` broadcasts a fresh fence token to `everyone`; resolves once every
   * client in `clients` received it.
   */
  async fence(sender, everyone, clients) {
    const token = unique("fence");
    assert.deepEqual(await sender.ack("bcast", [everyone, token]), []);
    await Promise.all(clients.map((c) => c.waitPayload("msg", token)));
  }

  /** Closes the clients of the finished test. */
  closeClients() {
    closeAll(this.clients);
    this.clients = [];
  }

  /** Stops every live node (SIGTERM; exit status 0 asserted when `check`) and Redis. */
  async stop({ check = true } = {}) {
    this.closeClients();
    const errors = [];
    for (const n of this.nodes) {
      if (n.killed) continue;
      try {
        if (check) await n.stop();
        else await n.kill();
      } catch (err) {
        errors.push(err);
      }
    }
    if (this.rc) {
      try {
        await this.rc.disconnect();
      } catch {
        // already closed
      }
    }
    await this.redis?.stop();
    if (errors.length > 0) throw errors[0];
  }
}
