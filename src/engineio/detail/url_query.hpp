// Query-string parsing for request targets.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace socketio::detail {

using query_list = std::vector<std::pair<std::string, std::string>>;

/// The value of one hexadecimal digit, or -1.
int hex_digit_value(char c);

/// The path part of a request target (before '?').
std::string_view target_path(std::string_view target);

/// Decodes `a=1&b=x%20y` (the part after '?'): '+' is a space, %XX is a byte; malformed
/// escapes are kept literally, as Node's querystring does.
query_list parse_query(std::string_view target);

/// The first value for `name`, or nullptr.
const std::string* find_param(const query_list& query, std::string_view name);

}  // namespace socketio::detail
