// The broadcast operator: to / in / except / volatile / local / compress / timeout, then emit.
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
}

/// Immutable: each operator returns a new one. Safe from any thread.
class broadcast_operator {
 public:
  using ack_callback = std::function<void(std::optional<ack_error>, std::vector<json> responses)>;

  broadcast_operator(std::shared_ptr<detail::sio_namespace> nsp, broadcast_options opts = {});

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
  bool emit_args(std::string_view event, args values) const;
  /// Every recipient's first ack argument, once all answered; or an ack_error with the partial
  /// responses when the timeout (required) expires first.
  void emit_with_ack(std::string_view event, args values, ack_callback callback) const;
  /// The same, as a future: every recipient's first ack argument, or socketio::ack_timeout.
  std::future<std::vector<json>> emit_with_ack(std::string_view event, args values) const;

  /// The matching sockets. `done` runs inline with the in-memory adapter; with a cluster
  /// adapter it runs later, on an I/O thread, once every node answered.
  void fetch_sockets(std::function<void(std::vector<remote_socket>)> done) const;
  /// The same as a future. Do not wait on it on an I/O thread with a cluster adapter.
  std::future<std::vector<remote_socket>> fetch_sockets() const;
  void sockets_join(const std::set<std::string>& rooms) const;
  void sockets_leave(const std::set<std::string>& rooms) const;
  void disconnect_sockets(bool close = false) const;

  const broadcast_options& options() const { return opts_; }

 private:
  std::shared_ptr<detail::sio_namespace> nsp_;
  broadcast_options opts_;
};

}  // namespace socketio
