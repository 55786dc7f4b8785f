// The classic wire format of @socket.io/redis-adapter 8.3 (createAdapter, PUBLISH/PSUBSCRIBE)
// and @socket.io/redis-emitter 5.1 (PROTOCOL 4.2 and 4.4): channel names, the broadcast
// message, requests 0-7 and their responses. Pure functions: no I/O, no state.
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

/// The channels of one namespace (PROTOCOL 4.2.2), for a key (default "socket.io").
struct classic_channels {
  classic_channels(std::string_view key, std::string_view nsp);

  std::string broadcast;  ///< key#nsp#         broadcasts to 0 or >= 2 rooms
  std::string pattern;    ///< key#nsp#*        PSUBSCRIBE pattern (not escaped, as the reference)
  std::string request;    ///< key-request#nsp#   SUBSCRIBE; NUMSUB counts the nodes
  std::string response;   ///< key-response#nsp#  SUBSCRIBE; shared response channel

  /// key#nsp#room#: a broadcast to exactly one room (a socket id included).
  std::string room(std::string_view room) const;
  /// key-response#nsp#uid#: responses to node `uid` (SUBSCRIBE by that node).
  std::string specific_response(std::string_view uid) const;
  /// Where a broadcast with these options is published: the room channel when there is
  /// exactly one room, else the broadcast channel.
  std::string broadcast_for(const broadcast_options& opts) const;
  /// Where a responder publishes its response to `requester_uid`: the specific channel when
  /// it has publishOnSpecificResponseChannel, else the shared one. SERVER_SIDE_EMIT answers
  /// (type 6) always use the shared channel: pass specific = false for them.
  std::string response_for(std::string_view requester_uid, bool specific) const;
  /// For a message received on a broadcast pattern subscription: the room the channel names
  /// ("" for the broadcast channel itself), or nullopt if the channel is not one of this
  /// namespace's broadcast channels. The room is the channel minus the prefix and the last
  /// character, as the reference computes it.
  std::optional<std::string_view> room_of(std::string_view channel) const;
};

/// Request (and typed response) types on the request channel.
enum class classic_type : int {
  sockets = 0,
  all_rooms = 1,
  remote_join = 2,
  remote_leave = 3,
  remote_disconnect = 4,
  remote_fetch = 5,
  server_side_emit = 6,
  broadcast = 7,
  broadcast_client_count = 8,
  broadcast_ack = 9,
};

// --- broadcast channel ---

/// [uid, packet{type,data,nsp}, opts{rooms,except,flags}], always msgpack. The emitter's uid
/// is "emitter" and its opts key order is rooms, flags, except.
struct classic_broadcast {
  std::string uid;
  event_packet packet;
  wire_options opts;
};

std::string encode_classic_broadcast(const classic_broadcast& message);
/// Accepts msgpack (what every producer sends) and, by the payload rule, JSON text.
result<classic_broadcast> decode_classic_broadcast(std::string_view payload);

// --- requests (request channel) ---

