// Reference fixture server for the end-to-end suite, built on the Node
// `engine.io` package. It follows the same command-line contract as the C++
// fixture server (examples/fixture_server):
//
//   --port N                (0 = pick a free port)
//   --ping-interval MS      (default 300)
//   --ping-timeout MS       (default 200)
//   --max-payload BYTES     (default 1000000)
//   --threads N             (accepted and ignored)
//   --upgrade-timeout MS    (default 10000)
//   --request-timeout MS    (time allowed for request headers; Node's default otherwise)
//   --transports LIST       (comma separated, default polling,websocket)
//   --no-upgrades           (allowUpgrades: false)
//   --cors-origin ORIGIN    (enables CORS with that origin; `*` allowed)
//   --cors-credentials      (Access-Control-Allow-Credentials: true)
//   --deny-param NAME       (refuse requests whose query has NAME, message "denied")
//   --initial-header "Name: value"  (added to the handshake response)
//
// It listens on 127.0.0.1 only, prints `listening <port>` once it is ready,
// serves a raw Engine.IO v4 echo server at /engine.io/ (every message is sent
// back on the same session, text as text and binary as binary) and exits with
// status 0 on SIGTERM or SIGINT.

import http from "node:http";
import process from "node:process";
import { Server } from "engine.io";

function usage(message) {
  process.stderr.write(`fixture: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    port: 0,
    pingInterval: 300,
    pingTimeout: 200,
    maxPayload: 1000000,
    upgradeTimeout: 10000,
    transports: ["polling", "websocket"],
    allowUpgrades: true,
    corsOrigin: null,
    corsCredentials: false,
    denyParam: null,
    initialHeaders: [],
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
      case "--cors-origin": opts.corsOrigin = value(); break;
      case "--cors-credentials": opts.corsCredentials = true; break;
      case "--deny-param": opts.denyParam = value(); break;
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
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

const engineOptions = {
  pingInterval: opts.pingInterval,
  pingTimeout: opts.pingTimeout,
  maxHttpBufferSize: opts.maxPayload,
  upgradeTimeout: opts.upgradeTimeout,
  transports: opts.transports,
  allowUpgrades: opts.allowUpgrades,
  path: "/engine.io",
};

if (opts.corsOrigin !== null) {
  engineOptions.cors = { origin: opts.corsOrigin, credentials: opts.corsCredentials };
}

if (opts.denyParam !== null) {
  const name = opts.denyParam;
  engineOptions.allowRequest = (req, callback) => {
    const query = new URL(req.url, "http://127.0.0.1").searchParams;
    if (query.has(name)) callback("denied", false);
    else callback(null, true);
  };
}

const serverOptions = opts.requestTimeout
  ? { headersTimeout: opts.requestTimeout, requestTimeout: opts.requestTimeout, connectionsCheckingInterval: 50 }
  : {};
const httpServer = http.createServer(serverOptions, (req, res) => {
  // Anything outside /engine.io/ is not served.
  res.writeHead(404, { "Content-Type": "text/plain" });
  res.end("not found");
});

const engine = new Server(engineOptions);
engine.attach(httpServer, { path: "/engine.io" });

if (opts.initialHeaders.length > 0) {
  engine.on("initial_headers", (headers) => {
    for (const [name, value] of opts.initialHeaders) headers[name] = value;
  });
}

engine.on("connection", (socket) => {
  socket.on("message", (data) => {
    socket.send(data);
  });
});

let stopping = false;
function shutdown() {
  if (stopping) return;
  stopping = true;
  engine.close();
  httpServer.close();
  httpServer.closeAllConnections();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

httpServer.listen(opts.port, "127.0.0.1", () => {
  process.stdout.write(`listening ${httpServer.address().port}\n`);
});
