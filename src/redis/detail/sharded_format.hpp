// The sharded wire format of @socket.io/redis-adapter 8.3 (createShardedAdapter,
// SPUBLISH/SSUBSCRIBE; socket.io-adapter's ClusterAdapter envelope), PROTOCOL 4.3.
// Pure functions: no I/O, no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "redis/detail/wire_common.hpp"
#include "redis/detail/wire_result.hpp"
#include "socketio/adapter.hpp"
#include "socketio/types.hpp"

namespace socketio::detail::redis {

/// The subscriptionMode option; every node of a cluster must use the same one.
enum class subscription_mode {
  static_mode,      ///< "static": no room channels
  dynamic,          ///< "dynamic" (default): a channel per public room
  dynamic_private,  ///< "dynamic-private": a channel per room, socket-id rooms included
};

/// socket.io-adapter's MessageType.
enum class sharded_type : int {
  initial_heartbeat = 1,
  heartbeat = 2,
  broadcast = 3,
  sockets_join = 4,
  sockets_leave = 5,
  disconnect_sockets = 6,
  fetch_sockets = 7,
  fetch_sockets_response = 8,
  server_side_emit = 9,
  server_side_emit_response = 10,
  broadcast_client_count = 11,
  broadcast_ack = 12,
  adapter_close = 13,
};

/// 1, 2 and 13 carry no data (the Redis sharded adapter never sends them).
struct sharded_no_data {
  sharded_type type = sharded_type::heartbeat;
};
/// 3: {packet{type,data}, opts} or, with acks, {packet, requestId, opts}. packet.nsp is not
/// on the wire; the decoder fills it from the envelope.
struct sharded_broadcast {
  event_packet packet;
  std::optional<std::string> request_id;
  wire_options opts;
};
/// 4: {opts, rooms}.
struct sharded_sockets_join {
  wire_options opts;
  std::vector<std::string> rooms;
};
/// 5: {opts, rooms}.
struct sharded_sockets_leave {
  wire_options opts;
  std::vector<std::string> rooms;
};
/// 6: {opts, close}.
struct sharded_disconnect_sockets {
  wire_options opts;
  bool close = false;
};
/// 7: {opts, requestId}.
struct sharded_fetch_sockets {
  wire_options opts;
  std::string request_id;
};
/// 8: {requestId, sockets}.
struct sharded_fetch_sockets_response {
  std::string request_id;
  std::vector<fetched_socket> sockets;
};
/// 9: {packet:[event, ...args]} or, with an ack, {requestId, packet}.
struct sharded_server_side_emit {
  std::optional<std::string> request_id;
  json packet = json::array();
};
/// 10: {requestId, packet:<first ack arg>}.
struct sharded_server_side_emit_response {
  std::string request_id;
  json packet;
};
/// 11: {requestId, clientCount}.
struct sharded_broadcast_client_count {
  std::string request_id;
  std::uint64_t client_count = 0;
};
/// 12: {requestId, packet:<ack arg>}.
struct sharded_broadcast_ack {
  std::string request_id;
  json packet;
};

using sharded_body =
    std::variant<sharded_no_data, sharded_broadcast, sharded_sockets_join, sharded_sockets_leave,
                 sharded_disconnect_sockets, sharded_fetch_sockets, sharded_fetch_sockets_response,
                 sharded_server_side_emit, sharded_server_side_emit_response,
                 sharded_broadcast_client_count, sharded_broadcast_ack>;

/// The envelope {type, data, uid, nsp} (that key order; no data for 1, 2, 13).
struct sharded_message {
  std::string uid;  ///< sender's uid
  std::string nsp = "/";
  sharded_body body;
};

sharded_type type_of(const sharded_message& message);
/// The requestId of 7, 8, 10, 11, 12 and of 3 / 9 with acks.
const std::string* request_id_of(const sharded_message& message);
/// True for 8, 10, 11 and 12, which are handled as responses whatever channel they come on.
bool is_response(sharded_type type);

/// JSON text, except when the type is 3, 8, 9, 10 or 12 and data contains binary: then the
/// whole envelope is msgpack (PROTOCOL 4.3.2).
std::string encode_sharded(const sharded_message& message);
/// Accepts JSON or msgpack. Unknown types, a missing nsp and missing fields give an error.
result<sharded_message> decode_sharded(std::string_view payload);

/// The channels of one namespace, for a channelPrefix (default "socket.io").
struct sharded_channels {
  sharded_channels(std::string_view prefix, std::string_view nsp);

  std::string main;  ///< prefix#nsp#: SSUBSCRIBEd by every node; SHARDNUMSUB counts nodes

  /// prefix#nsp#uid#: responses addressed to node `uid` (SSUBSCRIBEd by that node).
  std::string response(std::string_view uid) const;
  /// prefix#nsp#room#: broadcasts without acks to exactly this room, in dynamic modes.
  std::string room(std::string_view room) const;
  /// The publisher rule: room channel for a BROADCAST without requestId and with exactly one
  /// room when uses_room_channel() says so; main for everything else. Responses (8, 10, 11,
  /// 12) go to response(requester uid) instead: use that for them.
  std::string publish_channel(const sharded_message& message, subscription_mode mode) const;
};

/// The sharded adapter's socket-id heuristic: a room whose JS length is 20.
bool looks_like_socket_id(std::string_view room);

/// Whether a BROADCAST goes to its room's channel: no requestId, exactly one room, and the mode
/// is dynamic-private, or dynamic with a room that does not look like a socket id.
bool uses_room_channel(subscription_mode mode, bool has_request_id, const broadcast_options& opts);

/// Whether a node SSUBSCRIBEs to the channel of a room it has just created (and SUNSUBSCRIBEs
/// when it is deleted): never in static mode; in dynamic mode only for a public room (not one
/// of this node's socket ids); always in dynamic-private mode.
bool subscribes_room_channel(subscription_mode mode, bool room_is_local_socket_id);

}  // namespace socketio::detail::redis
