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

/// A handle to a namespace; copies share it. Safe from any thread. The broadcast operators
/// and server utilities (to, except, emit, fetch_sockets, sockets_join, ...) address every
/// socket of the namespace, on every node with a cluster adapter.
class namespace_handle : public broadcast_operators<namespace_handle> {
 public:
  const std::string& name() const;
  /// Runs on the new socket's strand, after its CONNECT reply has been queued.
  void on_connection(std::function<void(socket)> handler) const;
  void use(connect_middleware middleware) const;

  /// Handlers for server_side_emit calls made on *other* nodes (they arrive through a cluster
  /// adapter, or from a Redis emitter). As in the reference, a node's own server_side_emit
  /// does not run its handlers, so with the in-memory adapter these never run. Handlers run
  /// on an I/O thread; `ack` is empty when the sender asked for no answer.
  void on_server_side(const std::string& event, std::function<void(const args&, ack)> h) const;
  /// Node's `nsp.on("connection", fn)` ("connect" too); other names throw
  /// std::invalid_argument.
  void on(const std::string& event, std::function<void(socket)> handler) const;
  /// Node's `nsp.on(event, fn)` for server-side events (on_server_side).
  void on(const std::string& event, std::function<void(const args&, ack)> handler) const;
  /// Throws std::invalid_argument for a reserved name.
  void server_side_emit(std::string_view event, args values) const;
  /// With acks from the other nodes' handlers: `callback` gets each other node's first ack
  /// argument, or an ack_error (with the responses so far and the silent nodes) after
  /// `timeout`. With no other node it completes at once with no responses.
  void server_side_emit_with_ack(std::string_view event, args values,
                                 std::chrono::milliseconds timeout,
                                 broadcast_operator::ack_callback callback) const;

  /// Number of connected sockets on this node.
  std::size_t size() const;
  /// Number of nodes in the cluster (1 with the in-memory adapter). `done` may run later, on
  /// an I/O thread.
  void server_count(std::function<void(std::size_t)> done) const;
  /// Every room on every node. `done` may run later, on an I/O thread.
  void all_rooms(rooms_callback done) const;
  socketio::adapter& adapter() const;

 private:
  friend class broadcast_operators<namespace_handle>;
  friend struct detail::handle_access;
  explicit namespace_handle(std::shared_ptr<detail::sio_namespace> impl);
  broadcast_operator all() const;

  std::shared_ptr<detail::sio_namespace> impl_;
};

}  // namespace socketio