/// 0 SOCKETS (legacy; nothing in 8.3 sends it): {[uid], requestId, type, rooms}.
struct classic_sockets_request {
  std::optional<std::string> uid;
  std::string request_id;
  std::vector<std::string> rooms;
};
/// 1 ALL_ROOMS: {uid, requestId, type}.
struct classic_all_rooms_request {
  std::string uid;
  std::string request_id;
};
/// 2 REMOTE_JOIN: {[uid], type, opts{rooms,except}, rooms}; the emitter sends no uid.
struct classic_remote_join_request {
  std::optional<std::string> uid;
  wire_options opts;
  std::vector<std::string> rooms;
};
/// 3 REMOTE_LEAVE: as REMOTE_JOIN.
struct classic_remote_leave_request {
  std::optional<std::string> uid;
  wire_options opts;
  std::vector<std::string> rooms;
};
/// 4 REMOTE_DISCONNECT: {[uid], type, opts{rooms,except}, close}.
struct classic_remote_disconnect_request {
  std::optional<std::string> uid;
  wire_options opts;
  bool close = false;
};
/// Legacy 2/3/4 addressed to one socket: {[uid], requestId, type, sid, room | close},
/// answered by classic_legacy_response. Still handled by the reference; nothing sends it.
struct classic_legacy_socket_request {
  classic_type type = classic_type::remote_join;  // remote_join, remote_leave or remote_disconnect
  std::optional<std::string> uid;
  std::string request_id;
  std::string sid;
  std::string room;    // join / leave
  bool close = false;  // disconnect
};
/// 5 REMOTE_FETCH: {uid, requestId, type, opts{rooms,except}}.
struct classic_remote_fetch_request {
  std::string uid;
  std::string request_id;
  wire_options opts;
};
/// 6 SERVER_SIDE_EMIT: {uid, type, data} or, with an ack, {uid, requestId, type, data}.
/// The emitter's uid is "emitter". data = [event, ...args].
struct classic_server_side_emit_request {
  std::string uid;
  std::optional<std::string> request_id;
  json data = json::array();
};
/// 7 BROADCAST (a broadcast with acks; msgpack):
/// {uid, requestId, type, packet{type,data,nsp}, opts{rooms,except,flags}}.
struct classic_broadcast_request {
  std::string uid;
  std::string request_id;
  event_packet packet;
  wire_options opts;
};

using classic_request =
    std::variant<classic_sockets_request, classic_all_rooms_request, classic_remote_join_request,
                 classic_remote_leave_request, classic_remote_disconnect_request,
                 classic_legacy_socket_request, classic_remote_fetch_request,
                 classic_server_side_emit_request, classic_broadcast_request>;

/// BROADCAST is msgpack, every other request JSON text (binary as Buffer objects).
std::string encode_classic_request(const classic_request& request);
/// Accepts JSON or msgpack for any type. Unknown types and missing fields give an error.
result<classic_request> decode_classic_request(std::string_view payload);

// --- responses (shared or specific response channel) ---

/// Answer to SOCKETS: {requestId, sockets:[id...]}.
struct classic_sockets_response {
  std::string request_id;
  std::vector<std::string> sockets;
};
/// Answer to ALL_ROOMS: {requestId, rooms:[...]} (socket-id rooms included).
struct classic_all_rooms_response {
  std::string request_id;
  std::vector<std::string> rooms;
};
/// Answer to REMOTE_FETCH: {requestId, sockets:[{id,handshake,rooms,data}...]}.
struct classic_fetch_response {
  std::string request_id;
  std::vector<fetched_socket> sockets;
};
/// Answer to a legacy single-socket request: {requestId}.
struct classic_legacy_response {
  std::string request_id;
};
/// Type 6, answer to SERVER_SIDE_EMIT with ack: {type:6, requestId, data:<first ack arg>}.
struct classic_server_side_emit_response {
  std::string request_id;
  json data;
};
/// Type 8, a node's count for a BROADCAST: {type:8, requestId, clientCount}.
struct classic_client_count_response {
  std::string request_id;
  std::uint64_t client_count = 0;
};
/// Type 9, one client's ack for a BROADCAST (msgpack): {type:9, requestId, packet:<ack arg>}.
struct classic_ack_response {
  std::string request_id;
  json packet;
};

using classic_response =
    std::variant<classic_sockets_response, classic_all_rooms_response, classic_fetch_response,
                 classic_legacy_response, classic_server_side_emit_response,
                 classic_client_count_response, classic_ack_response>;

/// Type 9 is msgpack, every other response JSON text.
std::string encode_classic_response(const classic_response& response);
/// Untyped responses are told apart by their fields (the reference tells them apart by the
/// pending request instead; callers should check that the kind matches): `rooms` gives
/// all_rooms; `sockets` gives sockets_response when it is a non-empty list of strings and
/// fetch_response otherwise (an empty list means "no sockets" for both); only `requestId`
/// gives legacy_response.
result<classic_response> decode_classic_response(std::string_view payload);

/// The requestId of any response.
const std::string& request_id_of(const classic_response& response);

}  // namespace socketio::detail::redis
