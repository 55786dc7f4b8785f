// The Socket.IO layer's internals: server, namespaces, per-connection clients and sockets.
// Threading: a client and its sockets live on their Engine.IO session's strand; namespaces
// and the server are shared and guard their tables with mutexes (copy, then release).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/detail/logger.hpp"
#include "common/detail/spin_lock.hpp"
#include "common/detail/token_bucket.hpp"
#include "engineio/detail/endpoint.hpp"
#include "engineio/detail/session.hpp"
#include "socketio/detail/handler_table.hpp"
#include "socketio/detail/parser.hpp"
#include "socketio/detail/wire_packet.hpp"
#include "socketio/error.hpp"
#include "socketio/memory_adapter.hpp"
#include "socketio/namespace.hpp"
#include "socketio/server.hpp"

namespace socketio::detail {

class sio_server;
class sio_client;
class http_listener;

class sio_namespace : public adapter_host {
 public:
  sio_namespace(std::string name, std::weak_ptr<sio_server> server,
                std::shared_ptr<sio_namespace> parent);

  /// Makes this namespace's adapter with `factory` (the in-memory one when empty). Call after
  /// construction (the adapter refers back to the namespace weakly); replaces any previous
  /// adapter, which is closed.
  void install_adapter(const adapter_factory& factory);
  /// The current adapter (a copy of the reference: it may be replaced concurrently).
  std::shared_ptr<socketio::adapter> adapter_ptr() const;
  std::shared_ptr<sio_namespace> self() {
    return std::static_pointer_cast<sio_namespace>(shared_from_this());
  }

  std::shared_ptr<sio_server> server() const { return server_.lock(); }
  /// The server's log (a default one once the server is gone).
  std::shared_ptr<const logger> log_ptr() const;
  bool is_child() const { return parent_ != nullptr; }
  /// Marks a dynamic parent: its broadcasts go to each of its children.
  void make_parent() { is_parent_ = true; }
  void add_child(const std::shared_ptr<sio_namespace>& child);

  void add_connection_handler(std::function<void(socket)> h);
  void add_middleware(connect_middleware m);
  std::vector<std::function<void(socket)>> connection_handlers() const;
  std::vector<connect_middleware> middlewares() const;

  void add_socket(const std::shared_ptr<sio_socket>& s);
  void remove_socket(const std::string& id);
  std::shared_ptr<sio_socket> find_socket(const std::string& id) const;
  bool has_socket(const std::string& id) const;
  std::vector<std::shared_ptr<sio_socket>> all_sockets() const;
  std::size_t size() const;
  /// Room changes for a connected socket of this namespace. A join racing with the socket's
  /// disconnect is undone when the socket turns out to be gone (no stale room entry), without
  /// holding the socket table's lock while the adapter runs.
  void join(const std::string& socket_id, const std::set<std::string>& rooms);
  void leave(const std::string& socket_id, const std::set<std::string>& rooms);
  /// Drops every socket reference (server teardown).
  void forget_sockets();

  // Broadcast operations (broadcast_operator forwards here).
  bool broadcast(std::string_view event, args values, const broadcast_options& opts);
  void broadcast_with_ack(std::string_view event, args values, const broadcast_options& opts,
                          broadcast_operator::ack_callback cb);
  void fetch_sockets(const broadcast_options& opts, fetch_callback done);
  void sockets_join(const broadcast_options& opts, const std::set<std::string>& rooms);
  void sockets_leave(const broadcast_options& opts, const std::set<std::string>& rooms);
  void disconnect_sockets(const broadcast_options& opts, bool close);

  void add_server_side_handler(const std::string& event, std::function<void(const args&, ack)> h);
  void server_side_emit(std::string_view event, args values);
  void server_side_emit_with_ack(std::string_view event, args values,
                                 std::chrono::milliseconds timeout, responses_callback done);

  // adapter_host
  const std::string& name() const override { return name_; }
  boost::asio::any_io_executor executor() const override;
  void log(log_level level, std::string_view message) const override;
  outgoing_packet encode(socketio::packet p) const override;
  std::uint64_t next_ack_id() override { return ack_ids_.fetch_add(1); }
  void deliver(const std::string& socket_id, const outgoing_packet& packet,
               bool is_volatile) override;
  void deliver_all(const std::vector<std::string>& socket_ids, const outgoing_packet& packet,
                   bool is_volatile) override;
  void deliver_matching(const adapter& index, const broadcast_options& opts,
                        const outgoing_packet& packet, bool is_volatile) override;
  void deliver_with_ack(const std::string& socket_id, const outgoing_packet& packet,
                        bool is_volatile, std::chrono::milliseconds timeout,
                        std::function<void(json)> on_ack) override;
  void join_socket(const std::string& socket_id, const std::set<std::string>& rooms) override;
  void leave_socket(const std::string& socket_id, const std::set<std::string>& rooms) override;
  void disconnect_socket(const std::string& socket_id, bool close) override;
  std::optional<remote_socket> describe_socket(const std::string& socket_id) override;
  remote_socket make_remote_socket(std::string id, socketio::handshake hs,
                                   std::set<std::string> rooms, json data) override;
  void server_side_event(const std::string& event, args values, ack reply) override;

