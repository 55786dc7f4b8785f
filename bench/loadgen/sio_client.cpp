#include "sio_client.hpp"

#include <charconv>

namespace loadgen {

std::uint64_t sio_client::emit_with_ack(std::string_view array) {
  const std::uint64_t id = next_ack_++;
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, id).ptr;
  std::string packet;
  packet.reserve(1 + static_cast<std::size_t>(end - digits) + array.size());
  packet.push_back('2');
  packet.append(digits, end);
  packet.append(array);
  send_sio(packet);
  return id;
}

void sio_client::mark_closed(std::string_view why) {
  if (closed_) return;
  closed_ = true;
  connected_ = false;
  close_reason_ = std::string(why);
  sink_.on_closed(*this, why);
}

void sio_client::on_engine_packet(std::string_view packet) {
  if (packet.empty()) return mark_closed("empty Engine.IO packet");
  switch (packet[0]) {
    case '0':
      return on_open();
    case '2':
      ++pings_;
      return send_pong();
    case '4':
      return on_sio_packet(packet.substr(1));
    case '6':  // noop (a polling session being upgraded elsewhere; not expected)
      return;
    case '1':
      return mark_closed("Engine.IO close from the server");
    default:
      return mark_closed("unexpected Engine.IO packet " + std::string(packet.substr(0, 16)));
  }
}

void sio_client::on_sio_packet(std::string_view packet) {
  if (packet.empty()) return mark_closed("empty Socket.IO packet");
  switch (packet[0]) {
    case '2': {
      const auto body = packet.substr(1);
      if (!body.empty() && body[0] == '[') return sink_.on_event(*this, body);
      return mark_closed("event with an ack id from the server: " +
                         std::string(packet.substr(0, 32)));
    }
    case '3': {
      std::uint64_t id = 0;
      const auto* first = packet.data() + 1;
      const auto* last = packet.data() + packet.size();
      const auto [ptr, ec] = std::from_chars(first, last, id);
      if (ec != std::errc{} || ptr == first) return mark_closed("ack without id");
      return sink_.on_ack(*this, id, std::string_view(ptr, static_cast<std::size_t>(last - ptr)));
    }
    case '0':
      if (connected_) return;
      connected_ = true;
      return sink_.on_connected(*this);
    case '1':
      return mark_closed("Socket.IO disconnect from the server");
    case '4':
      return mark_closed("connect_error " + std::string(packet.substr(1, 100)));
    default:
      return mark_closed("unexpected Socket.IO packet " + std::string(packet.substr(0, 16)));
  }
}

}  // namespace loadgen
