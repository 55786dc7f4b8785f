// The adapter seam. Each namespace has one adapter: it keeps the namespace's room index and
// carries out every operation that addresses sockets by room (broadcasts with or without
// acks, fetch, join, leave, disconnect) and the server-side events between nodes. The
// in-memory adapter (socketio/memory_adapter.hpp) acts on this node only; a cluster adapter
// (the Redis one, or your own) derives from it and also reaches the other nodes, so the public
// API does not change when one is plugged in:
//
//   io.adapter([](std::weak_ptr<socketio::adapter_host> nsp) {
//     return std::make_shared<my_adapter>(std::move(nsp));
//   });
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "socketio/packet.hpp"
#include "socketio/remote_socket.hpp"
#include "socketio/types.hpp"

namespace socketio {

struct broadcast_flags {
  bool is_volatile = false;  // drop where the transport cannot write right now
  bool compress = true;
  bool local = false;  // this node only
  std::optional<std::chrono::milliseconds> timeout;
  /// Set on emits to one remote socket (RemoteSocket.emit): at most one node answers.
  bool expect_single_response = false;
};

struct broadcast_options {
  std::set<std::string> rooms;   // empty: every socket of the namespace
  std::set<std::string> except;  // rooms (socket ids included) to leave out
  broadcast_flags flags;
};

/// Completion of a cluster request. On a timeout the error says how many nodes answered and
/// which did not (`missing_nodes`, as the adapter names them), and the results so far come
/// with it.
using fetch_callback =
    std::function<void(std::optional<ack_error>, std::vector<remote_socket> sockets)>;
using responses_callback =
    std::function<void(std::optional<ack_error>, std::vector<json> responses)>;
using rooms_callback = std::function<void(std::optional<ack_error>, std::set<std::string> rooms)>;

/// What an adapter may ask of its namespace. Every member is safe from any thread, and none
/// is called with a lock of the library held.
class adapter;

class adapter_host : public std::enable_shared_from_this<adapter_host> {
 public:
  virtual ~adapter_host() = default;

  /// The namespace name ("/" for the main one).
  virtual const std::string& name() const = 0;
  /// The server's executor: adapters run their timers and I/O on it (on strands of their own).
  virtual boost::asio::any_io_executor executor() const = 0;
  /// Reports through the server's logger.
  virtual void log(log_level level, std::string_view message) const = 0;

  /// Encodes a packet once for this node's clients (its nsp is set to this namespace).
  virtual outgoing_packet encode(packet p) const = 0;
  /// A fresh ack id for a packet this node sends with acks.
  virtual std::uint64_t next_ack_id() = 0;

  virtual void deliver(const std::string& socket_id, const outgoing_packet& packet,
                       bool is_volatile) = 0;
  /// deliver() for many sockets; the namespace looks them all up at once.
  virtual void deliver_all(const std::vector<std::string>& socket_ids,
                           const outgoing_packet& packet, bool is_volatile) = 0;
  /// deliver() to every socket of this node that `opts` addresses in `index`'s rooms, walking
  /// the index with adapter::for_each_socket (no copy of the ids). The default collects the
  /// ids with adapter::sockets() and calls deliver_all().
  virtual void deliver_matching(const adapter& index, const broadcast_options& opts,
                                const outgoing_packet& packet, bool is_volatile);
  /// Delivers a packet that carries an ack id, after registering `on_ack` for that id on the
  /// socket; `on_ack` gets the first ack argument. The registration ends at `timeout`.
  virtual void deliver_with_ack(const std::string& socket_id, const outgoing_packet& packet,
                                bool is_volatile, std::chrono::milliseconds timeout,
                                std::function<void(json)> on_ack) = 0;
  virtual void join_socket(const std::string& socket_id, const std::set<std::string>& rooms) = 0;
  virtual void leave_socket(const std::string& socket_id, const std::set<std::string>& rooms) = 0;
  virtual void disconnect_socket(const std::string& socket_id, bool close) = 0;
  /// A snapshot of a connected socket of this node, or nullopt.
  virtual std::optional<remote_socket> describe_socket(const std::string& socket_id) = 0;
  /// A socket held by another node, as fetch_sockets reports it; its actions go through
  /// this namespace's adapter.
  virtual remote_socket make_remote_socket(std::string id, socketio::handshake hs,
                                           std::set<std::string> rooms, json data) = 0;
  /// A server-side event from another node: runs the handlers registered with
  /// on_server_side. `reply` is empty when the sender asked for no ack.
  virtual void server_side_event(const std::string& event, args values, ack reply) = 0;
};

/// The adapter interface. Every member is safe from any thread. Members that complete later
/// may call their callback on any thread (never with the adapter's or the library's locks
/// held).
class adapter : public std::enable_shared_from_this<adapter> {
 public:
  explicit adapter(std::weak_ptr<adapter_host> host) : host_(std::move(host)) {}
  virtual ~adapter() = default;
  adapter(const adapter&) = delete;
  adapter& operator=(const adapter&) = delete;