 private:
  std::vector<std::shared_ptr<sio_namespace>> children() const;
  /// Queues `w` on each target: directly for the lane running now, one hand-off per other lane.
  void deliver_to(std::vector<std::shared_ptr<sio_socket>>& targets, const wire_packet_ptr& w,
                  bool is_volatile);

  std::string name_;
  std::weak_ptr<sio_server> server_;
  std::shared_ptr<sio_namespace> parent_;
  bool is_parent_ = false;
  mutable std::mutex mutex_;
  std::vector<std::weak_ptr<sio_namespace>> children_;  // guarded by mutex_
  std::shared_ptr<socketio::adapter> adapter_;          // guarded by mutex_
  std::vector<std::function<void(socket)>> on_connection_;
  std::vector<connect_middleware> middlewares_;
  // Keyed by a view of each socket's own id (in its socket_ref, alive as long as the entry's
  // value): no second copy of every id.
  std::unordered_map<std::string_view, std::shared_ptr<sio_socket>> sockets_;
  std::multimap<std::string, std::function<void(const args&, ack)>> server_side_;
  std::atomic<std::uint64_t> ack_ids_{0};
};

/// What every public handle of one socket shares: one allocation per socket, so a handle is a
/// single pointer (handle_access builds handles from it).
struct socket_ref {
  std::string id;
  std::string nsp;
  std::weak_ptr<sio_socket> impl;
};

/// One socket: a client's membership of one namespace. Lives on the session's strand.
class sio_socket : public std::enable_shared_from_this<sio_socket> {
 public:
  sio_socket(std::string id, std::shared_ptr<sio_namespace> nsp, std::weak_ptr<sio_client> client,
             std::weak_ptr<session> session, socketio::handshake hs);

  /// Makes the socket; its handles share one socket_ref, which also holds the id.
  static std::shared_ptr<sio_socket> create(std::string id, std::shared_ptr<sio_namespace> nsp,
                                            std::weak_ptr<sio_client> client,
                                            std::weak_ptr<session> session, socketio::handshake hs);
  const std::string& id() const { return ref_->id; }
  std::shared_ptr<const socket_ref> ref() const { return ref_; }
  const std::shared_ptr<sio_namespace>& nsp() const { return nsp_; }
  const socketio::handshake& handshake() const { return handshake_; }
  bool connected() const { return connected_.load(); }
  std::shared_ptr<sio_client> client() const { return client_.lock(); }
  const logger& log() const { return *log_; }
  /// Names a user callback of this socket for the log: kind, event, socket id, namespace.
  std::string where(std::string_view kind, std::string_view event = {}) const;

  /// Runs `f(*this)` on the session's strand (inline when already there). A template, not a
  /// std::function: it runs once per recipient of every broadcast.
  template <class F>
  void on_strand(F&& f) {
    const auto s = session_.lock();
    if (!s) return;
    s->run_on_strand([self = shared_from_this(), f = std::forward<F>(f)]() mutable { f(*self); });
  }

  /// Applies server_options::event_rate_limit (when on). Before the socket is shared.
  void limit_events(const event_rate_limit_options& limit);
  /// Events refused under the limit so far (any thread).
  std::uint64_t rate_limited_count() const {
    return limiter_ ? limiter_->dropped.load(std::memory_order_relaxed) : 0;
  }

  // --- strand only ---
  void mark_connected() { connected_.store(true); }
  /// Counts an incoming event against the rate limit. False when it must not be dispatched:
  /// it was dropped, or the socket disconnected for it (the app was told either way).
  bool admit_event(const json& data);
  void dispatch_event(args values, std::optional<std::uint64_t> ack_id);
  void dispatch_ack(std::uint64_t id, args values);
  void close(disconnect_reason reason, bool send_disconnect);
  bool send_packet(const wire_packet_ptr& w, bool is_volatile = false);
  /// The same, through a session reference the caller already holds.
  bool send_packet(session& s, const wire_packet_ptr& w, bool is_volatile);
  /// The session, while it exists (any thread).
  std::shared_ptr<session> session_ptr() const { return session_.lock(); }
  bool emit_now(std::string_view event, args values, std::optional<std::uint64_t> ack_id = {});
  void expect_ack(std::uint64_t id, std::optional<std::chrono::milliseconds> timeout,
                  std::function<void(std::optional<ack_error>, args)> cb);
  /// Drops a pending ack without calling it (a broadcast's timeout expired).
  void forget_ack(std::uint64_t id);

