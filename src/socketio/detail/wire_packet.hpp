// A Socket.IO packet encoded once into Engine.IO messages (text first, then attachments),
// shared by every recipient of a broadcast: the library's side of socketio::outgoing_packet.
#pragma once

#include <memory>
#include <vector>

#include "engineio/detail/message.hpp"
#include "socketio/detail/parser.hpp"
#include "socketio/detail/reserved_names.hpp"
#include "socketio/packet.hpp"
#include "socketio/types.hpp"

namespace socketio {

struct outgoing_packet::encoded {
  /// The packet itself, for adapters that forward it to other nodes.
  packet source;
  /// Its Engine.IO messages: the text, then one binary message per attachment.
  std::vector<detail::message_ptr> messages;
};

namespace detail {

using wire_packet = outgoing_packet::encoded;
using wire_packet_ptr = std::shared_ptr<const wire_packet>;

inline wire_packet_ptr make_wire_packet(sio_packet p) {
  encoded_packet e = encode_packet(p);
  auto w = std::make_shared<wire_packet>();
  w->source = std::move(p);
  w->messages.reserve(1 + e.attachments.size());
  w->messages.push_back(make_message(packet_type::message, false, std::move(e.text)));
  for (auto& a : e.attachments) {
    w->messages.push_back(make_message(packet_type::message, true, std::move(a)));
  }
  return w;
}

/// The one way to build an EVENT packet `[event, values...]`: refuses reserved names
/// (std::invalid_argument) before anything is queued.
inline sio_packet make_event_packet(std::string nsp, std::string_view event, args values,
                                    std::optional<std::uint64_t> ack_id = {}) {
  check_event_name(event);
  sio_packet p;
  p.type = sio_packet_type::event;
  p.nsp = std::move(nsp);
  p.id = ack_id;
  p.data = json::array();
  p.data.get_ref<json::array_t&>().reserve(values.size() + 1);
  p.data.push_back(std::string(event));
  for (auto& v : values)
    p.data.push_back(std::move(v));
  return p;
}

}  // namespace detail
}  // namespace socketio
