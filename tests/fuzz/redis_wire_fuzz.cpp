// libFuzzer target: every decoder of messages other cluster nodes publish (classic broadcast,
// requests and responses; the sharded envelope; msgpack and JSON payloads), then re-encoding of
// what it accepted. Whatever another node sends, the adapter must drop it or handle it; never
// crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "redis/detail/classic_format.hpp"
#include "redis/detail/json_text.hpp"
#include "redis/detail/msgpack.hpp"
#include "redis/detail/sharded_format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socketio::detail::redis;
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  if (auto v = decode_payload(payload)) {
    (void)msgpack_encode(*v);
    (void)json_encode(*v);
  }
  if (auto b = decode_classic_broadcast(payload)) (void)encode_classic_broadcast(*b);
  if (auto r = decode_classic_request(payload)) (void)encode_classic_request(*r);
  if (auto r = decode_classic_response(payload)) (void)encode_classic_response(*r);
  if (auto m = decode_sharded(payload)) (void)encode_sharded(*m);
  return 0;
}
