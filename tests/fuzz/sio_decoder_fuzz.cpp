// libFuzzer target: the Socket.IO decoder over a sequence of text and binary messages (split
// on 0x1E; a leading 'b' marks a binary message), then re-encoding of what it accepted.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "socketio/detail/parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socketio::detail;
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
    if (result == sio_decoder::result::packet) (void)encode_packet(packet);
    if (sep == std::string_view::npos) return 0;
    rest.remove_prefix(sep + 1);
  }
}
