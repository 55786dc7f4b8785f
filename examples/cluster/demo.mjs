// Connects one client to each of two cluster nodes and shows the cluster at work: a message
// said on node A reaches the client on node B, both nodes count two nodes, and each sees
// every socket of the cluster. Exits 0 when all of that happened within 10 s, 1 otherwise.
//
//   node demo.mjs PORT_A PORT_B
import { io } from "socket.io-client";

const [portA, portB] = process.argv.slice(2).map(Number);
const connect = (port) =>
  new Promise((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const attempt = () => {
      const s = io(`http://127.0.0.1:${port}`, { transports: ["websocket"], reconnection: false });
      s.once("connect", () => resolve(s));
      s.once("connect_error", () => {
        s.close();
        if (Date.now() > deadline) reject(new Error(`cannot reach node ${port}`));
        else setTimeout(attempt, 100);  // the node may still be starting
      });
    };
    attempt();
  });
const withTimeout = (promise, what) =>
  Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer`)), 10_000)),
  ]);

const fail = (e) => {
  console.error(`demo: ${e.message}`);
  process.exit(1);
};

try {
  const [a, b] = await Promise.all([connect(portA), connect(portB)]);
  // Both nodes see two nodes once each has subscribed (poll: a node may still be starting).
  for (const [s, name] of [[a, "A"], [b, "B"]]) {
    let n = 0;
    for (let i = 0; i < 50 && n !== 2; i++) {
      n = await withTimeout(s.emitWithAck("nodes"), `node ${name} count`);
      if (n !== 2) await new Promise((r) => setTimeout(r, 100));
    }
    if (n !== 2) throw new Error(`node ${name} counts ${n} nodes`);
    console.log(`node ${name} counts ${n} nodes`);
  }
  const heard = withTimeout(
    new Promise((resolve) => b.on("said", (node, text) => resolve({ node, text }))),
    "the message said on A",
  );
  a.emit("say", "hello from A");
  const { node, text } = await heard;
  if (text !== "hello from A") throw new Error(`B heard ${JSON.stringify(text)}`);
  console.log(`the client on B heard "${text}" from node ${node}`);
  const { ids, error } = await withTimeout(b.emitWithAck("who"), "who");
  if (error) throw new Error(error);
  if (!ids.includes(a.id) || !ids.includes(b.id)) throw new Error(`who: ${ids}`);
  console.log(`node B sees every socket of the cluster: ${ids.sort().join(", ")}`);
  a.close();
  b.close();
  process.exit(0);
} catch (e) {
  fail(e);
}
