// Client side of RFC 6455 framing: the generator masks what it sends (section 5.3 requires it
// of clients) and parses the server's unmasked frames. Only what a Socket.IO client needs:
// text, binary, continuation, close, ping and pong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace loadgen {

enum class ws_op : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// Appends one complete masked frame (FIN set) carrying `prefix` then `body` to `out`. The two
// parts save the caller a concatenation: Engine.IO's type byte goes in `prefix`.
void append_client_frame(std::string& out, ws_op op, std::string_view prefix, std::string_view body,
                         std::uint32_t mask_key);

struct server_frame {
  ws_op op = ws_op::text;
  bool fin = true;
  std::string_view payload;  // points into the parsed input
};

enum class parse_result { frame, need_more, error };

// Parses the frame at the start of `in`. On `frame`, `consumed` is its total size. On `error`,
// `why` says what was wrong (a masked server frame, reserved bits, an oversized length).
parse_result parse_server_frame(std::string_view in, server_frame& frame, std::size_t& consumed,
                                std::string& why);

}  // namespace loadgen
