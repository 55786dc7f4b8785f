// The adapter keeps a namespace's room index and carries out every operation that addresses
// sockets by room: broadcasts (with or without acks), fetch, join, leave, disconnect. The
// default implementations act on this node's sockets, which is all the in-memory adapter
// needs; a cluster adapter (Redis) overrides them to also reach the other nodes, so the public
// API does not change when a cluster adapter is plugged in.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "socketio/remote_socket.hpp"
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

/// What an adapter may ask of its namespace about this node's sockets, by id.
/// Every member is safe from any thread.
class adapter_host {
 public:
  virtual ~adapter_host() = default;
  /// A packet encoded once (and its source, for adapters that forward it), shared by every
  /// recipient; opaque to user code.
  using encoded_ptr = std::shared_ptr<const detail::wire_packet>;

  virtual void deliver(const std::string& socket_id, const encoded_ptr& packet,
                       bool is_volatile) = 0;
  /// deliver() for many sockets; the namespace looks them all up at once.
  virtual void deliver_all(const std::vector<std::string>& socket_ids, const encoded_ptr& packet,
                           bool is_volatile) {
    for (const auto& id : socket_ids)
      deliver(id, packet, is_volatile);
  }
  /// Delivers a packet that carries an ack id, after registering `on_ack` for that id on the
  /// socket; `on_ack` gets the first ack argument. The registration ends at `timeout`.
  virtual void deliver_with_ack(const std::string& socket_id, const encoded_ptr& packet,
                                bool is_volatile, std::chrono::milliseconds timeout,
                                std::function<void(json)> on_ack) = 0;
  virtual void join_socket(const std::string& socket_id, const std::set<std::string>& rooms) = 0;
  virtual void leave_socket(const std::string& socket_id, const std::set<std::string>& rooms) = 0;
  virtual void disconnect_socket(const std::string& socket_id, bool close) = 0;
  /// A snapshot of a connected socket, or nullopt.
  virtual std::optional<remote_socket> describe_socket(const std::string& socket_id) = 0;
};

/// The adapter interface. Every member is safe from any thread.
class adapter {
 public:
  virtual ~adapter() = default;

  // --- this node's room index ---
  virtual void add_all(const std::string& socket_id, const std::set<std::string>& rooms) = 0;
  virtual void del(const std::string& socket_id, const std::string& room) = 0;
  virtual void del_all(const std::string& socket_id) = 0;
  /// Socket ids matching the options (rooms union, minus except).
  virtual std::vector<std::string> sockets(const broadcast_options& opts) const = 0;
  /// The rooms of one socket (empty if unknown).
  virtual std::set<std::string> socket_rooms(const std::string& socket_id) const = 0;
  /// Every room name.
  virtual std::set<std::string> all_rooms() const = 0;

  // --- operations (defaults: this node only) ---
  virtual void broadcast(adapter_host& host, const adapter_host::encoded_ptr& packet,
                         const broadcast_options& opts);
  /// `on_client_count` is called once per node with how many sockets it sent the packet to;
  /// `on_ack` once per ack received. Needs opts.flags.timeout.
  virtual void broadcast_with_ack(adapter_host& host, const adapter_host::encoded_ptr& packet,
                                  const broadcast_options& opts,
                                  std::function<void(std::size_t)> on_client_count,
                                  std::function<void(json)> on_ack);
  /// `done` may run later, on another thread (cluster adapters wait for the other nodes).
  virtual void fetch_sockets(adapter_host& host, const broadcast_options& opts,
                             std::function<void(std::vector<remote_socket>)> done);
  virtual void add_sockets(adapter_host& host, const broadcast_options& opts,
                           const std::set<std::string>& rooms);
  virtual void del_sockets(adapter_host& host, const broadcast_options& opts,
                           const std::set<std::string>& rooms);
  virtual void disconnect_sockets(adapter_host& host, const broadcast_options& opts, bool close);
  /// Number of nodes in the cluster (1 for the in-memory adapter).
  virtual std::size_t server_count() const { return 1; }
};

}  // namespace socketio
