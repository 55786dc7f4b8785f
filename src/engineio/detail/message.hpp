// An immutable outbound packet that any number of sessions can queue without copying.
#pragma once

#include <memory>
#include <string>

#include "engineio/detail/packet.hpp"
#include "engineio/detail/ws_frame.hpp"

namespace socketio::detail {

struct outbound_message {
  packet_type type = packet_type::message;
  bool binary = false;
  std::string data;
  /// The WebSocket frame header, the same for every recipient because server frames are not
  /// masked; a frame is then written as header + type digit (text only) + data.
  ws_frame_header ws_header;

  /// True for bytes already framed (the 101 response, control frames): written as they are.
  bool framed = false;
  /// Bytes this message occupies in a queue (for the queue's byte bound).
  std::size_t weight() const { return data.size() + 16; }
  /// Bytes it takes on a WebSocket.
  std::size_t ws_size() const {
    if (framed) return data.size();
    return ws_header.view().size() + (binary ? 0 : 1) + data.size();
  }
};

using message_ptr = std::shared_ptr<const outbound_message>;

inline message_ptr make_message(packet_type type, bool binary, std::string data) {
  auto m = std::make_shared<outbound_message>();
  m->type = type;
  m->binary = binary;
  m->data = std::move(data);
  m->ws_header = binary ? make_ws_frame_header(ws_opcode::binary, m->data.size())
                        : make_ws_frame_header(ws_opcode::text, m->data.size() + 1);
  return m;
}

/// Bytes to write on a WebSocket as they are.
inline message_ptr make_framed(std::string bytes) {
  auto m = std::make_shared<outbound_message>();
  m->framed = true;
  m->data = std::move(bytes);
  return m;
}

/// The one-character type prefix of a text frame, from static storage.
inline std::string_view type_digit(packet_type type) {
  static constexpr char digits[] = "0123456";
  return {digits + static_cast<int>(type), 1};
}

}  // namespace socketio::detail
