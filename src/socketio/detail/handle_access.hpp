// Builds public handles from internals and reads internals back out of them. The public
// classes make their internal constructors private and befriend this one struct, so user
// code cannot reach the internals.
#pragma once

#include <memory>

#include "socketio/broadcast.hpp"
#include "socketio/engine.hpp"
#include "socketio/namespace.hpp"
#include "socketio/server.hpp"
#include "socketio/socket.hpp"

namespace socketio::detail {

class sio_socket;
class sio_namespace;
class sio_server;
class session;
class endpoint;

struct handle_access {
  static socket make_socket(const std::shared_ptr<sio_socket>& s);
  static namespace_handle make_namespace(std::shared_ptr<sio_namespace> n) {
    return namespace_handle(std::move(n));
  }
  static broadcast_operator make_operator(std::shared_ptr<sio_namespace> n,
                                          broadcast_options o = {}) {
    return broadcast_operator(std::move(n), std::move(o));
  }
  static engine::socket make_engine_socket(std::shared_ptr<session> s) {
    return engine::socket(std::move(s));
  }
  static const std::shared_ptr<endpoint>& endpoint_of(const engine::server& s) {
    return s.endpoint_;
  }
  static const std::shared_ptr<sio_server>& impl_of(const server& s) { return s.impl_; }
  static const std::vector<std::shared_ptr<endpoint>>& extra_endpoints_of(const server& s) {
    return s.extra_endpoints_;
  }
};

}  // namespace socketio::detail
