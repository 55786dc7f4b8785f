// The Redis adapter: joins a Socket.IO server to a cluster of nodes (C++ or Node.js with
// @socket.io/redis-adapter 8.3) that share one Redis server. Link target socketio::redis.
//
//   socketio::redis::adapter_options o;
//   o.url = "redis://127.0.0.1:6379";
//   io.adapter(socketio::redis::make_adapter_factory(o));
#pragma once

#include <chrono>
#include <string>

#include "socketio/adapter.hpp"

namespace socketio::redis {

/// Which of the reference's two adapters to be compatible with. Every node of a cluster must
/// use the same one: the two share no channel.
enum class adapter_mode {
  /// createAdapter: PUBLISH / PSUBSCRIBE / SUBSCRIBE, node count by PUBSUB NUMSUB.
  classic,
  /// createShardedAdapter (Redis >= 7): SPUBLISH / SSUBSCRIBE, node count by PUBSUB
  /// SHARDNUMSUB.
  sharded,
};

/// Sharded mode's subscriptionMode; every node of a cluster must use the same one.
enum class subscription_mode {
  static_mode,      ///< "static": one channel per namespace, no room channels
  dynamic,          ///< "dynamic": also a channel per public room (not a socket id)
  dynamic_private,  ///< "dynamic-private": a channel per room, socket-id rooms included
};

/// Plain aggregate; every default is the reference's.
struct adapter_options {
  /// `redis://[[user]:password@]host[:port][/db]` or `unix:///path`.
  std::string url = "redis://127.0.0.1:6379";
  adapter_mode mode = adapter_mode::classic;
  /// The channel prefix: `key` in classic mode, `channelPrefix` in sharded mode.
  std::string key = "socket.io";
  /// How long fetch_sockets, all_rooms and server_side_emit_with_ack wait for the other
  /// nodes (requestsTimeout; sharded fetch_sockets uses flags.timeout when set).
  std::chrono::milliseconds requests_timeout{5000};
  /// Classic: answer requests on the requester's own response channel instead of the shared
  /// one (publishOnSpecificResponseChannel). Server-side emit answers always use the shared
  /// channel, as in the reference.
  bool publish_on_specific_response_channel = false;
  /// Sharded only.
  subscription_mode subscriptions = subscription_mode::dynamic;
  /// Reconnect back-off after a lost Redis connection: starts at the first value, doubles per
  /// failed attempt up to the second.
  std::chrono::milliseconds reconnect_initial_delay{50};
  std::chrono::milliseconds reconnect_max_delay{2000};
};

/// Makes the adapter factory for `io.adapter(...)` / `server_options::adapter`. One factory
/// opens two Redis connections (one for PUBLISH / SPUBLISH / PUBSUB, one for subscriptions)
/// the first time it makes an adapter, on that namespace's executor, and shares them with
/// every namespace it serves; they close when the last of its adapters closes. Throws
/// std::invalid_argument for a bad URL. The factory may be called from any thread.
socketio::adapter_factory make_adapter_factory(adapter_options options);

}  // namespace socketio::redis
