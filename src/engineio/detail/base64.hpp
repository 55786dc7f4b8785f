// Standard base64 (RFC 4648 section 4, with '=' padding) and the URL-safe alphabet used for ids.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace socketio::detail {

/// Appends the padded standard base64 encoding of `bytes` to `out`.
void base64_append(std::string& out, std::string_view bytes);

/// Padded standard base64 of `bytes`.
std::string base64_encode(std::string_view bytes);

/// Decodes padded standard base64. Returns nullopt on any character outside the alphabet,
/// on a length that is not a multiple of four, or on misplaced padding.
std::optional<std::string> base64_decode(std::string_view text);

/// Unpadded URL-safe base64 (RFC 4648 section 5) of `bytes`; 15 bytes give 20 characters.
std::string base64url_encode(std::string_view bytes);

}  // namespace socketio::detail
