// Engine.IO v4 packets and the long-polling payload format (docs/PROTOCOL.md 1.2, 1.3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace socketio::detail {

enum class packet_type : std::uint8_t {
  open = 0,
  close = 1,
  ping = 2,
  pong = 3,
  message = 4,
  upgrade = 5,
  noop = 6,
};

/// A decoded inbound packet. `binary` is only ever true for `message`.
struct packet {
  packet_type type = packet_type::noop;
  bool binary = false;
  std::string data;
};

/// Decodes one text-encoded packet: a WebSocket text frame or one polling segment.
/// `b<base64>` is a binary message. Returns nullopt for an empty string, an unknown type
/// character or bad base64 (the session then closes with "parse error").
std::optional<packet> decode_text_packet(std::string_view text);

/// Appends the polling encoding of one packet: the type digit and the data, or `b` and the
/// padded base64 of the data for a binary message.
void append_polling_packet(std::string& out, packet_type type, bool binary, std::string_view data);

/// Splits a polling POST body on 0x1E and decodes each packet in order. Stops at the first
/// invalid packet; `valid` is then false and `packets` holds those decoded before it
/// (the reference dispatches them, then closes with "parse error").
struct decoded_payload {
  std::vector<packet> packets;
  bool valid = true;
};
decoded_payload decode_payload(std::string_view body);

inline constexpr char payload_separator = '\x1e';

}  // namespace socketio::detail
