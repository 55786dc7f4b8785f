// Checks on everything a chat client sends: types, lengths and characters.
#pragma once

#include <optional>
#include <string>

#include <socketio/types.hpp>

namespace chat {

inline constexpr std::size_t max_nickname_chars = 32;
inline constexpr std::size_t max_room_chars = 32;
inline constexpr std::size_t max_message_chars = 2000;
inline constexpr std::size_t max_rooms_per_user = 10;
inline constexpr char lobby[] = "lobby";

/// Characters (Unicode code points) in a UTF-8 string; the JSON parser has validated it.
std::size_t utf8_length(const std::string& s);

/// A nickname, trimmed, or the reason it is refused.
struct checked {
  std::optional<std::string> value;
  std::string error;
};
checked check_nickname(const socketio::json& v);
/// A room name: 1-32 characters, letters, digits, ' ', '-', '_' and '.', trimmed.
checked check_room(const socketio::json& v);
/// A message text: a string of 1-2000 characters after trimming, no control characters
/// other than newline and tab.
checked check_text(const socketio::json& v);

/// Lower-cased ASCII letters: nicknames are unique regardless of case.
std::string fold_case(const std::string& s);

}  // namespace chat
