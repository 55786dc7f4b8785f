// A minimal HTTP/1.1 response-head parser: the generator only needs the status, the body length
// and whether the server will close the connection. Chunked bodies are reported as such (neither
// server uses them for Engine.IO responses) so that the caller can fail loudly.
#pragma once

#include <cstddef>
#include <string_view>

namespace loadgen {

struct response_head {
  int status = 0;
  std::size_t content_length = 0;
  bool has_content_length = false;
  bool chunked = false;
  bool close = false;  // "Connection: close", or HTTP/1.0 without keep-alive
};

enum class head_result { complete, need_more, error };

// Parses the head at the start of `in`; on `complete`, `head_size` covers the blank line.
head_result parse_response_head(std::string_view in, response_head& head, std::size_t& head_size);

}  // namespace loadgen
