// libFuzzer target: the JSON text decoder of Redis adapter payloads alone, with round-trip
// checks on everything it accepts: decode(text) = v  =>  decode(encode(v)) is equivalent to v
// (Node's JSON.parse(JSON.stringify(v))), encoding is a fixed point, and v survives the
// MessagePack codec too (a node may re-publish in either format).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "json_equivalence.hpp"
#include "redis/detail/json_text.hpp"
#include "redis/detail/msgpack.hpp"

namespace {

using socketio::json;

// JSON text has no Infinity: a number too large for a double parses as +-inf, and
// JSON.stringify writes it as null, as Node would.
json without_infinities(const json& v) {
  if (v.is_number_float() && !std::isfinite(v.get<double>())) return nullptr;
  if (v.is_array()) {
    json out = json::array();
    for (const auto& item : v)
      out.push_back(without_infinities(item));
    return out;
  }
  if (v.is_object()) {
    json out = json::object();
    for (const auto& [key, item] : v.items())
      out[key] = without_infinities(item);
    return out;
  }
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socketio::detail::redis;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto decoded = json_decode(text);
  if (!decoded) return 0;
  if (contains_binary(*decoded)) __builtin_trap();  // JSON text cannot carry a binary
  const std::string encoded = json_encode(*decoded);
  const auto again = json_decode(encoded);
  if (!again) __builtin_trap();
  const json expected = without_infinities(*decoded);
  if (!socketio::fuzz::equivalent(expected, *again)) __builtin_trap();
  if (json_encode(*again) != encoded) __builtin_trap();
  // The payload rule: an object's text starts with '{' and is read back as JSON.
  if (again->is_object() && !is_json_payload(encoded)) __builtin_trap();
  const auto via_msgpack = msgpack_decode(msgpack_encode(*again));
  if (!via_msgpack || !socketio::fuzz::equivalent(*again, *via_msgpack)) __builtin_trap();
  return 0;
}
