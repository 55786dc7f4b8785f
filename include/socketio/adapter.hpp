// The adapter decides which sockets a broadcast reaches and keeps the room index. The default
// keeps it in memory for one node; cluster adapters (Redis) implement the same interface.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "socketio/types.hpp"

namespace socketio {

namespace detail {
struct wire_packet;
}

struct broadcast_flags {
  bool is_volatile = false;  // drop where the transport cannot write right now
  bool compress = true;
  bool local = false;  // this node only
  std::optional<std::chrono::milliseconds> timeout;
};

struct broadcast_options {
  std::set<std::string> rooms;   // empty: every socket of the namespace
  std::set<std::string> except;  // rooms (socket ids included) to leave out
  broadcast_flags flags;
};

/// What an adapter may ask of its namespace: only ids, rooms and encoded packets.
/// Every member is safe from any thread.
class adapter_host {
 public:
  virtual ~adapter_host() = default;
  /// An encoded packet shared by every recipient (opaque to adapters).
  using encoded_ptr = std::shared_ptr<const detail::wire_packet>;
  virtual void deliver(const std::string& socket_id, const encoded_ptr& packet,
                       bool is_volatile) = 0;
  virtual void disconnect_socket(const std::string& socket_id, bool close) = 0;
};

/// The adapter interface. Every member is safe from any thread.
class adapter {
 public:
  virtual ~adapter() = default;

  virtual void add_all(const std::string& socket_id, const std::set<std::string>& rooms) = 0;
  virtual void del(const std::string& socket_id, const std::string& room) = 0;
  virtual void del_all(const std::string& socket_id) = 0;

  /// Socket ids matching the options (rooms union, minus except).
  virtual std::vector<std::string> sockets(const broadcast_options& opts) const = 0;
  /// The rooms of one socket (empty if unknown).
  virtual std::set<std::string> socket_rooms(const std::string& socket_id) const = 0;
  /// Every room name.
  virtual std::set<std::string> all_rooms() const = 0;

  /// Sends `packet` to every matching socket through `host`.
  virtual void broadcast(adapter_host& host, const adapter_host::encoded_ptr& packet,
                         const broadcast_options& opts) = 0;
  /// Number of nodes in the cluster (1 for the in-memory adapter).
  virtual std::size_t server_count() const { return 1; }
};

}  // namespace socketio
