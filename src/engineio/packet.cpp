#include "engineio/detail/packet.hpp"

#include "engineio/detail/base64.hpp"

namespace socketio::detail {

std::optional<packet> decode_text_packet(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const char kind = text.front();
  if (kind == 'b') {
    auto bytes = base64_decode(text.substr(1));
    if (!bytes) return std::nullopt;
    return packet{packet_type::message, true, std::move(*bytes)};
  }
  if (kind < '0' || kind > '6') return std::nullopt;
  return packet{static_cast<packet_type>(kind - '0'), false, std::string(text.substr(1))};
}

void append_polling_packet(std::string& out, packet_type type, bool binary, std::string_view data) {
  if (binary) {
    out.push_back('b');
    base64_append(out, data);
    return;
  }
  out.push_back(static_cast<char>('0' + static_cast<int>(type)));
  out.append(data);
}

decoded_payload decode_payload(std::string_view body) {
  decoded_payload result;
  // An empty body is one empty (invalid) packet, as in the reference parser.
  std::size_t start = 0;
  while (true) {
    const std::size_t end = body.find(payload_separator, start);
    const std::string_view segment =
        body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    auto decoded = decode_text_packet(segment);
    if (!decoded) {
      result.valid = false;
      return result;
    }
    result.packets.push_back(std::move(*decoded));
    if (end == std::string_view::npos) return result;
    start = end + 1;
  }
}

}  // namespace socketio::detail
