// A Socket.IO packet encoded once into Engine.IO messages (text first, then attachments),
// shared by every recipient of a broadcast.
#pragma once

#include <memory>
#include <vector>

#include "engineio/detail/message.hpp"
#include "socketio/detail/parser.hpp"

namespace socketio::detail {

struct wire_packet {
  /// The packet itself, for adapters that forward it to other nodes.
  sio_packet packet;
  /// Its Engine.IO messages: the text, then one binary message per attachment.
  std::vector<message_ptr> messages;
};
using wire_packet_ptr = std::shared_ptr<const wire_packet>;

inline wire_packet_ptr make_wire_packet(sio_packet p) {
  encoded_packet e = encode_packet(p);
  auto w = std::make_shared<wire_packet>();
  w->packet = std::move(p);
  w->messages.reserve(1 + e.attachments.size());
  w->messages.push_back(make_message(packet_type::message, false, std::move(e.text)));
  for (auto& a : e.attachments) {
    w->messages.push_back(make_message(packet_type::message, true, std::move(a)));
  }
  return w;
}

}  // namespace socketio::detail
