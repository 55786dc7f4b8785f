// libFuzzer target: the RESP reply reader fed what a Redis server (or anything listening where
// one should be) sends, in chunks split at arbitrary points. Invariant: the split points do not
// matter: chunked input yields the same replies (and the same error) as the whole input fed at
// once.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "redis/detail/resp_codec.hpp"

namespace {

using socketio::detail::redis_reply;
using socketio::detail::resp_reader;

struct outcome {
  std::vector<std::string> replies;
  bool error = false;
};

// Feeds `input` in chunks of `chunk` bytes, taking every complete reply after each.
outcome read_all(std::string_view input, std::size_t chunk) {
  outcome out;
  resp_reader reader;
  for (std::size_t at = 0; at < input.size(); at += chunk) {
    const std::string_view part = input.substr(at, chunk);
    if (!reader.feed(part.data(), part.size())) {
      out.error = true;
      return out;
    }
    // Bounded: a reply takes at least 3 bytes, so a chunk holds at most chunk / 3 + 1.
    for (std::size_t i = 0; i <= input.size(); ++i) {
      redis_reply reply;
      const auto r = reader.next(reply);
      if (r == resp_reader::result::error) {
        out.error = true;
        return out;
      }
      if (r == resp_reader::result::need_more) break;
      out.replies.push_back(reply.describe());
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the chunk size, so the fuzzer explores every split point.
  const std::size_t chunk = 1 + data[0] % 64;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const outcome chunked = read_all(input, chunk);
  const outcome whole = read_all(input, input.size() + 1);
  // An error ends reading; what came before it must not depend on where the input was split.
  if (chunked.error != whole.error) __builtin_trap();
  if (chunked.replies != whole.replies) __builtin_trap();
  return 0;
}
