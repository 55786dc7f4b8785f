// libFuzzer target: the RESP reply reader fed what a Redis server (or anything listening where
// one should be) sends, in chunks split at arbitrary points.
#include <cstddef>
#include <cstdint>

#include "redis/detail/resp_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socketio::detail;
  resp_reader reader;
  // The first byte picks the chunk size, so the fuzzer explores every split point.
  const std::size_t chunk = size == 0 ? 1 : 1 + data[0] % 64;
  for (std::size_t at = size == 0 ? 0 : 1; at < size; at += chunk) {
    const std::size_t n = size - at < chunk ? size - at : chunk;
    if (!reader.feed(reinterpret_cast<const char*>(data) + at, n)) return 0;
    for (int i = 0; i < 1000; ++i) {  // bounded: a chunk holds at most ~64 replies
      redis_reply reply;
      const auto r = reader.next(reply);
      if (r == resp_reader::result::error) return 0;
      if (r == resp_reader::result::need_more) break;
      (void)reply.describe();
    }
  }
  return 0;
}
