// RFC 6455 framing for the server side: client frames in (masked), server frames out
// (unmasked). Sans-IO: no sockets here, so it can be unit-tested and fuzzed on its own.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace socketio::detail {

enum class ws_opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// Close codes the server sends (RFC 6455 section 7.4.1).
namespace ws_close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t no_status = 1005;  // never sent; reported when a close has no code
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t too_big = 1009;
}  // namespace ws_close_code

/// Largest server frame header: 2 bytes + 8 bytes of extended length.
inline constexpr std::size_t ws_max_header_size = 10;

/// A server frame header (FIN set, unmasked) for a payload of `payload_size` bytes.
struct ws_frame_header {
  std::array<char, ws_max_header_size> bytes{};
  std::uint8_t size = 0;
  std::string_view view() const { return {bytes.data(), size}; }
};
ws_frame_header make_ws_frame_header(ws_opcode opcode, std::uint64_t payload_size);

/// A complete close frame; `code` 0 means a close frame with an empty body.
std::string make_ws_close_frame(std::uint16_t code);

/// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view text);

/// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 section 4.2.2).
std::string ws_accept_key(std::string_view client_key);

/// Receives what the parser finds, in wire order.
class ws_frame_sink {
 public:
  virtual ~ws_frame_sink() = default;
  /// A complete (reassembled) data message. Text messages are already UTF-8 validated.
  virtual void on_ws_message(bool binary, std::string&& payload) = 0;
  virtual void on_ws_ping(std::string_view payload) = 0;
  virtual void on_ws_pong(std::string_view payload) = 0;
  /// A close frame; `code` is ws_close_code::no_status when the frame had no body.
  virtual void on_ws_close(std::uint16_t code, std::string_view reason) = 0;
};

/// Incremental parser for client-to-server frames. Feed it whatever the socket delivered;
/// it unmasks payload bytes straight into the message being assembled, so the read buffer
/// only ever needs to hold a partial header (at most 14 bytes) between reads.
class ws_frame_parser {
 public:
  explicit ws_frame_parser(std::size_t max_message_size) : max_message_size_(max_message_size) {}

  struct result {
    std::size_t consumed = 0;  // bytes of the input used; the rest must be fed again later
    std::uint16_t error = 0;   // non-zero: the close code to fail the connection with
  };

  /// Parses `input`, calling `sink` for each complete event. Stops at the first error, after a
  /// close frame, or when only an incomplete header is left. A message larger than the limit
  /// is refused with 1009 as soon as its frame header announces it, before the payload is read.
  result parse(std::string_view input, ws_frame_sink& sink);

  /// True once a close frame has been parsed; later input is ignored.
  bool closed() const { return closed_; }

 private:
  // Validates and decodes the frame header at the start of `data`. Returns 0 and sets
  // `header_size` (0 when more bytes are needed), or returns the close code to fail with.
  std::uint16_t start_frame(const unsigned char* data, std::size_t size, std::size_t& header_size);
  // Called once the current frame's payload is complete; returns a close code or 0.
  std::uint16_t finish_frame(ws_frame_sink& sink);

  // Payload bytes of the message being assembled and of the current control frame. Only
  // while a frame or message is unfinished, or during one parse(): an idle connection's
  // parser holds no buffer (two strings were 64 of its 120 bytes).
  struct buffers {
    std::string message;
    std::string control;
  };
  buffers& buf() {
    if (!buf_) buf_ = std::make_unique<buffers>();
    return *buf_;
  }

  std::size_t max_message_size_;
  std::uint64_t frame_remaining_ = 0;  // current frame
  std::unique_ptr<buffers> buf_;
  std::array<std::uint8_t, 4> mask_{};
  std::uint8_t mask_offset_ = 0;
  ws_opcode frame_opcode_ = ws_opcode::continuation;
  bool in_frame_ = false;
  bool frame_fin_ = false;
  bool in_message_ = false;  // a data message is being assembled
  bool message_binary_ = false;
  bool closed_ = false;
  // Sticky: once a connection-failing error is found, every later call reports it again.
  std::uint16_t error_ = 0;
};

}  // namespace socketio::detail
