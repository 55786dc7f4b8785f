#include "validation.hpp"

namespace chat {

namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// C0 controls and DEL; `allow_newlines` keeps '\n' and '\t' (multi-line messages).
bool has_control(const std::string& s, bool allow_newlines) {
  for (const unsigned char c : s) {
    if (allow_newlines && (c == '\n' || c == '\t')) continue;
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (const unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // count every byte that starts a code point
  }
  return n;
}

std::string fold_case(const std::string& s) {
  std::string out = s;
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

checked check_nickname(const socketio::json& v) {
  if (!v.is_string()) return {std::nullopt, "choose a nickname"};
  const auto nick = trim(v.get<std::string>());
  if (nick.empty()) return {std::nullopt, "choose a nickname"};
  if (utf8_length(nick) > max_nickname_chars) {
    return {std::nullopt, "nickname is longer than 32 characters"};
  }
  if (has_control(nick, false)) return {std::nullopt, "nickname has control characters"};
  return {nick, {}};
}

checked check_room(const socketio::json& v) {
  if (!v.is_string()) return {std::nullopt, "room name must be a string"};
  const auto room = trim(v.get<std::string>());
  if (room.empty()) return {std::nullopt, "room name is empty"};
  if (utf8_length(room) > max_room_chars) {
    return {std::nullopt, "room name is longer than 32 characters"};
  }
  for (const unsigned char c : room) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == ' ' || c == '-' || c == '_' || c == '.';
    if (!ok) return {std::nullopt, "room names use letters, digits, space, '-', '_' and '.'"};
  }
  return {room, {}};
}

checked check_text(const socketio::json& v) {
  if (!v.is_string()) return {std::nullopt, "message must be text"};
  const auto text = trim(v.get<std::string>());
  if (text.empty()) return {std::nullopt, "message is empty"};
  if (utf8_length(text) > max_message_chars) {
    return {std::nullopt, "message is longer than 2000 characters"};
  }
  if (has_control(text, true)) return {std::nullopt, "message has control characters"};
  return {text, {}};
}

}  // namespace chat
