// The library's log: a level filter in front of the user's sink (or stderr).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "socketio/options.hpp"

namespace socketio::detail {

class logger {
 public:
  logger() = default;
  explicit logger(logger_options options) : level_(options.level), sink_(std::move(options.sink)) {}

  /// True when a message of this level would be delivered: check before building one.
  bool enabled(log_level l) const { return level_ != log_level::off && l >= level_; }

  /// Delivers the message if the level passes. Never throws.
  void log(log_level l, std::string_view message) const noexcept;

  /// A logger with the default options, for code that outlived its server.
  static const logger& fallback();

 private:
  log_level level_ = log_level::warning;
  std::function<void(log_level, std::string_view)> sink_;
};

std::string_view to_string(log_level l);

}  // namespace socketio::detail
