// libFuzzer target: the notepack MessagePack decoder alone (the payload codec of the Node Redis
// adapter and emitter), with round-trip checks on everything it accepts:
// decode(bytes) = v  =>  decode(encode(v)) is equivalent to v, and encoding is a fixed point
// (encode(decode(encode(v))) == encode(v)).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "json_equivalence.hpp"
#include "redis/detail/msgpack.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socketio::detail::redis;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto decoded = msgpack_decode(bytes);
  if (!decoded) {
    if (decoded.error().message.empty()) __builtin_trap();  // every refusal says why
    return 0;
  }
  const std::string encoded = msgpack_encode(*decoded);
  const auto again = msgpack_decode(encoded);
  if (!again) __builtin_trap();
  if (!socketio::fuzz::equivalent(*decoded, *again)) __builtin_trap();
  if (msgpack_encode(*again) != encoded) __builtin_trap();
  return 0;
}
