// RESP2 encoding of commands and incremental parsing of replies. hiredis does the work; its
// types stay in resp_codec.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "redis/detail/redis_reply.hpp"

struct redisReader;

namespace socketio::detail {

/// The RESP2 bytes of one command (a multi-bulk of binary-safe arguments). `argv` must not be
/// empty.
std::string format_redis_command(const std::vector<std::string>& argv);

/// Parses replies from a byte stream fed in arbitrary pieces. After an error (malformed input)
/// the stream is unusable: the connection that fed it must be dropped.
class resp_reader {
 public:
  enum class result { reply, need_more, error };

  resp_reader();
  ~resp_reader();
  resp_reader(const resp_reader&) = delete;
  resp_reader& operator=(const resp_reader&) = delete;

  /// Appends bytes; returns false on error (see error()).
  bool feed(const char* data, std::size_t size);

  /// The next complete reply into `out`, or need_more, or error.
  result next(redis_reply& out);

  /// What was wrong with the input, after feed() or next() reported an error.
  const std::string& error() const { return error_; }

 private:
  redisReader* reader_;
  std::string error_;
};

}  // namespace socketio::detail
