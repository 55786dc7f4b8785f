// The sharded Redis adapter, byte-compatible with @socket.io/redis-adapter 8.3
// createShardedAdapter (PROTOCOL 4.3): SPUBLISH / SSUBSCRIBE, socket.io-adapter's
// ClusterAdapter envelope, room channels per subscription mode.
#pragma once

#include <mutex>
#include <set>

#include "redis/detail/adapter_base.hpp"
#include "redis/detail/sharded_format.hpp"

namespace socketio::detail::redis {

class sharded_adapter final : public adapter_base {
 public:
  sharded_adapter(std::weak_ptr<adapter_host> host, std::shared_ptr<redis_link> link,
                  adapter_config config, subscription_mode mode);

  void init() override;

  void broadcast(const outgoing_packet& packet, const broadcast_options& opts) override;
  void broadcast_with_ack(const outgoing_packet& packet, const broadcast_options& opts,
                          std::function<void(std::size_t)> on_client_count,
                          std::function<void(json)> on_ack) override;
  void fetch_sockets(const broadcast_options& opts, fetch_callback done) override;
  void add_sockets(const broadcast_options& opts, const std::set<std::string>& rooms) override;
  void del_sockets(const broadcast_options& opts, const std::set<std::string>& rooms) override;
  void disconnect_sockets(const broadcast_options& opts, bool close) override;
  void server_side_emit(const args& values) override;
  void server_side_emit_with_ack(const args& values, std::chrono::milliseconds timeout,
                                 responses_callback done) override;

  void on_redis_message(const redis_message& message) override;

 protected:
  void count_nodes(std::function<void(std::size_t, std::string)> done) const override;
  std::vector<std::string> missing_nodes(const pending_request& r) const override;
  /// The timeout text of socket.io-adapter's cluster requests.
  static std::string timeout_reached(const pending_request& p);
  void on_room_created(const std::string& room) override;
  void on_room_deleted(const std::string& room) override;

 private:
  void publish(sharded_body body);
  void respond(const std::string& requester, sharded_body body);
  void on_message(sharded_message message);
  void on_response(sharded_message message);

  sharded_channels channels_;
  subscription_mode mode_;
  std::string response_channel_;

  // Room channels subscribed (dynamic modes); the mutex keeps subscribe/unsubscribe of one
  // room in the order the room index changed.
  mutable std::mutex rooms_mutex_;
  std::set<std::string> room_channels_;
  // uids of the other nodes seen so far: a timed-out request names those that did not answer.
  std::set<std::string> peers_;
};

}  // namespace socketio::detail::redis
