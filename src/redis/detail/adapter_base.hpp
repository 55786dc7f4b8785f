// What the classic and sharded Redis adapters have in common: the local room index (from
// memory_adapter), the shared Redis link, the table of pending cluster requests with their
// timeouts, and the local halves of remote operations (deliver a broadcast that came from
// another node, answer with this node's sockets).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "redis/detail/redis_link.hpp"
#include "redis/detail/wire_common.hpp"
#include "socketio/memory_adapter.hpp"

namespace socketio::detail::redis {

/// Settings both adapters use.
struct adapter_config {
  std::string prefix = "socket.io";
  std::chrono::milliseconds requests_timeout{5000};
};

class adapter_base : public memory_adapter, public redis_listener {
 public:
  adapter_base(std::weak_ptr<adapter_host> host, std::shared_ptr<redis_link> link,
               adapter_config config);

  void close(std::function<void()> done) override;
  /// The node count (Redis's subscriber count of the format's channel); 1 when Redis cannot
  /// be asked (this node is all it can reach).
  void server_count(std::function<void(std::size_t)> done) const override;

 protected:
  /// A cluster request waiting for the other nodes' answers.
  struct pending_request {
    enum class kind { fetch, all_rooms, server_side_emit } what = kind::fetch;
    std::size_t expected = 0;  // answers that complete it
    std::size_t received = 0;
    std::vector<remote_socket> sockets;
    std::set<std::string> rooms;
    std::vector<json> responses;
    std::set<std::string> responders;  // uids that answered, when the format carries them
    fetch_callback fetch_done;
    rooms_callback rooms_done;
    responses_callback responses_done;
    std::shared_ptr<one_shot_timer> timer;
  };
  /// A broadcast with acks this node sent: remote counts and acks go to these.
  struct ack_request {
    std::function<void(std::size_t)> on_client_count;
    std::function<void(json)> on_ack;
  };

  /// Called from init() of the derived class: attaches to the link, makes the strand.
  void start();
  /// Channels this adapter subscribed to, to undo at close.
  void subscribe(redis_subscription kind, std::vector<std::string> channels);
  void unsubscribe(redis_subscription kind, std::vector<std::string> channels);

  /// This node's sockets matching `opts`, described.
  std::vector<remote_socket> local_fetch(const broadcast_options& opts) const;
  std::vector<fetched_socket> local_fetch_wire(const broadcast_options& opts) const;
  std::vector<remote_socket> to_remote(const std::vector<fetched_socket>& sockets) const;

  /// Delivers a broadcast that came from another node to this node's matching sockets.
  void deliver_remote(const event_packet& packet, const broadcast_options& opts);
  /// Delivers a broadcast with acks that came from another node: `on_count` gets the number
  /// of recipients first, then `on_ack` each recipient's first ack argument.
  void deliver_remote_with_ack(const event_packet& packet, const broadcast_options& opts,
                               const std::function<void(std::size_t)>& on_count,
                               std::function<void(json)> on_ack);

  /// The error text of a request that timed out (it may quote the request's tally).
  using timeout_text = std::function<std::string(const pending_request&)>;
  /// Stores a request under `id`; it fails with `timeout_message` after `timeout`.
  void track(const std::string& id, pending_request request, std::chrono::milliseconds timeout,
             timeout_text timeout_message);
  /// Applies `update` to the request `id` (if pending); completes it when `update` returns
  /// true. Returns false when no such request is pending.
  bool update_request(const std::string& id, const std::function<bool(pending_request&)>& update);
  bool is_pending(const std::string& id) const;

  void track_ack(const std::string& id, ack_request request, std::chrono::milliseconds lifetime);
  std::optional<ack_request> find_ack(const std::string& id) const;

  /// How a cluster request is sent and counted.
  struct request_plan {
    /// The requester's own part counts as one answer (classic fetch and allRooms count every
    /// node; the others count the other nodes).
    bool counts_self = false;
    std::chrono::milliseconds timeout{0};
    timeout_text timeout_message;
    std::function<std::string()> make_id;
    /// Publishes the request under its id.
    std::function<void(const std::string& id)> publish;
  };
  /// Counts the nodes; with other nodes, tracks `request` under a fresh id and publishes it;
  /// with no other node, or when the count fails (with that error), completes it at once with
  /// what it already holds (this node's part).
  void start_request(pending_request request, request_plan plan);

  /// Node count for requests: `done(count, error)`.
  virtual void count_nodes(std::function<void(std::size_t, std::string)> done) const = 0;

  /// The nodes known not to have answered a request (for ack_error::missing_nodes).
  virtual std::vector<std::string> missing_nodes(const pending_request& r) const {
    (void)r;
    return {};
  }

  /// The namespace's name ("/" once it is gone), for the constructors' channel names.
  static std::string name_of(const std::weak_ptr<adapter_host>& host);
  /// A broadcast's options as published: everything but `local` (never published), with
  /// expectSingleResponse (sharded opts always carry their flags, as encodeOptions writes them).
  static wire_options broadcast_wire_options(const broadcast_options& opts);
  /// The packet of a broadcast as the other nodes get it (binary inline, nsp named).
  static event_packet wire_packet(const outgoing_packet& packet, const std::string& nsp);

  /// The error text of a failed node count, for the requester.
  static ack_error count_error(const std::string& why);

  const std::string& uid() const { return uid_; }
  const std::string& nsp_name() const { return nsp_name_; }
  redis_link& link() const { return *link_; }
  const std::shared_ptr<redis_link>& link_ptr() const { return link_; }
  const adapter_config& config() const { return config_; }
  void set_uid(std::string uid) { uid_ = std::move(uid); }
  void report_bad(std::string_view channel, std::string_view why) const;
  void log(log_level level, std::string_view message) const;

 private:
  static void complete(pending_request& r, std::optional<ack_error> error);
  void expire(const std::string& id, const timeout_text& message);

  std::shared_ptr<redis_link> link_;
  adapter_config config_;
  std::string uid_;
  std::string nsp_name_;
  boost::asio::any_io_executor strand_;
  bool started_ = false;

  mutable std::mutex state_mutex_;
  bool closed_ = false;
  std::unordered_map<std::string, pending_request> requests_;
  std::unordered_map<std::string, ack_request> ack_requests_;
  std::vector<std::pair<redis_subscription, std::string>> subscriptions_;
};

}  // namespace socketio::detail::redis
