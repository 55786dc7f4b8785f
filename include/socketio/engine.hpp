// A raw Engine.IO v4 server: sessions over HTTP long-polling and WebSocket.
// Socket.IO runs on top of it; it is also usable on its own.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>

#include "socketio/options.hpp"
#include "socketio/tls.hpp"

#include <boost/asio/any_io_executor.hpp>

namespace boost::asio {
class io_context;
}

namespace socketio {
namespace detail {
class session;
class endpoint;
class http_listener;
struct handle_access;
}  // namespace detail

namespace engine {

/// Counters of `engine_options::admission` for one path, since the server was made.
struct admission_stats {
  /// Sessions open, or admitted and being opened.
  std::size_t sessions = 0;
  /// Handshakes refused: while draining, at `max_sessions`, by the global rate, by the
  /// per-address rate, and by the `admit` hook or `allow_request`.
  std::uint64_t refused_draining = 0;
  std::uint64_t refused_full = 0;
  std::uint64_t refused_rate = 0;
  std::uint64_t refused_address_rate = 0;
  std::uint64_t refused_policy = 0;
  /// Addresses in the per-address table now, and those forgotten at its bound early (before
  /// their bucket had refilled: such an address starts again with a full bucket).
  std::size_t tracked_addresses = 0;
  std::uint64_t addresses_evicted_early = 0;
  bool draining = false;
};

/// A cheap, copyable handle to one Engine.IO session. It does not keep the session alive:
/// once the session has closed, sends return false. Every member is safe from any thread.
class socket {
 public:
  socket() = default;

  /// The session id (20 URL-safe characters). Empty for a default-constructed handle.
  const std::string& id() const { return id_; }

  /// Queues a text message. Returns false when the session is gone or closing.
  bool send(std::string_view text) const;
  /// Queues a binary message.
  bool send_binary(std::string_view bytes) const;

  /// Closes the session ("forced close"): queued packets are flushed first.
  void close() const;

  /// Handlers run on the session's strand, one at a time. Set them inside the connection
  /// handler (which runs on that strand, so they take effect at once): packets that arrive
  /// before a handler is set are not replayed. From another thread the handler is installed
  /// on the strand a little later. `data` is valid during the call.
  void on_message(std::function<void(bool binary, std::string_view data)> handler) const;
  void on_close(std::function<void(std::string_view reason)> handler) const;

  /// The handshake request, shared with the session (immutable; holding the pointer keeps it
  /// valid after the session is gone). An empty request once the session is gone.
  std::shared_ptr<const request_info> request() const;

 private:
  friend struct detail::handle_access;
  explicit socket(std::shared_ptr<detail::session> s);

  std::weak_ptr<detail::session> session_;
  std::string id_;
};

/// Serves Engine.IO on `options.path`. The host runs the io_context on as many threads as it
/// likes. Public members are safe from any thread.
class server {
 public:
  server(boost::asio::io_context& ioc, engine_options options = {});
  /// Runs everything on `executor` (and strands of it).
  server(boost::asio::any_io_executor executor, engine_options options = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Called on the new session's strand, before any of its packets are handled.
  void on_connection(std::function<void(socket)> handler);

  /// Listens on address:port (port 0 picks a free one) and returns the bound port.
  /// Throws boost::system::system_error when it cannot listen.
  std::uint16_t listen(std::uint16_t port, const std::string& address = "0.0.0.0");
  /// Listens with TLS (https and wss; with tls_listen_mode::plain_and_tls also plain http and
  /// ws on the same port). Throws std::invalid_argument on bad options (tls.hpp), before
  /// binding, and boost::system::system_error when it cannot listen. request_info::secure is
  /// true for sessions that came over TLS.
  std::uint16_t listen(std::uint16_t port, const tls_options& tls,
                       const std::string& address = "0.0.0.0");
  /// Replaces the certificate (key, client CA) for connections accepted from now on; live
  /// connections keep theirs. Throws std::invalid_argument on bad options (the old ones stay
  /// in use) and std::logic_error when the server does not listen with TLS. The mode cannot
  /// change. Safe from any thread after listen().
  void reload_tls(const tls_options& tls);

  /// Stops accepting and closes every session. `done` (optional) runs once the last session
  /// is gone, on an I/O thread.
  void close(std::function<void()> done = {});

  /// Number of open sessions.
  std::size_t client_count() const;

  /// Graceful drain: stops listening (unless `options.keep_listening`), refuses every new handshake
  /// (503 "Server is draining"), then closes the open sessions at `options.sessions_per_second`
  /// ("forced close"; clients see their transport close and reconnect, to another server if the
  /// address now leads there), and the rest at once when `options.deadline` passes. `done`
  /// (optional, on an I/O thread) and the returned future complete once the last session is gone.
  /// The server stays draining: call close() afterwards. Do not wait on the future on a thread that
  /// runs the server's io_context (the completion needs one).
  std::future<void> drain(drain_options options = {}, std::function<void()> done = {});

  /// The admission counters (engine_options::admission).
  admission_stats admission() const;

 private:
  friend struct detail::handle_access;
  std::shared_ptr<detail::endpoint> endpoint_;
  std::shared_ptr<detail::http_listener> listener_;
};

}  // namespace engine
}  // namespace socketio
