#include "engineio/detail/base64.hpp"

#include <array>
#include <cstdint>

namespace socketio::detail {

namespace {

constexpr char standard_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Marks a byte that is not part of the standard alphabet. '=' is handled separately because
// it is only legal in the last one or two positions of the last quantum (RFC 4648 section 4).
constexpr std::uint8_t invalid = 0xFF;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table)
    entry = invalid;
  for (std::uint8_t i = 0; i < 64; ++i) {
    table[static_cast<unsigned char>(standard_alphabet[i])] = i;
  }
  return table;
}

constexpr std::array<std::uint8_t, 256> decode_table = make_decode_table();

// Writes the encoding of `in` (n bytes) to `out`, which must have room for it. `pad` selects
// between the padded standard form and the unpadded form. Returns the end of what was written.
char* encode_into(char* out, const unsigned char* in, std::size_t n, const char* alphabet,
                  bool pad) {
  std::size_t i = 0;
  // Whole 3-byte groups become 4 characters each.
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t group =
        (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | std::uint32_t{in[i + 2]};
    *out++ = alphabet[(group >> 18) & 0x3F];
    *out++ = alphabet[(group >> 12) & 0x3F];
    *out++ = alphabet[(group >> 6) & 0x3F];
    *out++ = alphabet[group & 0x3F];
  }
  const std::size_t rest = n - i;
  if (rest == 1) {
    const std::uint32_t group = std::uint32_t{in[i]} << 16;
    *out++ = alphabet[(group >> 18) & 0x3F];
    *out++ = alphabet[(group >> 12) & 0x3F];
    if (pad) {
      *out++ = '=';
      *out++ = '=';
    }
  } else if (rest == 2) {
    const std::uint32_t group = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
    *out++ = alphabet[(group >> 18) & 0x3F];
    *out++ = alphabet[(group >> 12) & 0x3F];
    *out++ = alphabet[(group >> 6) & 0x3F];
    if (pad) *out++ = '=';
  }
  return out;
}

std::size_t padded_size(std::size_t n) {
  return (n + 2) / 3 * 4;
}

// Unpadded output drops the '=' characters: 1 leftover byte gives 2 chars, 2 give 3.
std::size_t unpadded_size(std::size_t n) {
  return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

}  // namespace

void base64_append(std::string& out, std::string_view bytes) {
  const std::size_t old_size = out.size();
  out.resize(old_size + padded_size(bytes.size()));
  encode_into(out.data() + old_size, reinterpret_cast<const unsigned char*>(bytes.data()),
              bytes.size(), standard_alphabet, true);
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  base64_append(out, bytes);
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  if (text.empty()) return out;

  // Padding can only occur in the last quantum: "xx==" or "xxx=" (RFC 4648 section 4).
  std::size_t padding = 0;
  if (text.back() == '=') {
    padding = text[text.size() - 2] == '=' ? 2 : 1;
  }
  out.resize(text.size() / 4 * 3 - padding);

  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  char* dst = out.data();
  const std::size_t full_end = text.size() - (padding == 0 ? 0 : 4);

  // Any '=' before the final quantum maps to `invalid` in the table, so misplaced padding is
  // rejected by the same check as foreign characters. OR-ing the four lookups lets the loop
  // test validity once per quantum instead of once per character.
  for (std::size_t i = 0; i < full_end; i += 4) {
    const std::uint8_t a = decode_table[in[i]];
    const std::uint8_t b = decode_table[in[i + 1]];
    const std::uint8_t c = decode_table[in[i + 2]];
    const std::uint8_t d = decode_table[in[i + 3]];
    if ((a | b | c | d) & 0x80) return std::nullopt;
    const std::uint32_t group = (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) |
                                (std::uint32_t{c} << 6) | std::uint32_t{d};
    *dst++ = static_cast<char>((group >> 16) & 0xFF);
    *dst++ = static_cast<char>((group >> 8) & 0xFF);
    *dst++ = static_cast<char>(group & 0xFF);
  }

  if (padding != 0) {
    const std::size_t i = full_end;
    const std::uint8_t a = decode_table[in[i]];
    const std::uint8_t b = decode_table[in[i + 1]];
    // With one '=' the third character is data; with two it is the first '=' (checked above).
    const std::uint8_t c = padding == 1 ? decode_table[in[i + 2]] : 0;
    if ((a | b | c) & 0x80) return std::nullopt;
    // Non-zero pad bits (e.g. "Zh==") are accepted: RFC 4648 section 3.5 leaves rejecting
    // them optional, and the contract above only rejects alphabet, length and '=' placement.
    const std::uint32_t group =
        (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) | (std::uint32_t{c} << 6);
    *dst++ = static_cast<char>((group >> 16) & 0xFF);
    if (padding == 1) *dst++ = static_cast<char>((group >> 8) & 0xFF);
  }
  return out;
}

std::string base64url_encode(std::string_view bytes) {
  std::string out(unpadded_size(bytes.size()), '\0');
  encode_into(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
              url_alphabet, false);
  return out;
}

}  // namespace socketio::detail
