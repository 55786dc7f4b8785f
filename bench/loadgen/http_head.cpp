#include "http_head.hpp"

#include <cctype>
#include <charconv>

namespace loadgen {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

head_result parse_response_head(std::string_view in, response_head& head, std::size_t& head_size) {
  const auto end = in.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    // A head this long is not something either server sends.
    return in.size() > 16384 ? head_result::error : head_result::need_more;
  }
  head = response_head{};
  head_size = end + 4;
  std::string_view rest = in.substr(0, end + 2);
  const auto line_end = rest.find("\r\n");
  const std::string_view status_line = rest.substr(0, line_end);
  rest.remove_prefix(line_end + 2);
  // "HTTP/1.1 200 OK"
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") return head_result::error;
  const bool http10 = status_line.substr(5, 3) == "1.0";
  const auto code = status_line.substr(9, 3);
  if (std::from_chars(code.data(), code.data() + 3, head.status).ec != std::errc{}) {
    return head_result::error;
  }
  bool keep_alive = false;
  while (!rest.empty()) {
    const auto eol = rest.find("\r\n");
    const std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return head_result::error;
    const auto name = trim(line.substr(0, colon));
    const auto value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::size_t n = 0;
      if (std::from_chars(value.data(), value.data() + value.size(), n).ec != std::errc{}) {
        return head_result::error;
      }
      head.content_length = n;
      head.has_content_length = true;
    } else if (iequals(name, "transfer-encoding")) {
      head.chunked = icontains(value, "chunked");
    } else if (iequals(name, "connection")) {
      if (icontains(value, "close")) head.close = true;
      if (icontains(value, "keep-alive")) keep_alive = true;
    }
  }
  if (http10 && !keep_alive) head.close = true;
  return head_result::complete;
}

}  // namespace loadgen
