// libFuzzer target: client WebSocket frames, fed in chunks whose sizes the input chooses.
// Invariants: the parser never claims more than it was given, keeps at most a partial header
// between reads, and the split points do not matter: chunked input yields the same messages,
// control frames and close code as the whole input parsed at once.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engineio/detail/ws_frame.hpp"

namespace {

class recording_sink : public socketio::detail::ws_frame_sink {
 public:
  void on_ws_message(bool binary, std::string&& payload) override {
    events.push_back((binary ? "binary:" : "text:") + payload);
  }
  void on_ws_ping(std::string_view payload) override {
    events.push_back("ping:" + std::string(payload));
  }
  void on_ws_pong(std::string_view payload) override {
    events.push_back("pong:" + std::string(payload));
  }
  void on_ws_close(std::uint16_t code, std::string_view reason) override {
    events.push_back("close:" + std::to_string(code) + ":" + std::string(reason));
  }
  std::vector<std::string> events;
};

struct outcome {
  std::vector<std::string> events;
  std::uint16_t error = 0;
};

outcome parse_in_chunks(std::string_view input, std::size_t chunk) {
  socketio::detail::ws_frame_parser parser(4096);
  recording_sink sink;
  outcome out;
  std::string pending;
  for (std::size_t at = 0; at < input.size() && !parser.closed(); at += chunk) {
    pending.append(input.substr(at, chunk));
    const auto result = parser.parse(pending, sink);
    if (result.error != 0) {
      out.error = result.error;
      break;
    }
    if (result.consumed > pending.size()) __builtin_trap();
    pending.erase(0, result.consumed);
    // Until a close frame ends the stream, only a partial header may be left between reads.
    if (!parser.closed() && pending.size() > 14) __builtin_trap();
  }
  out.events = std::move(sink.events);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // The first byte picks the chunk size, so split headers and payloads get exercised.
  const std::size_t chunk = 1 + data[0] % 64;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const outcome chunked = parse_in_chunks(input, chunk);
  const outcome whole = parse_in_chunks(input, input.size() + 1);
  if (chunked.error != whole.error || chunked.events != whole.events) __builtin_trap();
  return 0;
}
