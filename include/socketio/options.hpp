// Plain option aggregates. Every default is the Node reference server's unless noted.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace socketio {

/// A request as the server saw it: owned copies, safe to keep.
struct request_info {
  std::string method;
  std::string url;  // path and query, as sent
  /// Header names in lower case, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;
  /// Decoded query parameters, in arrival order.
  std::vector<std::pair<std::string, std::string>> query;
  std::string remote_address;
  bool secure = false;
  std::chrono::system_clock::time_point time;

  /// First header with this (lower-case) name, or nullptr.
  const std::string* header(std::string_view name) const;
  /// First query parameter with this name, or nullptr.
  const std::string* query_param(std::string_view name) const;
};

/// A token bucket: `per_second` tokens are added each second, at most `burst` are saved up, and
/// each counted item takes one (a peer that was quiet may send `burst` at once, then
/// `per_second` a second). `per_second` 0 turns the limit off. Invalid values (negative, not a
/// number, or a burst below 1 with the limit on) are refused with std::invalid_argument when
/// the server is constructed.
struct rate_limit {
  double per_second = 0;
  /// 0: one second's worth (`per_second`, at least 1).
  double burst = 0;

  bool enabled() const { return per_second > 0; }
};

/// Cross-origin resource sharing. Off by default: no Access-Control-* headers at all.
struct cors_options {
  bool enabled = false;
  /// Allowed origins; "*" allows any origin (sent as `*`). Empty with enabled = "*".
  std::vector<std::string> origins;
  /// Optional predicate instead of the list: the request Origin is echoed when it returns true.
  std::function<bool(std::string_view origin)> allow_origin;
  /// With `enabled` and an allow-list (`origins` without "*", or `allow_origin`), a WebSocket
  /// upgrade whose Origin header is not allowed is refused with 403 before the 101 (not in
  /// Node, whose engine leaves this to `allowRequest`). Browsers send Origin on every
  /// WebSocket and CORS does not protect WebSockets, so without this any page could open one
  /// with the user's cookies. An upgrade without Origin (a non-browser client, which can
  /// set any header it likes anyway) is allowed.
  bool check_websocket_origin = true;
  /// Access-Control-Allow-Credentials: true. Needs `origins` (without "*") or
  /// `allow_origin`: the engine refuses credentials with any origin (std::invalid_argument).
  bool credentials = false;
  std::string methods = "GET,HEAD,PUT,PATCH,POST,DELETE";
  /// Empty: echo the preflight's Access-Control-Request-Headers.
  std::string allowed_headers;
  std::string exposed_headers;
  std::optional<int> max_age_seconds;
};

/// Severity of a log message; `off` as a level silences everything.
enum class log_level { debug, info, warning, error, off };

/// Where the library's own messages go (a throwing handler, an unexpected I/O failure).
/// Nothing is logged per packet at the default level, and messages never contain auth
/// payloads, cookies or tokens. Expected shutdown noise (EOF, aborted operations) is not logged.
struct logger_options {
  /// Messages below this level are dropped before they are formatted.
  log_level level = log_level::warning;
  /// Receives each message that passes `level`. Empty: one line "socketio: <level>: <message>"
  /// to stderr. Called on I/O threads, possibly on several at once; it must not block for long.
  /// An exception it throws is swallowed.
  std::function<void(log_level, std::string_view message)> sink;
};

/// What `admission_options::admit` decides for one handshake request.
struct admission_decision {
  /// 0 admits the handshake; anything else is the HTTP status of the refusal (403 for a policy
  /// refusal, 503 for overload; 429 is what the per-address rate uses). A status outside
  /// 400-599 is sent as 403.
  unsigned status = 0;
  /// The refusal's message (`{"code":4,"message":reason}`); empty: the status's usual text.
  std::string reason;
  /// Sent as `Retry-After` (whole seconds, at least 1) when not zero: meant for 429 and 503.
  std::chrono::seconds retry_after{0};

