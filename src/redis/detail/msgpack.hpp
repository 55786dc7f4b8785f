// MessagePack as notepack.io 3.0.1 writes and reads it (the codec of @socket.io/redis-adapter
// and @socket.io/redis-emitter), for socketio::json values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "redis/detail/wire_result.hpp"
#include "socketio/types.hpp"

namespace socketio::detail::redis {

/// Deepest nesting the decoders accept (arrays and objects); deeper input is refused so that a
/// hostile payload cannot exhaust the stack.
inline constexpr std::size_t max_wire_depth = 512;

/// Appends the notepack encoding of `value` to `out` (PROTOCOL 4.5):
/// - integers and integral finite floats in the smallest integer form (fixint, cc-cf, d0-d3;
///   -0 gives 00); an integral float outside the int64/uint64 range is written as float64
///   instead of notepack's wrapped uint64 (notepack turns 1e300 into 0, which is a bug, not a
///   format rule);
/// - every other number (fractions, NaN, infinities) as float64 `cb`, never float32;
/// - strings as fixstr / d9 / da / db, arrays and objects in their stored order;
/// - binary as bin c4 / c5 / c6; a subtype is ignored (ext would reach Node as [type, Buffer]);
/// - a discarded value as nil.
void msgpack_append(std::string& out, const json& value);

/// msgpack_append into a new string.
std::string msgpack_encode(const json& value);

/// Decodes one complete notepack value; trailing bytes are an error, as in notepack.
/// Accepts everything notepack decodes: float32 (widened), uint64/int64 kept exact, bin as
/// json::binary_t without subtype. Ext values follow notepack's decoder, written as Node's
/// JSON.stringify would then show them: timestamp ext -1 (32, 64, 96 bit) and the legacy
/// date ext (d7 00) become a Date, i.e. its ISO-8601 text ("2026-11-26T10:39:26.000Z", null
/// when out of range); legacy d4 00 is `undefined` (null in an array or at top level, the key
/// is dropped in a map); legacy ext 0 in c7/c8/c9 is an ArrayBuffer (binary); any other ext is
/// the array [type, binary]. Map keys must be strings (notepack only writes string keys).
result<json> msgpack_decode(std::string_view bytes);

}  // namespace socketio::detail::redis