  // Handlers (strand only; the public handle posts).
  handler_table handlers;
  // The rarer kinds of listener, allocated on first use: most sockets have none, and five
  // empty vectors and a std::function would be 152 bytes of every socket.
  struct listeners {
    std::vector<socket::any_handler> any;
    std::vector<socket::any_handler> outgoing_any;
    std::vector<socket::packet_middleware> packet_middlewares;
    std::vector<socket::reason_handler> disconnecting;
    std::vector<socket::reason_handler> disconnect;
    std::function<void(const std::string&)> error;
    std::vector<socket::rate_limited_handler> rate_limited;
  };
  listeners& more_listeners() {
    if (!listeners_) listeners_ = std::make_unique<listeners>();
    return *listeners_;
  }
  /// Null while no such listener was ever added.
  const listeners* listeners_if_any() const { return listeners_.get(); }

  json data() const;
  void set_data(json v);

 private:
  void run_middlewares(std::size_t index, std::shared_ptr<std::pair<std::string, args>> packet,
                       std::optional<std::uint64_t> ack_id);
  void run_handlers(const std::string& event, args& values, std::optional<std::uint64_t> ack_id);

  std::unique_ptr<listeners> listeners_;
  // Only with an event rate limit: most servers have none, and then a socket pays one pointer.
  struct event_limiter {
    token_bucket bucket;
    rate_limit_action action = rate_limit_action::drop;
    std::atomic<std::uint64_t> dropped{0};
    bool reported = false;  // the log says it once per socket, not once per event
  };
  std::unique_ptr<event_limiter> limiter_;
  std::shared_ptr<socket_ref> ref_;
  std::shared_ptr<sio_namespace> nsp_;
  std::weak_ptr<sio_client> client_;
  std::weak_ptr<session> session_;
  socketio::handshake handshake_;
  std::shared_ptr<const logger> log_;  // the session's, so it outlives the session
  std::atomic<bool> connected_{false};
  mutable spin_lock data_lock_;  // held only to copy data_ in or out
  json data_;
  struct pending_ack {
    std::function<void(std::optional<ack_error>, args)> callback;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  using ack_table = std::unordered_map<std::uint64_t, pending_ack>;
  /// Removes `id`'s entry and frees the table once it is empty. Returns the entry, if any.
  std::optional<pending_ack> take_ack(std::uint64_t id);
  // Only while an ack is pending: an empty unordered_map is 56 bytes of every socket.
  std::unique_ptr<ack_table> acks_;
};

/// The Socket.IO side of one Engine.IO session: decoder, sockets by namespace, connect timeout.
class sio_client : public std::enable_shared_from_this<sio_client> {
 public:
  sio_client(std::shared_ptr<sio_server> server, std::shared_ptr<session> s);

  /// Wires the session's handlers and arms the connect timeout. On the strand.
  void start();
  void send(const wire_packet_ptr& w, bool is_volatile = false);
  void remove_socket(const std::string& nsp);
  /// socket.disconnect(true): every socket leaves, then the connection closes.
  void disconnect_all_and_close();
  std::weak_ptr<session> session_ref() const { return session_; }
  const std::shared_ptr<const logger>& log_ptr() const { return log_; }

 private:
  void on_message(bool binary, std::string_view data);
  void on_packet(sio_packet&& p);
  void on_connect(sio_packet&& p);
  void on_close(std::string_view reason);
  void fatal();
  /// A packet the connection's state does not allow (reference: Client.close()).
  void close_invalid_state();
  void send_connect_error(const std::string& nsp, const connect_error& e);

  // Weak: sessions live in the server's registry, so a strong reference here would be a cycle.
  std::weak_ptr<sio_server> server_;
  std::weak_ptr<session> session_;
  std::shared_ptr<const logger> log_;
  /// The socket of namespace `nsp`, or null.
  std::shared_ptr<sio_socket> socket_of(std::string_view nsp) const;

