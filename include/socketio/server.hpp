// socketio::server: the Socket.IO v5 server.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <regex>
#include <string>

#include "socketio/adapter.hpp"
#include "socketio/engine.hpp"
#include "socketio/namespace.hpp"
#include "socketio/options.hpp"
#include "socketio/tls.hpp"

namespace socketio {

namespace detail {
class sio_server;
}

/// What a socket does with an event over server_options::event_rate_limit.
enum class rate_limit_action {
  /// The event is dropped (no handler, middleware or catch-all listener sees it; no ack is
  /// sent); the socket's on_rate_limited handlers are told and its count goes up.
  drop,
  /// The socket is told (on_rate_limited), then disconnected: the client gets a DISCONNECT
  /// (it sees "io server disconnect") and the server's handlers "rate limit exceeded".
  disconnect,
};

/// A per-socket limit on the events its client sends (EVENT and BINARY_EVENT packets).
/// Acks are not counted: they answer the server's own requests, and an ack for an unknown id
/// costs one lookup (engine_options::packet_rate caps every packet of a connection).
struct event_rate_limit_options {
  /// As rate_limit: events added per second (0: off) and the most saved up (0: one second's).
  double per_second = 0;
  double burst = 0;
  rate_limit_action action = rate_limit_action::drop;

  rate_limit limit() const { return {per_second, burst}; }
};

struct server_options {
  /// Engine.IO options; path defaults to "/socket.io/" here.
  engine_options engine = [] {
    engine_options e;
    e.path = "/socket.io/";
    return e;
  }();
  /// A connection that joins no namespace within this time is closed.
  std::chrono::milliseconds connect_timeout{45000};
  /// Remove dynamic child namespaces when their last socket leaves.
  bool cleanup_empty_child_namespaces = false;
  /// Makes each namespace's adapter; empty: the in-memory adapter (this node only).
  adapter_factory adapter{};
  /// Files served beside Socket.IO on the same port (not in Node, whose http server is the
  /// host's). Off by default: other paths get 404.
  static_files_options static_files{};
  /// Events per second each socket may receive from its client (a token bucket per socket).
  /// Off by default (as in Node, which has no such limit).
  event_rate_limit_options event_rate_limit{};
};

/// Safe from any thread. The host runs the executor's context (on one thread or many).
class server : public broadcast_operators<server> {
 public:
  server(boost::asio::io_context& ioc, server_options options = {});
  /// Runs everything on `executor` (and strands of it): for hosts that own their loop.
  server(boost::asio::any_io_executor executor, server_options options = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// The main namespace "/" handlers and middleware (io.use applies to "/" only).
  void on_connection(std::function<void(socket)> handler);
  void use(connect_middleware middleware);
  /// Server-side events from other nodes on "/" (see namespace_handle::on_server_side).
  void on_server_side(const std::string& event, std::function<void(const args&, ack)> h);
  /// Node's `io.on("connection", fn)`: "connection" (or "connect") with a handler taking a
  /// socket. Throws std::invalid_argument for any other event name.
  void on(const std::string& event, std::function<void(socket)> handler);
  /// Node's `io.on(event, fn)` for server-side events from other nodes (on_server_side).
  void on(const std::string& event, std::function<void(const args&, ack)> handler);
  void server_side_emit(std::string_view event, args values) const;
  void server_side_emit_with_ack(std::string_view event, args values,
                                 std::chrono::milliseconds timeout,
                                 broadcast_operator::ack_callback callback) const;

  /// Installs the adapter factory for every namespace, existing ones included (Node's
  /// `io.adapter(createAdapter(...))`). Call it before listen().
  void adapter(adapter_factory factory);

  namespace_handle of(const std::string& name);
  /// Dynamic namespaces: a CONNECT to a name the predicate accepts creates a child namespace
  /// that gets this parent's connection handlers and middleware.
  namespace_handle of(std::function<bool(const std::string& name, const json& auth)> predicate);
  namespace_handle of(const std::regex& pattern);
  /// The main namespace "/".
  namespace_handle sockets() const { return main(); }

  /// Listens on address:port (0 picks one) and returns the bound port.
  std::uint16_t listen(std::uint16_t port, const std::string& address = "0.0.0.0");
  /// Listens with TLS (https and wss; with tls_listen_mode::plain_and_tls also plain http and
  /// ws on the same port). Throws std::invalid_argument on bad options (tls.hpp), before
  /// binding. Engine.IO servers added with also_serve are served over TLS too.
  /// `socket.handshake().secure()` is true for connections that came over TLS.
  std::uint16_t listen(std::uint16_t port, const tls_options& tls,
                       const std::string& address = "0.0.0.0");
  /// Replaces the certificate (key, client CA) for connections accepted from now on; live
  /// connections keep theirs. Throws std::invalid_argument on bad options (the old ones stay
  /// in use) and std::logic_error when the server does not listen with TLS. The mode cannot
  /// change. Safe from any thread after listen().
  void reload_tls(const tls_options& tls);
  /// Also serves a raw Engine.IO server's path on this server's port. Call before listen().
  void also_serve(const engine::server& raw);
  /// Stops listening and disconnects every socket ("server shutting down"), then closes the
  /// adapters. `done` (optional) runs once the last session is gone and every adapter has
  /// closed, on an I/O thread: a host can stop its loop there.
  void close(std::function<void()> done = {});

  /// Graceful drain, for taking this node out of a cluster without dropping everyone at once:
  /// stops listening (unless `options.keep_listening`), refuses every new handshake (503
  /// "Server is draining" with Retry-After), then closes the open connections at
  /// `options.sessions_per_second`, and the rest at once when `options.deadline` passes. Each is
  /// closed at the Engine.IO level, so socket.io-client sees "transport close" and reconnects (to
  /// another node, if the address now leads there); the server's sockets see "server shutting
  /// down", as with close(). `done` (optional, on an I/O thread) and the returned future complete
  /// when the last connection is gone. The server stays draining; call close() afterwards to close
  /// the adapters. Do not wait on the future on a thread that runs the server's io_context (the
  /// completion needs one). A host that accepts connections itself (serve_connection) stops
  /// accepting itself.
  std::future<void> drain(drain_options options = {}, std::function<void()> done = {});

  /// The counters of `server_options::engine.admission` for the Socket.IO path.
  engine::admission_stats admission() const;

 private:
  friend class broadcast_operators<server>;
  friend struct detail::handle_access;
  namespace_handle main() const;
  broadcast_operator all() const;
  std::shared_ptr<detail::sio_server> impl_;
  std::vector<std::shared_ptr<detail::endpoint>> extra_endpoints_;
};

}  // namespace socketio
