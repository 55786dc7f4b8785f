// Reference fixture server for the end-to-end suites (Engine.IO and Socket.IO), built on the
// Node `socket.io` and `engine.io` packages. It follows the same command-line
// contract as the C++ fixture server (examples/fixture_server):
//
//   --port N                (0 = pick a free port)
//   --host A                (listen address, default 127.0.0.1)
//   --ping-interval MS      (default 300)
//   --ping-timeout MS       (default 200)
//   --max-payload BYTES     (default 1000000)
//   --threads N             (accepted and ignored)
//   --upgrade-timeout MS    (default 10000)
//   --request-timeout MS    (time allowed for request headers; Node's default otherwise)
//   --max-queued-bytes N    (accepted and ignored: Node's outbound queue is unbounded)
//   --transports LIST       (comma separated, default polling,websocket)
//   --no-upgrades           (allowUpgrades: false)
//   --connect-timeout MS    (Socket.IO connectTimeout, default 1000)
//   --cors-origin ORIGIN    (repeatable; narrows CORS to these origins; `*` allowed)
//   --no-cors               (no CORS at all; by default every origin is allowed: `*`)
//   --cors-credentials      (Access-Control-Allow-Credentials: true)
//   --deny-param NAME       (refuse requests whose query has NAME, message "denied")
//   --initial-header "Name: value"  (added to the handshake response)
//   --tls-cert PEM --tls-key PEM    (files: serve https/wss instead of http/ws)
//
// One HTTP server (127.0.0.1 unless --host) serves two endpoints with the same engine
// options:
//   /engine.io/  a raw Engine.IO v4 echo server (every message is sent back on
//                the same session, text as text and binary as binary);
//   /socket.io/  a Socket.IO v5 server (connectTimeout 1000 ms by default, no connection
//                state recovery, no middleware):
//                  - on connect to `/` and `/custom`: emit "auth" with the
//                    CONNECT payload (`{}` when there is none);
//                  - on `/`: "message" -> emit "message-back" with the same
//                    arguments; "message-with-ack" and "echo" -> ack with the
//                    same arguments; "join"(room) / "leave"(room) -> join or
//                    leave, then ack with no arguments; "bcast"(room, payload)
//                    -> emit "msg"(payload) to the room, then ack with no
//                    arguments;
//                  - any other namespace is refused ("Invalid namespace").
// Anything else gets 404. It prints `listening <port>` once it is ready and
// exits with status 0 on SIGTERM or SIGINT.
//
// Cluster flags (FIXTURE.md, "Cluster operations"):
//   --redis URL             join a cluster through @socket.io/redis-adapter 8.3
//                           (node-redis clients, `redis://host:port[/db]`)
//   --redis-mode MODE       classic (createAdapter, default) or sharded
//                           (createShardedAdapter, dynamic subscription mode)
// With them, `/` also serves cluster-count, cluster-fetch, cluster-join,
// cluster-leave, cluster-disconnect, cluster-remote-emit, cluster-sse,
// cluster-sse-ack and bcast-ack, and runs the server-side handlers "sse" and
// "sse-ack" for serverSideEmit from other nodes and from the redis emitter.

import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import process from "node:process";
import { Server as EngineServer } from "engine.io";
import { Server as SocketIOServer } from "socket.io";

