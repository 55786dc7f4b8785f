// libFuzzer target: client WebSocket frames, fed in chunks whose sizes the input chooses.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engineio/detail/ws_frame.hpp"

namespace {

class counting_sink : public socketio::detail::ws_frame_sink {
 public:
  void on_ws_message(bool, std::string&& payload) override { bytes += payload.size(); }
  void on_ws_ping(std::string_view payload) override { bytes += payload.size(); }
  void on_ws_pong(std::string_view payload) override { bytes += payload.size(); }
  void on_ws_close(std::uint16_t, std::string_view reason) override { bytes += reason.size(); }
  std::size_t bytes = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // The first byte picks the chunk size, so split headers and payloads get exercised.
  const std::size_t chunk = 1 + data[0] % 64;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  socketio::detail::ws_frame_parser parser(4096);
  counting_sink sink;
  std::string pending;
  for (std::size_t at = 0; at < input.size() && !parser.closed(); at += chunk) {
    pending.append(input.substr(at, chunk));
    const auto result = parser.parse(pending, sink);
    if (result.error != 0) break;
    if (result.consumed > pending.size()) __builtin_trap();
    pending.erase(0, result.consumed);
    // Until a close frame ends the stream, only a partial header may be left between reads.
    if (!parser.closed() && pending.size() > 14) __builtin_trap();
  }
  return 0;
}
