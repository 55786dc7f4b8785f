// A socket as fetch_sockets reports it: a snapshot, plus actions that go through the adapter
// (so with a cluster adapter they reach a socket on any node).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "socketio/types.hpp"

namespace socketio {

namespace detail {
class sio_namespace;
}

struct remote_socket {
  std::string id;
  socketio::handshake handshake;
  std::set<std::string> rooms;
  json data;
  std::weak_ptr<detail::sio_namespace> nsp;

  template <class... T>
  bool emit(std::string_view event, T&&... values) const {
    return emit_args(event, args{json(std::forward<T>(values))...});
  }
  bool emit_args(std::string_view event, args values) const;
  void join(const std::string& room) const;
  void leave(const std::string& room) const;
  void disconnect(bool close = false) const;
};

}  // namespace socketio