function usage(message) {
  process.stderr.write(`fixture: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    port: 0,
    host: "127.0.0.1",
    connectTimeout: 1000,
    noCors: false,
    pingInterval: 300,
    pingTimeout: 200,
    maxPayload: 1000000,
    upgradeTimeout: 10000,
    requestTimeout: 0,
    transports: ["polling", "websocket"],
    allowUpgrades: true,
    corsOrigins: [],
    corsCredentials: false,
    denyParam: null,
    initialHeaders: [],
    tlsCert: null,
    tlsKey: null,
  };
  const intArg = (name, value) => {
    if (value === undefined || !/^\d+$/.test(value)) usage(`${name} needs a non-negative integer`);
    return Number(value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case "--port": opts.port = intArg(arg, value()); break;
      case "--host": opts.host = value(); break;
      case "--connect-timeout": opts.connectTimeout = intArg(arg, value()); break;
      case "--no-cors": opts.noCors = true; break;
      case "--ping-interval": opts.pingInterval = intArg(arg, value()); break;
      case "--ping-timeout": opts.pingTimeout = intArg(arg, value()); break;
      case "--max-payload": opts.maxPayload = intArg(arg, value()); break;
      case "--threads": intArg(arg, value()); break;
      case "--upgrade-timeout": opts.upgradeTimeout = intArg(arg, value()); break;
      case "--max-queued-bytes": intArg(arg, value()); break; // Node has no such bound
      case "--request-timeout": opts.requestTimeout = intArg(arg, value()); break;
      case "--transports": {
        const list = value().split(",").map((s) => s.trim()).filter(Boolean);
        for (const t of list) {
          if (t !== "polling" && t !== "websocket") usage(`unknown transport ${t}`);
        }
        if (list.length === 0) usage("--transports needs at least one transport");
        opts.transports = list;
        break;
      }
      case "--no-upgrades": opts.allowUpgrades = false; break;
      case "--cors-origin": opts.corsOrigins.push(value()); break;
      case "--cors-credentials": opts.corsCredentials = true; break;
      case "--deny-param": opts.denyParam = value(); break;
      case "--tls-cert": opts.tlsCert = value(); break;
      case "--tls-key": opts.tlsKey = value(); break;
      case "--initial-header": {
        const raw = value();
        const colon = raw.indexOf(":");
        if (colon <= 0) usage(`--initial-header needs "Name: value", got ${JSON.stringify(raw)}`);
        opts.initialHeaders.push([raw.slice(0, colon).trim(), raw.slice(colon + 1).trim()]);
        break;
      }
      default:
        usage(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (opts.corsCredentials && opts.corsOrigins.length === 0) {
    usage("--cors-credentials needs --cors-origin");
  }
  if ((opts.tlsCert === null) !== (opts.tlsKey === null)) {
    usage("--tls-cert and --tls-key go together");
  }
  if (opts.noCors && (opts.corsOrigins.length > 0 || opts.corsCredentials)) {
    usage("--no-cors cannot be combined with --cors-origin or --cors-credentials");
  }
  return opts;
}

// --- cluster flags -------------------------------------------------------------
// Taken out of argv before parseArgs() so that the single-node options stay untouched.

function takeClusterArgs(argv) {
  const cluster = { redis: null, mode: "classic" };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case "--redis": cluster.redis = value(); break;
      case "--redis-mode": {
        cluster.mode = value();
        if (cluster.mode !== "classic" && cluster.mode !== "sharded") usage(`unknown redis mode ${cluster.mode}`);
        break;
      }
      default: rest.push(arg);
    }
  }
  return { cluster, rest };
}

const { cluster: clusterOpts, rest: singleNodeArgs } = takeClusterArgs(process.argv.slice(2));

const opts = parseArgs(singleNodeArgs);

/** Engine options shared by both endpoints; `path` differs. */
function engineOptions(path) {
  const o = {
    path,
    pingInterval: opts.pingInterval,
    pingTimeout: opts.pingTimeout,
    maxHttpBufferSize: opts.maxPayload,
    upgradeTimeout: opts.upgradeTimeout,
    transports: opts.transports,
    allowUpgrades: opts.allowUpgrades,
  };
  if (!opts.noCors) {
    // Every origin by default; one --cors-origin is sent as given, several are matched.
    const list = opts.corsOrigins;
    const origin = list.length === 0 ? "*" : list.length === 1 ? list[0] : list;
    o.cors = { origin, credentials: opts.corsCredentials };
  }
  if (opts.denyParam !== null) {
    const name = opts.denyParam;
    o.allowRequest = (req, callback) => {
      const query = new URL(req.url, "http://127.0.0.1").searchParams;
      if (query.has(name)) callback("denied", false);
      else callback(null, true);
    };
  }
  return o;
}

function addInitialHeaders(engine) {
  if (opts.initialHeaders.length === 0) return;
  engine.on("initial_headers", (headers) => {
    for (const [name, value] of opts.initialHeaders) headers[name] = value;
  });
}

// --- /engine.io/: raw echo ---------------------------------------------------

const echoEngine = new EngineServer(engineOptions("/engine.io"));
addInitialHeaders(echoEngine);
echoEngine.on("connection", (socket) => {
  socket.on("message", (data) => {
    socket.send(data);
  });
});

// --- /socket.io/: Socket.IO --------------------------------------------------

const sioEngine = new EngineServer(engineOptions("/socket.io"));
addInitialHeaders(sioEngine);

const io = new SocketIOServer({
  serveClient: false,
  connectTimeout: opts.connectTimeout,
  path: "/socket.io",
});
io.bind(sioEngine);

/** Calls the ack callback that socket.io appends when the client asked for one. */
function ackWith(args, ...reply) {
  const last = args[args.length - 1];
  if (typeof last === "function") last(...reply);
}

/** Arguments without the trailing ack callback. */
function withoutAck(args) {
  return typeof args[args.length - 1] === "function" ? args.slice(0, -1) : args;
}

io.of("/").on("connection", (socket) => {
  socket.emit("auth", socket.handshake.auth);

  socket.on("message", (...args) => {
    socket.emit("message-back", ...withoutAck(args));
  });
  socket.on("message-with-ack", (...args) => {
    ackWith(args, ...withoutAck(args));
  });
  socket.on("echo", (...args) => {
    ackWith(args, ...withoutAck(args));
  });
  // Not in FIXTURE.md: whether the connection came over TLS (tests/e2e/README.md).
  socket.on("handshake-secure", (...args) => {
    ackWith(args, socket.handshake.secure);
  });
  socket.on("join", (...args) => {
    const [room] = withoutAck(args);
    socket.join(String(room));
    ackWith(args);
  });
  socket.on("leave", (...args) => {
    const [room] = withoutAck(args);
    socket.leave(String(room));
    ackWith(args);
  });
  socket.on("bcast", (...args) => {
    const [room, payload] = withoutAck(args);
    io.to(String(room)).emit("msg", payload);
    ackWith(args);
  });
});

io.of("/custom").on("connection", (socket) => {
  socket.emit("auth", socket.handshake.auth);
});

// --- /socket.io/ on `/`: cluster operations ----------------------------------

/**
 * The FIXTURE.md order for acks that carry lists: numbers ascending, strings by
 * UTF-16 code unit. Mixed lists put numbers first, then strings, then anything
 * else ordered by its JSON text (the contract only uses uniform lists).
 */
function sortValues(values) {
  const rank = (v) => (typeof v === "number" ? 0 : typeof v === "string" ? 1 : 2);
  const byUnit = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  return [...values].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra - rb;
    if (ra === 0) return a - b;
    if (ra === 1) return byUnit(a, b);
    return byUnit(JSON.stringify(a), JSON.stringify(b));
  });
}

function listeningPort() {
  return httpServer.address()?.port ?? 0;
}

/** Logs a failed cluster request; the client's ack then carries `{ error }`. */
function clusterError(op, err) {
  process.stderr.write(`fixture: ${op} failed: ${err?.message ?? err}\n`);
  return { error: String(err?.message ?? err) };
}

io.of("/").on("connection", (socket) => {
  socket.on("cluster-count", async (...args) => {
    try {
      ackWith(args, await io.of("/").adapter.serverCount());
    } catch (err) {
      ackWith(args, clusterError("cluster-count", err));
    }
  });
  socket.on("cluster-fetch", async (...args) => {
    const [room] = withoutAck(args);
    try {
      const sockets = await io.in(String(room)).fetchSockets();
      ackWith(args, sortValues(sockets.map((s) => s.id)));
    } catch (err) {
      ackWith(args, clusterError("cluster-fetch", err));
    }
  });
  socket.on("cluster-join", (...args) => {
    const [target, room] = withoutAck(args);
    io.in(String(target)).socketsJoin(String(room));
    ackWith(args);
  });
  socket.on("cluster-leave", (...args) => {
    const [target, room] = withoutAck(args);
    io.in(String(target)).socketsLeave(String(room));
    ackWith(args);
  });
  socket.on("cluster-disconnect", (...args) => {
    const [target] = withoutAck(args);
    io.in(String(target)).disconnectSockets(true);
    ackWith(args);
  });
  socket.on("cluster-remote-emit", async (...args) => {
    const [target, payload] = withoutAck(args);
    try {
      const [found] = await io.in(String(target)).fetchSockets();
      if (found) found.emit("remote", payload);
      ackWith(args, Boolean(found));
    } catch (err) {
      ackWith(args, clusterError("cluster-remote-emit", err));
    }
  });
  socket.on("cluster-sse", (...args) => {
    const [payload] = withoutAck(args);
    // A single node has no other node to tell (the in-memory adapter only warns).
    if (clusterOpts.redis !== null) io.serverSideEmit("sse", payload);
    ackWith(args);
  });
  socket.on("cluster-sse-ack", (...args) => {
    const [payload] = withoutAck(args);
    if (clusterOpts.redis === null) {
      // No other node: nothing to wait for (the in-memory adapter never calls back).
      ackWith(args, { timedOut: false, responses: [] });
      return;
    }
    // The callback form reports the partial responses on timeout, which the
    // promise form (serverSideEmitWithAck) drops.
    io.serverSideEmit("sse-ack", payload, (err, responses) => {
      ackWith(args, { timedOut: Boolean(err), responses: sortValues(responses ?? []) });
    });
  });
  // Not in FIXTURE.md: a broadcast with the local / volatile / compress flags, so that the
  // cluster suite can check what reaches Redis (tests/e2e/README.md).
  socket.on("bcast-flags", (...args) => {
    const [room, payload, flags] = withoutAck(args);
    let op = io.to(String(room));
    if (flags?.local) op = op.local;
    if (flags?.volatile) op = op.volatile;
    if (flags?.compress === false) op = op.compress(false);
    op.emit("msg", payload);
    ackWith(args);
  });
  socket.on("bcast-ack", (...args) => {
    const [room, payload, ms] = withoutAck(args);
    io.to(String(room)).timeout(Number(ms)).emit("ask", payload, (err, responses) => {
      ackWith(args, { timedOut: Boolean(err), responses: sortValues(responses ?? []) });
    });
  });
});

// Server-side handlers: run for serverSideEmit from other nodes and from the emitter.
io.of("/").on("sse", (payload) => {
  io.local.emit("sse-seen", payload, listeningPort());
});
io.of("/").on("sse-ack", (...args) => {
  ackWith(args, listeningPort());
});

/**
 * Connects the two node-redis clients and installs the adapter on every
 * namespace. A Redis outage must not end the process: node-redis reconnects
 * and re-subscribes by itself, so connection errors are only logged, and so
 * are publish promises that the adapter leaves unobserved when a connection
 * drops with commands in flight.
 */
async function attachCluster() {
  if (clusterOpts.redis === null) return;
  // Loaded only for cluster runs, so that single-node start-up stays as fast as before.
  const { createAdapter, createShardedAdapter } = await import("@socket.io/redis-adapter");
  const { createClient } = await import("redis");
  const pub = createClient({ url: clusterOpts.redis });
  const sub = pub.duplicate();
  // One line per change of error, so that a long outage does not flood stderr.
  const onError = (which) => {
    let last = "";
    return (err) => {
      const text = `fixture: redis ${which}: ${err?.message ?? err}\n`;
      if (text !== last) process.stderr.write(text);
      last = text;
    };
  };
  pub.on("error", onError("pub"));
  sub.on("error", onError("sub"));
  process.on("unhandledRejection", (err) => {
    process.stderr.write(`fixture: unobserved rejection: ${err?.message ?? err}\n`);
  });
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(clusterOpts.mode === "sharded" ? createShardedAdapter(pub, sub) : createAdapter(pub, sub));
}

// --- HTTP routing ------------------------------------------------------------

function route(url) {
  const path = (url ?? "").split("?", 1)[0];
  if (path.startsWith("/socket.io/")) return sioEngine;
  if (path.startsWith("/engine.io/")) return echoEngine;
  return null;
}

const serverOptions = opts.requestTimeout
  ? { headersTimeout: opts.requestTimeout, requestTimeout: opts.requestTimeout, connectionsCheckingInterval: 50 }
  : {};
const tlsOptions = opts.tlsCert === null ? null : { cert: fs.readFileSync(opts.tlsCert), key: fs.readFileSync(opts.tlsKey) };
const handler = (req, res) => {
  const engine = route(req.url);
  if (engine) {
    engine.handleRequest(req, res);
    return;
  }
  res.writeHead(404, { "Content-Type": "text/plain" });
  res.end("not found");
};
const httpServer = tlsOptions
  ? https.createServer({ ...serverOptions, ...tlsOptions }, handler)
  : http.createServer(serverOptions, handler);

httpServer.on("upgrade", (req, socket, head) => {
  const engine = route(req.url);
  if (engine) {
    // Validation (transport, sid, ...) and its HTTP 400 happen in there.
    engine.handleUpgrade(req, socket, head);
    return;
  }
  socket.on("error", () => {});
  socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
});

let stopping = false;
function shutdown() {
  if (stopping) return;
  stopping = true;
  io.close();
  echoEngine.close();
  httpServer.close();
  httpServer.closeAllConnections();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

attachCluster().then(
  () => {
    httpServer.listen(opts.port, opts.host, () => {
      process.stdout.write(`listening ${httpServer.address().port}\n`);
    });
  },
  (err) => {
    process.stderr.write(`fixture: cannot join the cluster: ${err?.message ?? err}\n`);
    process.exit(1);
  },
);