  sio_decoder decoder_;
  // A connection joins few namespaces (usually one): a vector searched by name costs one
  // small allocation where a hash map cost a node and a 13-bucket array (~230 bytes).
  std::vector<std::shared_ptr<sio_socket>> sockets_;
  // Namespaces whose CONNECT runs its middleware now; empty (no allocation) almost always.
  std::vector<std::string> connecting_;
  bool is_connecting(std::string_view nsp) const;
  void done_connecting(const std::string& nsp);
  // Only until the first CONNECT (docs/PROTOCOL.md 2.10): a timer is ~110 bytes plus its
  // executor's, which an idle connection should not keep.
  std::unique_ptr<boost::asio::steady_timer> connect_timer_;
  bool closed_ = false;
};

class sio_server : public std::enable_shared_from_this<sio_server> {
 public:
  sio_server(boost::asio::any_io_executor executor, server_options options);
  /// Namespaces and their sockets refer to each other; the server's end breaks that cycle.
  ~sio_server();
  void init();  // after construction: creates "/" and wires the engine endpoint

  const boost::asio::any_io_executor& executor() const { return executor_; }
  /// True when the calling thread is running this server's I/O (a blocking wait here could
  /// wait for itself).
  bool on_io_thread() const;
  /// Installs the adapter factory on every namespace, existing and future.
  void set_adapter_factory(adapter_factory factory);
  const server_options& options() const { return options_; }
  const std::shared_ptr<endpoint>& engine() const { return endpoint_; }
  const std::shared_ptr<const logger>& log_ptr() const { return endpoint_->log_ptr(); }

  std::shared_ptr<sio_namespace> of(const std::string& name);
  std::shared_ptr<sio_namespace> add_parent(
      std::function<bool(const std::string&, const json&)> predicate);
  /// The namespace a CONNECT names: existing, or a new child of a matching parent, or null.
  std::shared_ptr<sio_namespace> lookup(const std::string& name, const json& auth);
  void remove_child_if_empty(const std::shared_ptr<sio_namespace>& nsp);
  std::vector<std::shared_ptr<sio_namespace>> namespaces() const;

  std::uint16_t listen(std::uint16_t port, const std::string& address,
                       std::vector<std::shared_ptr<endpoint>> extra);
  std::uint16_t listen(std::uint16_t port, const tls_options& tls, const std::string& address,
                       std::vector<std::shared_ptr<endpoint>> extra);
  void reload_tls(const tls_options& tls);
  /// Serves a connection accepted by the host.
  void serve(boost::asio::ip::tcp::socket socket, std::vector<std::shared_ptr<endpoint>> extra);
  /// Stops listening, disconnects every socket, closes the adapters; `done` runs after the
  /// last session is gone and every adapter has closed.
  void close(std::function<void()> done);
  /// Stops listening, refuses new handshakes and closes the sessions at options' rate (their
  /// sockets see "server shutting down"); completes when the last session is gone.
  std::future<void> drain(drain_options options, std::function<void()> done);

 private:
  std::shared_ptr<sio_namespace> make_namespace(const std::string& name,
                                                std::shared_ptr<sio_namespace> parent);
  /// The namespace `name`, created (with `parent`) when absent.
  std::shared_ptr<sio_namespace> insert_namespace(const std::string& name,
                                                  const std::shared_ptr<sio_namespace>& parent);
  const std::shared_ptr<http_listener>& router(std::vector<std::shared_ptr<endpoint>> extra);

  boost::asio::any_io_executor executor_;
  server_options options_;  // options_.adapter guarded by mutex_
  std::shared_ptr<endpoint> endpoint_;
  std::shared_ptr<http_listener> listener_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<sio_namespace>> namespaces_;
  std::vector<std::pair<std::function<bool(const std::string&, const json&)>,
                        std::shared_ptr<sio_namespace>>>
      parents_;
  std::size_t parent_counter_ = 0;
};

/// The promise behind a future-returning call: settled once, by the completion or by
/// refuse_if_pending_on_io_thread, whichever comes first.
template <class T>
struct future_bridge {
  std::promise<T> promise;
  std::atomic<bool> settled{false};

  void set_value(T value) {
    if (!settled.exchange(true)) promise.set_value(std::move(value));
  }
  void set_exception(std::exception_ptr e) {
    if (!settled.exchange(true)) promise.set_exception(std::move(e));
  }
};

/// Called right after a future-returning call started its operation. On an I/O thread of the
/// server, an operation that did not complete inline needs an I/O thread to complete, and the
/// caller is about to block one waiting for it (a certain deadlock on a single-threaded
/// loop): the future fails at once with a clear error instead, and the late completion is
/// dropped.
template <class T>
void refuse_if_pending_on_io_thread(const std::shared_ptr<sio_namespace>& nsp,
                                    future_bridge<T>& bridge) {
  if (bridge.settled.load()) return;
  const auto srv = nsp ? nsp->server() : nullptr;
  if (!srv || !srv->on_io_thread()) return;
  bridge.set_exception(std::make_exception_ptr(std::logic_error(
      "waiting for this future on an I/O thread would deadlock: it completes on an I/O "
      "thread; use the callback form")));
}

}  // namespace socketio::detail
