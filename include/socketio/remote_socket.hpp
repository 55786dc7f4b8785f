// A socket as fetch_sockets reports it: a snapshot, plus actions that go through the
// namespace's adapter (so with a cluster adapter they reach the socket on whichever node
// holds it).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "socketio/types.hpp"

namespace socketio {

class adapter_host;

class remote_socket {
 public:
  /// Made by adapter_host::describe_socket / make_remote_socket.
  remote_socket(std::weak_ptr<adapter_host> nsp, std::string socket_id, socketio::handshake hs,
                std::set<std::string> socket_rooms, json socket_data)
      : id(std::move(socket_id)),
        handshake(std::move(hs)),
        rooms(std::move(socket_rooms)),
        data(std::move(socket_data)),
        nsp_(std::move(nsp)) {}

  std::string id;
  socketio::handshake handshake;
  std::set<std::string> rooms;
  json data;

  /// Safe from any thread. Return false when the namespace is gone.
  template <class... T>
  bool emit(std::string_view event, T&&... values) const {
    return emit_args(event, args{json(std::forward<T>(values))...});
  }
  bool emit_args(std::string_view event, args values) const;
  void join(const std::string& room) const;
  void leave(const std::string& room) const;
  void disconnect(bool close = false) const;

 private:
  std::weak_ptr<adapter_host> nsp_;
};

}  // namespace socketio
