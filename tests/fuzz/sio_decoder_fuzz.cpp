// libFuzzer target: the Socket.IO decoder over a sequence of text and binary messages (split
// on 0x1E; a leading 'b' marks a binary message), then a round trip of what it accepted: the
// packet's encoding (text and attachments) decodes to a packet that encodes the same again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "socketio/detail/parser.hpp"

namespace {

using namespace socketio::detail;

void check_round_trip(const sio_packet& packet) {
  const encoded_packet encoded = encode_packet(packet);
  sio_decoder decoder;
  sio_packet again;
  auto result = decoder.feed_text(encoded.text, again);
  for (const auto& attachment : encoded.attachments) {
    if (result != sio_decoder::result::need_more) __builtin_trap();
    result = decoder.feed_binary(attachment, again);
  }
  if (result != sio_decoder::result::packet) __builtin_trap();
  const encoded_packet twice = encode_packet(again);
  if (twice.text != encoded.text || twice.attachments != encoded.attachments) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  sio_decoder decoder;
  while (true) {
    const auto sep = rest.find('\x1e');
    const std::string_view message = rest.substr(0, sep);
    sio_packet packet;
    const bool binary = !message.empty() && message.front() == 'b';
    const auto result = binary ? decoder.feed_binary(message.substr(1), packet)
                               : decoder.feed_text(message, packet);
    if (result == sio_decoder::result::error) return 0;  // the connection would close
    if (result == sio_decoder::result::packet) check_round_trip(packet);
    if (sep == std::string_view::npos) return 0;
    rest.remove_prefix(sep + 1);
  }
}