  /// Called once by the namespace after construction, before it uses the adapter.
  virtual void init() {}
  /// Called once when the server closes; `done` runs when the adapter has let go of its
  /// resources (it may run later, on another thread).
  virtual void close(std::function<void()> done) { done(); }

  // --- this node's room index ---
  virtual void add_all(const std::string& socket_id, const std::set<std::string>& rooms) = 0;
  virtual void del(const std::string& socket_id, const std::string& room) = 0;
  virtual void del_all(const std::string& socket_id) = 0;
  /// This node's socket ids matching the options (rooms union, minus except).
  virtual std::vector<std::string> sockets(const broadcast_options& opts) const = 0;
  /// Calls `visit` with each id sockets(opts) would return. The default calls sockets(); an
  /// index may call `visit` under its own lock instead of copying the ids, so `visit` must not
  /// call back into the adapter.
  virtual void for_each_socket(const broadcast_options& opts,
                               const std::function<void(const std::string&)>& visit) const;
  /// The rooms of one of this node's sockets (empty if unknown).
  virtual std::set<std::string> socket_rooms(const std::string& socket_id) const = 0;
  /// This node's room names.
  virtual std::set<std::string> rooms() const = 0;

  // --- operations (defaults: this node only) ---
  virtual void broadcast(const outgoing_packet& packet, const broadcast_options& opts);
  /// `on_client_count` is called once per node with how many sockets it sent the packet to;
  /// `on_ack` once per ack received. Needs opts.flags.timeout.
  virtual void broadcast_with_ack(const outgoing_packet& packet, const broadcast_options& opts,
                                  std::function<void(std::size_t)> on_client_count,
                                  std::function<void(json)> on_ack);
  virtual void fetch_sockets(const broadcast_options& opts, fetch_callback done);
  virtual void add_sockets(const broadcast_options& opts, const std::set<std::string>& rooms);
  virtual void del_sockets(const broadcast_options& opts, const std::set<std::string>& rooms);
  virtual void disconnect_sockets(const broadcast_options& opts, bool close);
  /// Runs the other nodes' server-side handlers; `values` = [event, args...]. A node never
  /// runs its own handlers for its own emit.
  virtual void server_side_emit(const args& values) { (void)values; }
  /// The same, collecting each other node's first ack argument.
  virtual void server_side_emit_with_ack(const args& values, std::chrono::milliseconds timeout,
                                         responses_callback done) {
    (void)values;
    (void)timeout;
    done(std::nullopt, {});
  }
  /// Number of nodes in the cluster, this one included.
  virtual void server_count(std::function<void(std::size_t)> done) const { done(1); }
  /// Every room of every node.
  virtual void all_rooms(rooms_callback done) const { done(std::nullopt, rooms()); }

 protected:
  /// The namespace, or null once it is gone.
  std::shared_ptr<adapter_host> host() const { return host_.lock(); }

 private:
  std::weak_ptr<adapter_host> host_;
};

/// Makes the adapter of one namespace (called once per namespace).
using adapter_factory = std::function<std::shared_ptr<adapter>(std::weak_ptr<adapter_host>)>;

}  // namespace socketio
