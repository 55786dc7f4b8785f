#include "redis/detail/redis_url.hpp"

#include "engineio/detail/url_query.hpp"

#include <sys/un.h>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace socketio::detail {

namespace {

// The URL may carry a password: the message names the problem, never the whole URL.
[[noreturn]] void fail(std::string_view why) {
  throw std::invalid_argument("invalid Redis URL: " + std::string(why));
}

int hex_value(char c) {
  return hex_digit_value(c);
}

std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size() || hex_value(in[i + 1]) < 0 || hex_value(in[i + 2]) < 0) {
      fail("bad percent escape in user, password or path");
    }
    out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
    i += 2;
  }
  return out;
}

template <class Int>
bool parse_number(std::string_view digits, Int& out) {
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return ec == std::errc{} && end == digits.data() + digits.size();
}

void set_db(std::string_view value, redis_url& url) {
  // Redis has 16 databases by default and a configurable count; only the sign is ours to check.
  if (!parse_number(value, url.db)) fail("db must be a non-negative integer");
}

void apply_query(std::string_view query, redis_url& url) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (name == "db") {
      set_db(value, url);
    } else if (name == "password") {
      url.password = percent_decode(value);
    } else if (name == "user") {
      url.username = percent_decode(value);
    } else {
      fail("unknown query parameter '" + std::string(name) + "' (known: db, password, user)");
    }
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

redis_url parse_unix(std::string_view rest) {
  redis_url url;
  const auto q = rest.find('?');
  const std::string_view path = rest.substr(0, q);
  if (path.empty() || path.front() != '/') {
    fail("a unix socket URL needs an absolute path: unix:///path/to.sock");
  }
  url.unix_path = percent_decode(path);
  // sun_path holds the path and its terminating NUL; a longer path cannot be connected to.
  if (url.unix_path.size() >= sizeof(sockaddr_un::sun_path)) fail("unix socket path too long");
  if (q != std::string_view::npos) apply_query(rest.substr(q + 1), url);
  return url;
}

redis_url parse_tcp(std::string_view rest) {
  redis_url url;
  const auto q = rest.find('?');
  std::string_view query = q == std::string_view::npos ? std::string_view{} : rest.substr(q + 1);
  rest = rest.substr(0, q);

  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  const std::string_view path =
      slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);

  // The password may contain '@' when not escaped; the host never does, so split at the last.
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      fail("user without password; write redis://:password@host or redis://user:password@host");
    }
    url.username = percent_decode(userinfo.substr(0, colon));
    url.password = percent_decode(userinfo.substr(colon + 1));
  }

  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) fail("unterminated '[' in IPv6 host");
    url.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') fail("unexpected text after ']'");
      port = after.substr(1);
      if (port.empty()) fail("empty port");
    }
  } else {
    const auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) fail("empty port");
    }
  }
  if (url.host.empty()) fail("missing host");
  if (!port.empty()) {
    unsigned value = 0;
    if (!parse_number(port, value) || value == 0 || value > 65535) {
      fail("port must be a number from 1 to 65535");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  if (!path.empty()) set_db(path, url);
  apply_query(query, url);
  return url;
}

}  // namespace

std::string redis_url::display() const {
  std::string out = is_unix()                             ? "unix:" + unix_path
                    : host.find(':') != std::string::npos ? "[" + host + "]:" + std::to_string(port)
                                                          : host + ":" + std::to_string(port);
  if (db != 0) out += " db " + std::to_string(db);
  return out;
}

redis_url parse_redis_url(std::string_view text) {
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) {
    fail("expected redis://host[:port][/db] or unix:///path/to.sock");
  }
  const std::string scheme = lower(text.substr(0, sep));
  const std::string_view rest = text.substr(sep + 3);
  if (scheme == "redis") return parse_tcp(rest);
  if (scheme == "unix" || scheme == "redis+unix") return parse_unix(rest);
  if (scheme == "rediss") fail("TLS (rediss://) is not supported");
  fail("unknown scheme '" + scheme + "' (expected redis, unix or redis+unix)");
}

}  // namespace socketio::detail
