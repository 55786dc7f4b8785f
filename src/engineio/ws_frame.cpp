#include "engineio/detail/ws_frame.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cstring>

#include "engineio/detail/base64.hpp"

namespace socketio::detail {

namespace {

// RFC 6455 section 5.2 bit layout of the first two header bytes.
constexpr std::uint8_t fin_bit = 0x80;
constexpr std::uint8_t rsv_bits = 0x70;
constexpr std::uint8_t opcode_bits = 0x0F;
constexpr std::uint8_t mask_bit = 0x80;
constexpr std::uint8_t length_bits = 0x7F;
constexpr std::uint8_t length_16 = 126;
constexpr std::uint8_t length_64 = 127;
constexpr std::uint64_t max_control_payload = 125;  // section 5.5

constexpr std::uint64_t reserve_cap = 1 << 20;

constexpr std::uint64_t high_bits_mask = 0x8080808080808080ULL;

bool is_control(ws_opcode opcode) {
  return (static_cast<std::uint8_t>(opcode) & 0x8) != 0;
}

bool is_continuation_byte(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// XORs `n` bytes from `src` into `dst` with the 4-byte masking key starting at key index
// `offset` (section 5.3). Works 8 bytes at a time: because 8 is a multiple of 4, one 64-bit
// word holding the key twice (rotated to `offset`) lines up with every 8-byte block.
// Returns the key index for the byte after the last one processed.
std::size_t unmask_into(char* dst, const char* src, std::size_t n,
                        const std::array<std::uint8_t, 4>& key, std::size_t offset) {
  std::array<std::uint8_t, 8> rotated{};
  for (std::size_t i = 0; i < rotated.size(); ++i)
    rotated[i] = key[(offset + i) & 3];
  std::uint64_t word_key = 0;
  std::memcpy(&word_key, rotated.data(), sizeof word_key);

  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, src + i, sizeof word);
    word ^= word_key;
    std::memcpy(dst + i, &word, sizeof word);
  }
  for (; i < n; ++i) {
    dst[i] = static_cast<char>(static_cast<unsigned char>(src[i]) ^ rotated[i & 7]);
  }
  return (offset + n) & 3;
}

// Close codes a peer may put on the wire (RFC 6455 section 7.4.1/7.4.2 and the IANA registry):
// 1000-1003 and 1007-1014 are defined, 3000-4999 are for libraries and applications. 1004 is
// reserved, 1005/1006/1015 must never be sent, and the rest of 0-2999 is unassigned.
bool is_valid_wire_close_code(std::uint16_t code) {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000;
}

}  // namespace

ws_frame_header make_ws_frame_header(ws_opcode opcode, std::uint64_t payload_size) {
  ws_frame_header header;
  auto put = [&header](std::uint64_t byte) {
    header.bytes[header.size++] = static_cast<char>(static_cast<std::uint8_t>(byte & 0xFF));
  };
  put(fin_bit | static_cast<std::uint8_t>(opcode));
  // Server frames are never masked (section 5.1); lengths use the shortest form (section 5.2).
  if (payload_size <= max_control_payload) {
    put(payload_size);
  } else if (payload_size <= 0xFFFF) {
    put(length_16);
    put(payload_size >> 8);
    put(payload_size);
  } else {
    put(length_64);
    for (int shift = 56; shift >= 0; shift -= 8)
      put(payload_size >> shift);
  }
  return header;
}

std::string make_ws_close_frame(std::uint16_t code) {
  std::string frame;
  frame.reserve(4);
  frame.push_back(static_cast<char>(fin_bit | static_cast<std::uint8_t>(ws_opcode::close)));
  if (code == 0) {
    frame.push_back('\0');
  } else {
    // The body starts with the status code in network byte order (section 5.5.1).
    frame.push_back('\x02');
    frame.push_back(static_cast<char>(code >> 8));
    frame.push_back(static_cast<char>(code & 0xFF));
  }
  return frame;
}

bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // ASCII fast path: skip 8 bytes at a time while none has its high bit set, then step to
    // the first non-ASCII byte of the block (or the end of a short tail).
    while (i + 8 <= n) {
      std::uint64_t word = 0;
      std::memcpy(&word, p + i, sizeof word);
      if ((word & high_bits_mask) != 0) break;
      i += 8;
    }
    while (i < n && p[i] < 0x80)
      ++i;
    if (i == n) return true;

    // Multi-byte sequence; the ranges are those of RFC 3629 section 4 (Unicode Table 3-7).
    // Restricting the second byte after E0/ED/F0/F4 is what rules out overlong forms,
    // surrogates (U+D800-DFFF) and code points above U+10FFFF.
    const unsigned char lead = p[i];
    if (lead < 0xC2) return false;  // stray continuation byte, or overlong C0/C1
    if (lead < 0xE0) {
      if (n - i < 2 || !is_continuation_byte(p[i + 1])) return false;
      i += 2;
    } else if (lead < 0xF0) {
      if (n - i < 3) return false;
      const unsigned char lower = lead == 0xE0 ? 0xA0 : 0x80;
      const unsigned char upper = lead == 0xED ? 0x9F : 0xBF;
      if (p[i + 1] < lower || p[i + 1] > upper || !is_continuation_byte(p[i + 2])) return false;
      i += 3;
    } else if (lead < 0xF5) {
      if (n - i < 4) return false;
      const unsigned char lower = lead == 0xF0 ? 0x90 : 0x80;
      const unsigned char upper = lead == 0xF4 ? 0x8F : 0xBF;
      if (p[i + 1] < lower || p[i + 1] > upper || !is_continuation_byte(p[i + 2]) ||
          !is_continuation_byte(p[i + 3])) {
        return false;
      }
      i += 4;
    } else {
      return false;  // F5-FF never appear in UTF-8
    }
  }
  return true;
}

std::string ws_accept_key(std::string_view client_key) {
  // Section 4.2.2 step 5.4: SHA-1 of the key concatenated with this fixed GUID, base64'd.
  static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input;
  input.reserve(client_key.size() + guid.size());
  input.append(client_key);
  input.append(guid);
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  return base64_encode({reinterpret_cast<const char*>(digest.data()), digest.size()});
}

std::uint16_t ws_frame_parser::start_frame(const unsigned char* data, std::size_t size,
                                           std::size_t& header_size) {
  header_size = 0;
  if (size < 2) return 0;
  const std::uint8_t b0 = data[0];
  const std::uint8_t b1 = data[1];

  // Everything checkable from the first two bytes is checked before waiting for the rest
  // of the header, so a broken peer is failed as early as possible.
  // RSV1-3 must be 0 unless an extension defines them; none is negotiated (section 5.2).
  if ((b0 & rsv_bits) != 0) return ws_close_code::protocol_error;
  const std::uint8_t raw_opcode = b0 & opcode_bits;
  switch (raw_opcode) {
    case 0x0:
    case 0x1:
    case 0x2:
    case 0x8:
    case 0x9:
    case 0xA:
      break;
    default:
      return ws_close_code::protocol_error;  // reserved opcodes (section 5.2)
  }
  const auto opcode = static_cast<ws_opcode>(raw_opcode);
  const bool fin = (b0 & fin_bit) != 0;
  // A server must fail the connection on an unmasked client frame (section 5.1).
  if ((b1 & mask_bit) == 0) return ws_close_code::protocol_error;
  const std::uint8_t length7 = b1 & length_bits;

  if (is_control(opcode)) {
    // Control frames must not be fragmented and carry at most 125 bytes (section 5.5);
    // 126/127 select an extended length, which is necessarily above 125.
    if (!fin || length7 > max_control_payload) return ws_close_code::protocol_error;
  } else if (opcode == ws_opcode::continuation) {
    // A continuation needs a fragmented message in progress (section 5.4).
    if (!in_message_) return ws_close_code::protocol_error;
  } else if (in_message_) {
    // Fragments of one message must not be interleaved with a new message (section 5.4).
    return ws_close_code::protocol_error;
  }

  const std::size_t length_size = length7 == length_16 ? 2 : length7 == length_64 ? 8 : 0;
  const std::size_t full_size = 2 + length_size + 4;
  if (size < full_size) return 0;

  std::uint64_t length = length7;
  if (length_size != 0) {
    length = 0;
    for (std::size_t i = 0; i < length_size; ++i)
      length = (length << 8) | data[2 + i];
    // The most significant bit of a 64-bit length must be 0 (section 5.2).
    if (length_size == 8 && (length >> 63) != 0) return ws_close_code::protocol_error;
  }

  if (!is_control(opcode)) {
    // Refuse before reading the payload so an oversized message never gets buffered.
    // Written as a subtraction so a huge announced length cannot overflow the sum.
    const std::size_t held = buf_ ? buf_->message.size() : 0;
    if (held > max_message_size_ || length > max_message_size_ - held) {
      return ws_close_code::too_big;
    }
    if (opcode != ws_opcode::continuation) {
      in_message_ = true;
      message_binary_ = opcode == ws_opcode::binary;
    }
    // Size the buffer for the first frame up front, but cap what an announced length alone
    // can make us allocate; beyond that the string grows as payload actually arrives.
    if (held == 0) buf().message.reserve(static_cast<std::size_t>(std::min(length, reserve_cap)));
  } else if (buf_) {
    buf_->control.clear();
  }

  std::memcpy(mask_.data(), data + 2 + length_size, mask_.size());
  mask_offset_ = 0;
  frame_opcode_ = opcode;
  frame_fin_ = fin;
  frame_remaining_ = length;
  in_frame_ = true;
  header_size = full_size;
  return 0;
}

