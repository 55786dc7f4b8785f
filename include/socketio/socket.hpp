// socketio::socket: a handle to one client's connection to one namespace.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "socketio/broadcast.hpp"
#include "socketio/types.hpp"

namespace socketio {

namespace detail {
class sio_socket;
struct socket_ref;
struct handle_access;
}  // namespace detail

/// A cheap, copyable handle. It does not keep the connection alive: once the socket has
/// disconnected, emits return false. Every member is safe from any thread; handlers run on the
/// connection's strand, one at a time.
class socket {
 public:
  using event_handler = std::function<void(const args&, ack)>;
  using any_handler = std::function<void(const std::string& event, const args&)>;
  using reason_handler = std::function<void(const std::string& reason)>;
  /// Per-packet middleware: call next() to continue, next(error) to drop the packet (the
  /// error is reported to the "error" handler).
  using packet_middleware = std::function<void(
      const std::string& event, args&, std::function<void(std::optional<std::string>)> next)>;
  using ack_callback = std::function<void(std::optional<ack_error>, args)>;
  /// The event's name (its first argument as text) and how many events this socket has dropped
  /// so far, this one included.
  using rate_limited_handler = std::function<void(const std::string& event, std::uint64_t dropped)>;

  socket() = default;

  /// The socket's id and namespace name; empty for a default-constructed handle. They stay
  /// readable after the socket has disconnected.
  const std::string& id() const;
  const std::string& nsp() const;
  bool connected() const;

  void on(const std::string& event, event_handler handler) const;
  /// Node's `socket.on("disconnect", (reason) => ...)` and `"disconnecting"`: the same as
  /// on_disconnect / on_disconnecting. Other names throw std::invalid_argument (a client event
  /// handler takes (args, ack)).
  void on(const std::string& event, reason_handler handler) const;
  void once(const std::string& event, event_handler handler) const;
  void off(const std::string& event) const;
  void on_any(any_handler handler) const;
  void prepend_any(any_handler handler) const;
  void off_any() const;
  void on_any_outgoing(any_handler handler) const;
  void use(packet_middleware middleware) const;
  /// Fired with rooms still joined, then "disconnect" after leaving them. Reasons are the
  /// reference's strings ("transport close", "client namespace disconnect", ...).
  void on_disconnecting(reason_handler handler) const;
  void on_disconnect(reason_handler handler) const;
  /// Errors from per-packet middleware.
  void on_error(std::function<void(const std::string&)> handler) const;
  /// Called for each event from the client over server_options::event_rate_limit, before it is
  /// dropped (or, with rate_limit_action::disconnect, before the socket disconnects with
  /// "rate limit exceeded"). Not in Node, which has no such limit.
  void on_rate_limited(rate_limited_handler handler) const;
  /// Events from the client this socket refused under server_options::event_rate_limit so
  /// far; 0 without a limit or once the socket is gone.
  std::uint64_t rate_limited_count() const;

  /// Emits to this client. Throws std::invalid_argument for reserved names (docs/PROTOCOL.md 2.8).
  template <class... T>
  bool emit(std::string_view event, T&&... values) const {
    return emit_args(event, args{json(std::forward<T>(values))...});
  }
  bool emit_args(std::string_view event, args values) const;
  /// Emits and waits for the client's ack; `callback` gets an error after `timeout`.
  void emit_with_ack(std::string_view event, args values, std::chrono::milliseconds timeout,
                     ack_callback callback) const;
  /// The same, as a future: the client's ack arguments, or socketio::ack_timeout. Called on
  /// an I/O thread (a handler) it fails at once with std::logic_error: waiting there would
  /// block the thread the ack needs. Use the callback form in handlers.
  std::future<args> emit_with_ack(std::string_view event, args values,
                                  std::chrono::milliseconds timeout) const;

  void join(const std::string& room) const;
  void join(const std::set<std::string>& rooms) const;
  void leave(const std::string& room) const;
  std::set<std::string> rooms() const;

  /// Per-socket user data (a copy; set_data replaces it).
  json data() const;
  void set_data(json value) const;
  /// A copy (it shares the request, which stays valid after the socket is gone); empty for a
  /// gone socket.
  socketio::handshake handshake() const;

  /// Leaves the namespace ("server namespace disconnect"); with close, ends the connection.
  void disconnect(bool close = false) const;

  /// Broadcast to rooms, leaving this socket out.
  broadcast_operator to(const std::string& room) const;
  broadcast_operator in(const std::string& room) const { return to(room); }
  broadcast_operator except(const std::string& room) const;
  broadcast_operator broadcast() const;

 private:
  friend struct detail::handle_access;
  explicit socket(std::shared_ptr<const detail::socket_ref> ref);

  // One pointer to what every handle of this socket shares (its id, namespace name and a weak
  // reference to it): the handle is small enough that a handler capturing it is stored
  // inside its std::function, with no allocation.
  std::shared_ptr<const detail::socket_ref> ref_;
};

}  // namespace socketio
