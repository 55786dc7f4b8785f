// The chat's server side: nickname middleware, rooms, member lists, messages, typing, private
// messages and rate limits, on a socketio::server. Everything that has to hold across nodes
// (nickname uniqueness, member lists, private messages) goes through the adapter
// (fetch_sockets, broadcasts), so a cluster adapter makes it work across servers unchanged.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <socketio/socketio.hpp>

namespace chat {

class chat_server {
 public:
  /// Installs the middleware and handlers on `io`'s main namespace. `io` must outlive this.
  explicit chat_server(socketio::server& io);

 private:
  struct user;

  void authenticate(socketio::socket s,
                    std::function<void(std::optional<socketio::connect_error>)> next);
  void on_connection(socketio::socket s);
  void join(const socketio::socket& s, const std::shared_ptr<user>& u, const std::string& room,
            bool announce);
  /// Sends the room's member list (every node's sockets) to everyone in the room.
  void refresh_members(const std::string& room);
  /// False (and the client told, or disconnected) when the socket is over its rate.
  bool within_rate(const socketio::socket& s, user& u, double cost, const socketio::ack& ack);
  std::string next_message_id();

  /// Nicknames (case-folded) held by sockets of this node, from the middleware on: covers
  /// two handshakes with one nickname racing before either socket is connected.
  struct holder {
    std::string socket_id;
    std::string key;
  };
  bool reserve(const std::string& folded, const std::string& socket_id, const std::string& key);
  void release(const std::string& folded, const std::string& socket_id);

  socketio::server& io_;
  std::string node_prefix_;
  std::mutex mutex_;
  std::map<std::string, holder> reserved_;
  std::uint64_t message_counter_ = 0;
};

}  // namespace chat