std::uint16_t ws_frame_parser::finish_frame(ws_frame_sink& sink) {
  in_frame_ = false;
  switch (frame_opcode_) {
    case ws_opcode::continuation:
    case ws_opcode::text:
    case ws_opcode::binary: {
      if (!frame_fin_) return 0;
      // A text message must be valid UTF-8 as a whole (sections 5.6 and 8.1); fragments may
      // split a code point, so only the reassembled message is checked.
      auto& b = buf();
      if (!message_binary_ && !is_valid_utf8(b.message)) return ws_close_code::invalid_payload;
      in_message_ = false;
      std::string message = std::move(b.message);
      b.message.clear();  // a moved-from string is only "valid but unspecified"
      sink.on_ws_message(message_binary_, std::move(message));
      return 0;
    }
    case ws_opcode::ping:
      sink.on_ws_ping(buf().control);
      return 0;
    case ws_opcode::pong:
      sink.on_ws_pong(buf().control);
      return 0;
    case ws_opcode::close: {
      // Section 5.5.1: an empty body means no status; otherwise a 2-byte code comes first,
      // followed by an optional UTF-8 reason.
      std::uint16_t code = ws_close_code::no_status;
      std::string_view reason;
      const std::string& control = buf().control;
      if (control.size() == 1) return ws_close_code::protocol_error;
      if (control.size() >= 2) {
        code = static_cast<std::uint16_t>((static_cast<unsigned char>(control[0]) << 8) |
                                          static_cast<unsigned char>(control[1]));
        if (!is_valid_wire_close_code(code)) return ws_close_code::protocol_error;
        reason = std::string_view(control).substr(2);
        if (!is_valid_utf8(reason)) return ws_close_code::invalid_payload;
      }
      closed_ = true;
      sink.on_ws_close(code, reason);
      return 0;
    }
  }
  return ws_close_code::protocol_error;  // unreachable: start_frame admits only known opcodes
}

ws_frame_parser::result ws_frame_parser::parse(std::string_view input, ws_frame_sink& sink) {
  // After a close frame nothing more is processed (section 5.5.1); the input is swallowed so
  // a caller that keeps reading does not accumulate it.
  if (closed_) return {input.size(), 0};
  if (error_ != 0) return {0, error_};

  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  const std::size_t size = input.size();
  std::size_t pos = 0;
  auto fail = [&](std::uint16_t code) {
    error_ = code;
    return result{pos, code};
  };

  for (;;) {
    if (!in_frame_) {
      std::size_t header_size = 0;
      if (const auto error = start_frame(data + pos, size - pos, header_size); error != 0) {
        return fail(error);
      }
      if (header_size == 0) break;  // incomplete header: leave it for the next call
      pos += header_size;
    }

    if (frame_remaining_ != 0) {
      const std::size_t available = size - pos;
      if (available == 0) break;
      const std::size_t chunk =
          static_cast<std::size_t>(std::min<std::uint64_t>(frame_remaining_, available));
      std::string& target = is_control(frame_opcode_) ? buf().control : buf().message;
      const std::size_t old_size = target.size();
      target.resize(old_size + chunk);
      mask_offset_ = static_cast<std::uint8_t>(
          unmask_into(target.data() + old_size, input.data() + pos, chunk, mask_, mask_offset_));
      pos += chunk;
      frame_remaining_ -= chunk;
      if (frame_remaining_ != 0) break;  // input exhausted mid-payload
    }

    if (const auto error = finish_frame(sink); error != 0) return fail(error);
    if (closed_) break;
  }
  // Nothing unfinished: the buffers go until the next frame with a payload.
  if (!in_frame_ && !in_message_) buf_.reset();
  return {pos, 0};
}

}  // namespace socketio::detail
