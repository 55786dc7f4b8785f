#include "ws_codec.hpp"

#include <cstring>

namespace loadgen {

namespace {

constexpr std::uint8_t fin_bit = 0x80;
constexpr std::uint8_t rsv_bits = 0x70;
constexpr std::uint8_t opcode_bits = 0x0F;
constexpr std::uint8_t mask_bit = 0x80;
constexpr std::uint8_t length_bits = 0x7F;
constexpr std::uint8_t length_16 = 126;
constexpr std::uint8_t length_64 = 127;
// Far above anything the scenarios receive; a larger length means a framing bug.
constexpr std::uint64_t max_payload = 64u << 20;

void append_masked(std::string& out, std::string_view part, const std::uint8_t key[4],
                   std::size_t& key_index) {
  const std::size_t base = out.size();
  out.resize(base + part.size());
  char* dst = out.data() + base;
  for (std::size_t i = 0; i < part.size(); ++i) {
    dst[i] = static_cast<char>(static_cast<std::uint8_t>(part[i]) ^ key[key_index & 3]);
    ++key_index;
  }
}

}  // namespace

void append_client_frame(std::string& out, ws_op op, std::string_view prefix, std::string_view body,
                         std::uint32_t mask_key) {
  const std::uint64_t length = prefix.size() + body.size();
  out.push_back(static_cast<char>(fin_bit | static_cast<std::uint8_t>(op)));
  if (length < length_16) {
    out.push_back(static_cast<char>(mask_bit | length));
  } else if (length <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | length_16));
    out.push_back(static_cast<char>((length >> 8) & 0xFF));
    out.push_back(static_cast<char>(length & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | length_64));
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((length >> shift) & 0xFF));
    }
  }
  std::uint8_t key[4];
  std::memcpy(key, &mask_key, 4);
  out.append(reinterpret_cast<const char*>(key), 4);
  std::size_t key_index = 0;
  append_masked(out, prefix, key, key_index);
  append_masked(out, body, key, key_index);
}

parse_result parse_server_frame(std::string_view in, server_frame& frame, std::size_t& consumed,
                                std::string& why) {
  if (in.size() < 2) return parse_result::need_more;
  const auto b0 = static_cast<std::uint8_t>(in[0]);
  const auto b1 = static_cast<std::uint8_t>(in[1]);
  if ((b0 & rsv_bits) != 0) {
    why = "reserved bits set in a server frame";
    return parse_result::error;
  }
  if ((b1 & mask_bit) != 0) {
    why = "masked server frame";
    return parse_result::error;
  }
  std::size_t header = 2;
  std::uint64_t length = b1 & length_bits;
  if (length == length_16) {
    if (in.size() < 4) return parse_result::need_more;
    length =
        (std::uint64_t{static_cast<std::uint8_t>(in[2])} << 8) | static_cast<std::uint8_t>(in[3]);
    header = 4;
  } else if (length == length_64) {
    if (in.size() < 10) return parse_result::need_more;
    length = 0;
    for (std::size_t i = 2; i < 10; ++i)
      length = (length << 8) | static_cast<std::uint8_t>(in[i]);
    header = 10;
  }
  if (length > max_payload) {
    why = "server frame longer than 64 MiB";
    return parse_result::error;
  }
  if (in.size() - header < length) return parse_result::need_more;
  frame.op = static_cast<ws_op>(b0 & opcode_bits);
  frame.fin = (b0 & fin_bit) != 0;
  frame.payload = in.substr(header, static_cast<std::size_t>(length));
  consumed = header + static_cast<std::size_t>(length);
  return parse_result::frame;
}

}  // namespace loadgen