  static admission_decision admit() { return {}; }
  static admission_decision refuse(unsigned status, std::string reason,
                                   std::chrono::seconds retry_after = std::chrono::seconds(0)) {
    return {status, std::move(reason), retry_after};
  }
  bool admitted() const { return status == 0; }
};

/// Limits on new Engine.IO sessions (not in Node). They act on handshakes only, before any
/// session state is allocated; a refused handshake gets its HTTP status (polling) or the same
/// status instead of the 101 (WebSocket), with `{"code":4,"message":...}`. Established sessions
/// are never affected. Each kind of refusal is logged once per episode (at its first refusal
/// after 10 s without one of that kind), never once per request: overload (cap, rates) as a
/// warning, refusals by the hook or `allow_request` and while draining at level info. Every default
/// leaves the server as open as it is without them.
struct admission_options {
  /// Engine.IO sessions open at once on this path (a session is one client, whatever its
  /// transport). 0 (default): no limit. At the limit a handshake gets 503 "Server is full" with
  /// `Retry-After: retry_after`. TCP connections that never handshake are bounded in time by
  /// `engine_options::request_timeout` (and in number by the open-file limit, where accepting
  /// backs off).
  std::size_t max_sessions = 0;
  /// New sessions per second across this path: a token bucket holding `handshake_burst`
  /// tokens (0: one second's worth), refilled at this rate. 0 (default): no limit. An empty
  /// bucket answers 503 "Too many handshakes" with Retry-After for the next token.
  double handshakes_per_second = 0;
  std::size_t handshake_burst = 0;
  /// New sessions per second from one client address (an IPv6 address counts by its /64), a
  /// bucket per address as above. 0 (default): no limit. An empty bucket answers 429 "Too many
  /// handshakes from this address" with Retry-After. Checked before the global bucket, so one
  /// address's flood does not spend the global budget.
  double handshakes_per_second_per_address = 0;
  std::size_t handshake_burst_per_address = 0;
  /// The per-address table's bound. Addresses whose bucket has refilled are forgotten (they
  /// would start full anyway); at the bound the least recently seen address is forgotten too.
  std::size_t max_tracked_addresses = 10'000;
  /// Retry-After for "Server is full" and for handshakes refused while draining.
  std::chrono::seconds retry_after{5};
  /// Runs for each handshake that passed the limits above, before `allow_request`: a richer
  /// `allow_request` that chooses the status and reason (403 for "go away", 503 with
  /// Retry-After for "not now"). A throwing hook refuses with 403 "Forbidden". Called on an
  /// I/O thread, possibly on several at once; it must not block.
  std::function<admission_decision(const request_info&)> admit;
};

/// How `drain()` sheds the clients of a server that is going away.
struct drain_options {
  /// Sessions closed per second, so that their clients reconnect elsewhere in a stream rather
  /// than all at once. 0: all at once.
  double sessions_per_second = 100;
  /// When this has passed since the drain began, the sessions still open are closed at once.
  /// 0: no deadline.
  std::chrono::milliseconds deadline{60000};
  /// false (default): the listener closes when the drain begins, the usual signal for a load
  /// balancer. A polling client whose next request comes on a new connection then loses its
  /// session at once (it reconnects, but not at the drain's rate). true: connections are
  /// still accepted (handshakes on them get 503) until the last session is gone, so polling
  /// sessions are paced too.
  bool keep_listening = false;
};

