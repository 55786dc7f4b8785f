#include "fanout_payload.hpp"

#include <cstring>

namespace loadgen {

namespace {
constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz";
}

fanout_payload::fanout_payload(std::size_t bytes) : bytes_(bytes) {
  while (alphabet_run_.size() < bytes + alphabet.size())
    alphabet_run_.append(alphabet);
}

std::string fanout_payload::make(std::uint64_t seq) const {
  std::string p(bytes_, '0');
  std::uint64_t v = seq;
  for (std::size_t i = seq_digits; i-- > 0;) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  const std::size_t offset = seq % alphabet.size();
  std::memcpy(p.data() + seq_digits, alphabet_run_.data() + offset, bytes_ - seq_digits);
  return p;
}

std::int64_t fanout_payload::check(std::string_view payload) const {
  if (payload.size() != bytes_) return -1;
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < seq_digits; ++i) {
    const char c = payload[i];
    if (c < '0' || c > '9') return -1;
    seq = seq * 10 + static_cast<std::uint64_t>(c - '0');
  }
  const std::size_t offset = seq % alphabet.size();
  if (std::memcmp(payload.data() + seq_digits, alphabet_run_.data() + offset,
                  bytes_ - seq_digits) != 0) {
    return -1;
  }
  return static_cast<std::int64_t>(seq);
}

}  // namespace loadgen
