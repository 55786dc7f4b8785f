// libFuzzer target: Engine.IO polling payloads and single text packets, with a re-encoding
// check (every decoded packet must encode back to a segment that decodes to the same packet).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engineio/detail/packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socketio::detail;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const decoded_payload decoded = decode_payload(body);
  for (const auto& p : decoded.packets) {
    std::string again;
    append_polling_packet(again, p.type, p.binary, p.data);
    const auto round = decode_text_packet(again);
    if (!round || round->type != p.type || round->binary != p.binary || round->data != p.data) {
      __builtin_trap();
    }
  }
  return 0;
}