/// Options of the Engine.IO layer.
struct engine_options {
  /// Served by prefix; "/engine.io/" for a raw engine, "/socket.io/" under Socket.IO.
  std::string path = "/engine.io/";
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::chrono::milliseconds upgrade_timeout{10000};
  /// maxHttpBufferSize: the largest POST body or WebSocket message accepted, in bytes.
  std::size_t max_payload = 1'000'000;
  bool allow_polling = true;
  bool allow_websocket = true;
  bool allow_upgrades = true;
  cors_options cors;
  /// Runs for each handshake request. Return nullopt to accept, or a message to refuse it
  /// (403 `{"code":4,"message":...}` on polling, HTTP 400 on a WebSocket upgrade).
  /// Called on an I/O thread; it must not block.
  std::function<std::optional<std::string>(const request_info&)> allow_request;
  /// Extra headers on every handshake response (polling 200 and WebSocket 101).
  std::vector<std::pair<std::string, std::string>> initial_headers;
  /// Time allowed for a request's headers to arrive, and for an idle keep-alive connection
  /// (not Node's: Node's http server uses 60 s for headers).
  std::chrono::milliseconds request_timeout{10000};
  /// Bounds on each session's outbound queue (not in Node, whose queue is unbounded). A session
  /// that reaches either bound drops volatile packets and is otherwise closed with
  /// "transport error": a stalled reader cannot grow memory without limit.
  std::size_t max_queued_packets = 100'000;
  std::size_t max_queued_bytes = 64u << 20;
  /// Sessions are spread over this many lanes. A lane is a strand shared by its sessions: their
  /// handlers never run concurrently, a broadcast reaches the lane's sessions without an
  /// executor hop, and their output is corked (one write per session per read handled). Use
  /// the number of threads that run the io_context; 0 (default): one per hardware thread.
  std::size_t lanes = 0;
  /// WebSocket ping frames (RFC 6455 opcode 0x9) a peer may send. Each is answered with a pong,
  /// so a flood costs the server a write per ping; over the limit the connection is closed
  /// with 1008 (policy violation). Browsers and the Socket.IO/Engine.IO clients never send
  /// pings (Engine.IO's heartbeat is a packet the server sends); not in Node.
  rate_limit websocket_pings{.per_second = 10, .burst = 20};
  /// Engine.IO packets a client may send on one session (every type: messages, pongs, noops;
  /// both transports). Over the limit the session closes with "rate limit exceeded" (a
  /// parked GET gets `1`, a WebSocket the usual close frame). Off by default (Node has no such
  /// limit): a Socket.IO application limits events per socket with
  /// server_options::event_rate_limit, and this is the cap on everything else (packets of no
  /// namespace, CONNECT floods, raw Engine.IO messages). Engine.IO pings from the client are not
  /// counted: the first one closes the session ("invalid heartbeat direction", as in Node).
  rate_limit packet_rate{};
  /// Binds each session to the remote address of its handshake: a polling request or
  /// WebSocket upgrade for its sid from another address gets the "Session ID unknown" error
  /// (400, code 1), as for a sid that does not exist, and the session is not affected. Off by
  /// default (not in Node): behind a proxy or with clients that change address (mobile
  /// networks, several egress addresses) the address is not stable.
  bool bind_session_to_address = false;
  /// The library's log (the Socket.IO server uses its engine's).
  logger_options logger;
  /// Limits on new sessions; every default is "no limit".
  admission_options admission;
};

/// Static files served by the Socket.IO server's own HTTP front, for a small app that ships its
/// page with its server (the chat example). Only GET and HEAD are answered; any other method,
/// a missing file, a dot-file, a path with `..` or one that resolves (through symlinks)
/// outside `root` gets 404. Files are read from disk on each request, on an I/O thread, and
/// at most `max_file_bytes` of them: meant for a few small assets; put a real web server in
/// front for anything more.
struct static_files_options {
  /// Directory served for paths outside the Socket.IO path; empty: none. `/` and any
  /// directory serve their `index` file.
  std::string root;
  std::string index = "index.html";
  /// Single files at exact URL paths, {url path, file path}, looked up before the Socket.IO
  /// path (so `/socket.io/socket.io.min.js` can be served, as Node's `serveClient` does).
  std::vector<std::pair<std::string, std::string>> files;
  /// Larger files get 404 (and a warning in the log).
  std::size_t max_file_bytes = 16u << 20;
  /// The Cache-Control header of every file reply.
  std::string cache_control = "no-cache";
};

}  // namespace socketio
