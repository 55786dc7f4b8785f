// The broadcast operator: to / in / except / volatile / local / compress / timeout, then emit
// or one of the server utilities. The same operators start from the server, a namespace or
// an operator (broadcast_operators below), as in the reference.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "socketio/adapter.hpp"
#include "socketio/remote_socket.hpp"
#include "socketio/types.hpp"

namespace socketio {

namespace detail {
class sio_namespace;
struct handle_access;
}  // namespace detail

/// Immutable: each operator returns a new one. Safe from any thread.
class broadcast_operator {
 public:
  using ack_callback = std::function<void(std::optional<ack_error>, std::vector<json> responses)>;

  broadcast_operator to(const std::string& room) const;
  broadcast_operator in(const std::string& room) const { return to(room); }
  broadcast_operator except(const std::string& room) const;
  broadcast_operator volatile_() const;
  broadcast_operator local() const;
  broadcast_operator compress(bool on) const;
  broadcast_operator timeout(std::chrono::milliseconds t) const;

  template <class... T>
  bool emit(std::string_view event, T&&... values) const {
    return emit_args(event, args{json(std::forward<T>(values))...});
  }
  /// Throws std::invalid_argument for a reserved event name.
  bool emit_args(std::string_view event, args values) const;
  /// Every recipient's first ack argument, once all answered (on every node); or an
  /// ack_error with the partial responses when the timeout expires first. Throws
  /// std::invalid_argument without a timeout (set one with timeout(ms)), as the reference
  /// refuses it.
  void emit_with_ack(std::string_view event, args values, ack_callback callback) const;
  /// The same, as a future: every recipient's first ack argument, or socketio::ack_timeout.
  /// Called on an I/O thread it fails at once with std::logic_error unless it completed
  /// inline: waiting there would block the thread the completion needs.
  std::future<std::vector<json>> emit_with_ack(std::string_view event, args values) const;

  /// The matching sockets. `done` runs inline with the in-memory adapter; with a cluster
  /// adapter it runs later, on an I/O thread, once every node answered or the request timed
  /// out (then with the error and the sockets that did arrive).
  void fetch_sockets(fetch_callback done) const;
  /// The same, without the error (the sockets that arrived in time).
  void fetch_sockets(std::function<void(std::vector<remote_socket>)> done) const;
  /// The same as a future (socketio::ack_timeout on a cluster timeout). On an I/O thread it
  /// is ready at once with the in-memory adapter; with a cluster adapter it fails at once with
  /// std::logic_error (waiting there would block the thread the completion needs).
  std::future<std::vector<remote_socket>> fetch_sockets() const;
  void sockets_join(const std::set<std::string>& rooms) const;
  void sockets_leave(const std::set<std::string>& rooms) const;
  void disconnect_sockets(bool close = false) const;

  const broadcast_options& options() const { return opts_; }

 private:
  friend struct detail::handle_access;
  broadcast_operator(std::shared_ptr<detail::sio_namespace> nsp, broadcast_options opts);

  std::shared_ptr<detail::sio_namespace> nsp_;
  broadcast_options opts_;
};

/// The operators that start a broadcast, written once for the server and namespace handles.
/// `Handle` provides `broadcast_operator all() const` (every socket of its namespace).
template <class Handle>
class broadcast_operators {
 public:
  broadcast_operator to(const std::string& room) const { return all().to(room); }
  broadcast_operator in(const std::string& room) const { return all().to(room); }
  broadcast_operator except(const std::string& room) const { return all().except(room); }
  broadcast_operator volatile_() const { return all().volatile_(); }
  broadcast_operator local() const { return all().local(); }
  broadcast_operator compress(bool on) const { return all().compress(on); }
  broadcast_operator timeout(std::chrono::milliseconds t) const { return all().timeout(t); }

  template <class... T>
  bool emit(std::string_view event, T&&... values) const {
    return all().emit_args(event, args{json(std::forward<T>(values))...});
  }
  bool emit_args(std::string_view event, args values) const {
    return all().emit_args(event, std::move(values));
  }
  void fetch_sockets(fetch_callback done) const { all().fetch_sockets(std::move(done)); }
  void fetch_sockets(std::function<void(std::vector<remote_socket>)> done) const {
    all().fetch_sockets(std::move(done));
  }
  std::future<std::vector<remote_socket>> fetch_sockets() const { return all().fetch_sockets(); }
  void sockets_join(const std::set<std::string>& rooms) const { all().sockets_join(rooms); }
  void sockets_leave(const std::set<std::string>& rooms) const { all().sockets_leave(rooms); }
  void disconnect_sockets(bool close = false) const { all().disconnect_sockets(close); }

 private:
  broadcast_operator all() const { return static_cast<const Handle&>(*this).all(); }
};

}  // namespace socketio
