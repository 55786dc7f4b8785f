// socketio::namespace_handle: io.of("/chat").
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "socketio/broadcast.hpp"
#include "socketio/socket.hpp"

namespace socketio {

/// Connection middleware: call next() to accept, next(connect_error{...}) to refuse. next may
/// be called later, from any thread.
using connect_middleware =
    std::function<void(socket, std::function<void(std::optional<connect_error>)> next)>;

/// A handle to a namespace; copies share it. Safe from any thread.
class namespace_handle {
 public:
  explicit namespace_handle(std::shared_ptr<detail::sio_namespace> impl);

  const std::string& name() const;
  /// Runs on the new socket's strand, after its CONNECT reply has been queued.
  void on_connection(std::function<void(socket)> handler) const;
  void use(connect_middleware middleware) const;

  broadcast_operator to(const std::string& room) const;
  broadcast_operator in(const std::string& room) const { return to(room); }
  broadcast_operator except(const std::string& room) const;
  broadcast_operator volatile_() const;
  broadcast_operator local() const;
  broadcast_operator compress(bool on) const;
  broadcast_operator timeout(std::chrono::milliseconds t) const;

  template <class... T>
  bool emit(std::string_view event, T&&... values) const {
    return all().emit_args(event, args{json(std::forward<T>(values))...});
  }
  void fetch_sockets(std::function<void(std::vector<remote_socket>)> done) const {
    all().fetch_sockets(std::move(done));
  }
  std::future<std::vector<remote_socket>> fetch_sockets() const { return all().fetch_sockets(); }
  void sockets_join(const std::set<std::string>& rooms) const { all().sockets_join(rooms); }
  void sockets_leave(const std::set<std::string>& rooms) const { all().sockets_leave(rooms); }
  void disconnect_sockets(bool close = false) const { all().disconnect_sockets(close); }

  /// Handlers for server_side_emit calls made on *other* nodes (they arrive through a cluster
  /// adapter). As in the reference, a node's own server_side_emit does not run its handlers,
  /// so with the in-memory adapter these never run.
  void on_server_side(const std::string& event, std::function<void(const args&, ack)> h) const;
  void server_side_emit(std::string_view event, args values) const;
  /// With acks from the other nodes' handlers; `callback` gets their first ack arguments.
  /// With no other node (the in-memory adapter) it completes at once with no responses.
  void server_side_emit_with_ack(std::string_view event, args values,
                                 std::chrono::milliseconds timeout,
                                 broadcast_operator::ack_callback callback) const;

  /// Number of connected sockets on this node.
  std::size_t size() const;
  socketio::adapter& adapter() const;

 private:
  broadcast_operator all() const;
  std::shared_ptr<detail::sio_namespace> impl_;
};

}  // namespace socketio
