// libFuzzer target: every decoder of messages other cluster nodes publish (classic broadcast,
// requests and responses; the sharded envelope; msgpack and JSON payloads), then a round trip
// of what it accepted: its encoding decodes again, to a message that encodes to the same bytes.
// Whatever another node sends, the adapter must drop it or handle it; never crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "redis/detail/classic_format.hpp"
#include "redis/detail/json_text.hpp"
#include "redis/detail/msgpack.hpp"
#include "redis/detail/sharded_format.hpp"

namespace {

// encode(decode(encode(m))) == encode(m) for one message format.
template <class Decode, class Encode>
void check_round_trip(std::string_view payload, Decode decode, Encode encode) {
  const auto message = decode(payload);
  if (!message) return;
  const std::string encoded = encode(*message);
  const auto again = decode(encoded);
  if (!again || encode(*again) != encoded) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socketio::detail::redis;
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  if (auto v = decode_payload(payload)) {
    (void)msgpack_encode(*v);
    (void)json_encode(*v);
  }
  check_round_trip(payload, decode_classic_broadcast, encode_classic_broadcast);
  check_round_trip(payload, decode_classic_request, encode_classic_request);
  check_round_trip(payload, decode_classic_response, encode_classic_response);
  check_round_trip(payload, decode_sharded, encode_sharded);
  return 0;
}
