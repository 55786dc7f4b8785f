// One RESP2 reply as an owned value, independent of the parser that produced it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace socketio::detail {

enum class redis_reply_kind { string, status, error, integer, nil, array };

/// A reply from Redis, or an error made up locally (connection down or closed), which has the
/// same shape as a server error so that callers handle both in one place. Strings are
/// binary-safe.
struct redis_reply {
  redis_reply_kind kind = redis_reply_kind::nil;
  std::string text;                   ///< string, status and error replies
  std::int64_t integer = 0;           ///< integer replies
  std::vector<redis_reply> elements;  ///< array replies

  bool is_error() const { return kind == redis_reply_kind::error; }
  bool is_string() const { return kind == redis_reply_kind::string; }
  bool is_array() const { return kind == redis_reply_kind::array; }

  static redis_reply error(std::string message);
  static redis_reply status(std::string message);

  /// A short readable form for logs and test failures (strings are not escaped).
  std::string describe() const;
};

}  // namespace socketio::detail
