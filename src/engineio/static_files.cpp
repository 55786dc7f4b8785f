#include "engineio/detail/static_files.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <utility>

namespace socketio::detail {

namespace {

namespace fs = std::filesystem;

bool is_get_or_head(std::string_view method) {
  return method == "GET" || method == "HEAD";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a URL path ('+' stays '+': it is a space only in queries). A malformed
// escape or a decoded NUL makes the path unservable.
std::optional<std::string> decode_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size()) return std::nullopt;
      const int hi = hex_value(path[i + 1]);
      const int lo = hex_value(path[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

// The relative file path a decoded URL path names, or nullopt when it must not be served:
// a `.` or `..` segment, a dot-file, or a backslash (a separator on other systems).
std::optional<fs::path> relative_path(std::string_view decoded) {
  fs::path rel;
  std::size_t start = 0;
  while (start <= decoded.size()) {
    auto end = decoded.find('/', start);
    if (end == std::string_view::npos) end = decoded.size();
    const auto segment = decoded.substr(start, end - start);
    if (!segment.empty()) {
      if (segment.front() == '.' || segment.find('\\') != std::string_view::npos) {
        return std::nullopt;
      }
      rel /= fs::path(std::string(segment));
    }
    start = end + 1;
  }
  return rel;
}

// True when `inner` (canonical) is `outer` (canonical) or below it.
bool is_within(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
    if (i == inner.end() || *i != *o) return false;
  }
  return true;
}

}  // namespace

http_reply not_found_reply() {
  http_reply r;
  r.status = 404;
  r.content_type = "text/plain";
  r.body = "Not Found";
  return r;
}

static_files::static_files(static_files_options options, std::shared_ptr<const logger> log)
    : options_(std::move(options)), log_(std::move(log)) {
  if (!options_.root.empty()) {
    std::error_code ec;
    root_ = fs::canonical(options_.root, ec);
    // A root that does not exist (yet) serves nothing; requests get 404.
    if (ec) root_.clear();
  }
}

std::string_view static_files::content_type(const fs::path& file) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 17> types{{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".wasm", "application/wasm"},
  }};
  const auto ext = file.extension().string();
  for (const auto& [e, type] : types) {
    if (ext.size() == e.size() && std::equal(ext.begin(), ext.end(), e.begin(), [](char a, char b) {
          return (a >= 'A' && a <= 'Z' ? static_cast<char>(a + 32) : a) == b;
        })) {
      return type;
    }
  }
  return "application/octet-stream";
}

std::optional<http_reply> static_files::mounted(std::string_view method,
                                                std::string_view path) const {
  if (!is_get_or_head(method)) return std::nullopt;
  for (const auto& [url, file] : options_.files) {
    if (url == path) return file_reply(method, file);
  }
  return std::nullopt;
}

std::optional<http_reply> static_files::under_root(std::string_view method,
                                                   std::string_view path) const {
  if (options_.root.empty()) return std::nullopt;
  if (root_.empty() || !is_get_or_head(method)) return not_found_reply();
  const auto decoded = decode_path(path);
  if (!decoded) return not_found_reply();
  const auto rel = relative_path(*decoded);
  if (!rel) return not_found_reply();
  std::error_code ec;
  auto file = fs::canonical(root_ / *rel, ec);
  // Symlinks are followed, but only to files inside the root.
  if (ec || !is_within(file, root_)) return not_found_reply();
  if (fs::is_directory(file, ec)) {
    file = fs::canonical(file / options_.index, ec);
    if (ec || !is_within(file, root_)) return not_found_reply();
  }
  return file_reply(method, file);
}

http_reply static_files::file_reply(std::string_view method, const fs::path& file) const {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return not_found_reply();
  const auto size = fs::file_size(file, ec);
  if (ec) return not_found_reply();
  if (size > options_.max_file_bytes) {
    log_->log(log_level::warning,
              "static file " + file.string() + " is larger than static_files.max_file_bytes");
    return not_found_reply();
  }
  http_reply r;
  r.content_type = std::string(content_type(file));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (!options_.cache_control.empty())
    r.headers.emplace_back("Cache-Control", options_.cache_control);
  if (method == "HEAD") {
    r.head_content_length = size;
    return r;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return not_found_reply();
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return not_found_reply();
  return r;
}

}  // namespace socketio::detail
