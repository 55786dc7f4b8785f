// The fanout payload: a 10-digit sequence number, then filler from a fixed alphabet starting
// at an offset that depends on the sequence number. A member can therefore tell, per message,
// which broadcast it is (loss, duplicates, reordering) and whether any byte was altered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace loadgen {

class fanout_payload {
 public:
  static constexpr std::size_t seq_digits = 10;

  explicit fanout_payload(std::size_t bytes);

  std::size_t size() const { return bytes_; }
  // The payload of broadcast `seq`.
  std::string make(std::uint64_t seq) const;
  // The sequence number of a received payload, or -1 when it is malformed or altered.
  std::int64_t check(std::string_view payload) const;

 private:
  std::size_t bytes_;
  std::string alphabet_run_;  // the alphabet repeated, long enough for any offset
};

}  // namespace loadgen
