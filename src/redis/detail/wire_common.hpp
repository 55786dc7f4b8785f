// Pieces shared by the classic and sharded Redis wire formats: broadcast options as published,
// the event packet, a fetched socket, and the conversions between them and JSON values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "redis/detail/wire_result.hpp"
#include "socketio/adapter.hpp"
#include "socketio/types.hpp"

namespace socketio::detail::redis {

/// `opts` of a published message: {rooms, except, flags}.
/// flags on the wire: `volatile:true`, `compress:false`, `expectSingleResponse:true`,
/// `timeout:<ms>`, each written only when it differs from the default, in that order
/// (flags.local is never published and is false after decoding).
struct wire_options {
  broadcast_options opts;
  /// RemoteSocket operations (emit, join, leave, disconnect) address one socket, so the
  /// requester waits for one answer only. Not part of socketio::broadcast_flags.
  bool expect_single_response = false;
  /// Key order rooms, flags, except, as @socket.io/redis-emitter writes it; set by the decoder
  /// so that an emitter message re-encodes to the same bytes. Nodes write rooms, except, flags.
  bool emitter_key_order = false;
};

/// A Socket.IO EVENT packet inside a broadcast: {type, data, nsp}. The sharded format leaves
/// nsp out of the packet (the envelope has it); the classic one writes it.
struct event_packet {
  int type = 2;               // Socket.IO packet type (EVENT for every broadcast)
  json data = json::array();  // [event, ...args]; binary values inline as json::binary_t
  std::string nsp = "/";
};

/// One entry of a fetchSockets answer: {id, handshake, rooms, data}. `handshake` is the
/// socket's handshake as the reference serialises it (headers, time, address, xdomain, secure,
/// issued, url, query, auth), `data` is socket.data.
struct fetched_socket {
  std::string id;
  json handshake = json::object();
  std::vector<std::string> rooms;
  json data = json::object();
};

/// Classic uid and request id: 6 characters from A-Z a-z 0-9 - _ (uid2), from a CSPRNG.
std::string make_classic_uid();
/// Sharded uid and request id: 8 random bytes as 16 lowercase hex characters.
std::string make_sharded_uid();

/// The number of UTF-16 code units of a UTF-8 string: JavaScript's String.length, which the
/// sharded adapter compares to 20 for its socket-id heuristic.
std::size_t js_length(std::string_view utf8);

namespace wire {

// Building blocks for the two formats' encoders and decoders.

json options_to_json(const wire_options& o, bool with_flags);
std::optional<wire_error> options_from_json(const json& v, wire_options& out);

json packet_to_json(const event_packet& p, bool with_nsp);
std::optional<wire_error> packet_from_json(const json& v, event_packet& out);

json sockets_to_json(const std::vector<fetched_socket>& sockets);
std::optional<wire_error> sockets_from_json(const json& v, std::vector<fetched_socket>& out);

/// A room list: strings, or numbers (a JS room may be a number; it matches by its decimal
/// text, PROTOCOL 4.2.3). null or absent means empty, as `new Set(undefined)` does.
std::optional<wire_error> rooms_from_json(const json* v, std::vector<std::string>& out);
json rooms_to_json(const std::vector<std::string>& rooms);

/// Member `key` of object `obj`, or nullptr.
const json* member(const json& obj, std::string_view key);
std::optional<wire_error> string_member(const json& obj, std::string_view key, std::string& out);
std::optional<wire_error> optional_string_member(const json& obj, std::string_view key,
                                                 std::optional<std::string>& out);
/// An unsigned count; a float must be integral.
std::optional<wire_error> count_member(const json& obj, std::string_view key, std::uint64_t& out);
/// JavaScript truthiness of a member (absent is false).
bool truthy_member(const json& obj, std::string_view key);
/// An integer type field, or nullopt when absent or not an integral number.
std::optional<std::int64_t> type_member(const json& obj);

}  // namespace wire

}  // namespace socketio::detail::redis
