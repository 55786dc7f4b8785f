// The classic Redis adapter, byte-compatible with @socket.io/redis-adapter 8.3 createAdapter
// (PROTOCOL 4.2) and accepting @socket.io/redis-emitter 5.1 (4.4).
#pragma once

#include "redis/detail/adapter_base.hpp"
#include "redis/detail/classic_format.hpp"

namespace socketio::detail::redis {

class classic_adapter final : public adapter_base {
 public:
  classic_adapter(std::weak_ptr<adapter_host> host, std::shared_ptr<redis_link> link,
                  adapter_config config, bool specific_responses);

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
  void all_rooms(rooms_callback done) const override;

  void on_redis_message(const redis_message& message) override;

 protected:
  void count_nodes(std::function<void(std::size_t, std::string)> done) const override;

 private:
  void on_broadcast(const redis_message& message);
  void on_request(const redis_message& message);
  void on_response(const redis_message& message);
  void answer(const std::optional<std::string>& requester, const classic_response& response);
  /// Publishes a join/leave/disconnect request; the reference applies it to this node's
  /// sockets when the request comes back from Redis (PROTOCOL 4.2.5), so this does the same,
  /// and applies it at once only when Redis did not take it (the three are idempotent).
  void publish_socket_request(const classic_request& request, std::function<void()> apply_locally);
  void publish_request(const classic_request& request, std::function<void()> on_failed = {});

  classic_channels channels_;
  bool specific_responses_;
};

}  // namespace socketio::detail::redis
