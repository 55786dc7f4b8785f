// JSON text as the Node adapters write it (JSON.stringify) and the payload-format rule shared
// by the classic and sharded formats.
#pragma once

#include <string>
#include <string_view>

#include "redis/detail/wire_result.hpp"
#include "socketio/types.hpp"

namespace socketio::detail::redis {

/// True when `value` holds a binary anywhere (socket.io-adapter's hasBinary).
bool contains_binary(const json& value);

/// JSON text of `value` as Node's JSON.stringify writes it. JSON cannot carry binary: each
/// binary becomes {"type":"Buffer","data":[bytes...]}, which is what Node writes for a Buffer.
/// Strings are written as UTF-8 (not \u-escaped); invalid UTF-8 is replaced by U+FFFD rather
/// than throwing.
std::string json_encode(const json& value);

/// Parses JSON text. A {"type":"Buffer","data":[...]} object stays such an object: a Node
/// receiver does not revive Buffers either, so a serverSideEmit argument that was a Buffer
/// reaches every handler as that plain object. Malformed text, or nesting deeper than
/// max_wire_depth, gives an error.
result<json> json_decode(std::string_view text);

/// The rule both adapters apply to every payload (PROTOCOL 4.1): first byte `{` is JSON text,
/// anything else is notepack msgpack.
bool is_json_payload(std::string_view payload);

/// json_decode or msgpack_decode, chosen by is_json_payload.
result<json> decode_payload(std::string_view payload);

}  // namespace socketio::detail::redis
