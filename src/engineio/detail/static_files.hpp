// Answers GET/HEAD requests with files from disk (server_options::static_files), for paths the
// Socket.IO endpoint does not own, and for a few exact paths before it.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "common/detail/logger.hpp"
#include "engineio/detail/http_exchange.hpp"
#include "socketio/options.hpp"

namespace socketio::detail {

class static_files {
 public:
  static_files(static_files_options options, std::shared_ptr<const logger> log);

  /// A file mounted at exactly this path (checked before the Socket.IO path): a reply, or
  /// nullopt when no mount matches. Only GET and HEAD match.
  std::optional<http_reply> mounted(std::string_view method, std::string_view path) const;
  /// A file under the root for a path no endpoint serves: a reply (404 included), or nullopt
  /// when there is no root.
  std::optional<http_reply> under_root(std::string_view method, std::string_view path) const;

  /// The Content-Type sent for a file name (by extension).
  static std::string_view content_type(const std::filesystem::path& file);

 private:
  http_reply file_reply(std::string_view method, const std::filesystem::path& file) const;

  static_files_options options_;
  std::filesystem::path root_;  // canonical; empty when there is none
  std::shared_ptr<const logger> log_;
};

/// The 404 every unserved path gets.
http_reply not_found_reply();

}  // namespace socketio::detail
