// Where a Redis server is and how to log in: parsed from a redis:// or unix:// URL.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace socketio::detail {

/// A parsed Redis URL. Exactly one of `host` (TCP) and `unix_path` (unix domain socket) is set.
struct redis_url {
  std::string host;           ///< TCP host name or address (IPv6 without brackets); empty for unix
  std::uint16_t port = 6379;  ///< TCP port
  std::string unix_path;      ///< absolute socket path; empty for TCP
  std::string username;       ///< ACL user for AUTH; empty = the default user
  std::string password;       ///< empty = no AUTH
  int db = 0;                 ///< SELECT after connecting when not 0

  bool is_unix() const { return !unix_path.empty(); }

  /// For log lines: the address and db, never the password.
  std::string display() const;
};

/// Parses `redis://[[user]:password@]host[:port][/db]`, `unix:///path/to.sock` and
/// `redis+unix:///path/to.sock`. Both forms accept the query parameters `db`, `password` and
/// `user`; user and password are percent-decoded. Throws std::invalid_argument naming what is
/// wrong (a setup mistake, so an exception).
redis_url parse_redis_url(std::string_view text);

}  // namespace socketio::detail
