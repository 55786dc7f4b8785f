#include <cstdio>
#include <string>

#include "common/detail/logger.hpp"

namespace socketio::detail {

std::string_view to_string(log_level l) {
  switch (l) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warning:
      return "warning";
    case log_level::error:
      return "error";
    case log_level::off:
      break;
  }
  return "off";
}

void logger::log(log_level l, std::string_view message) const noexcept {
  if (!enabled(l)) return;
  try {
    if (sink_) {
      sink_(l, message);
      return;
    }
    // One fwrite per line: stdio locks the stream per call, so lines from several I/O threads
    // never interleave.
    std::string line = "socketio: ";
    line += to_string(l);
    line += ": ";
    line += message;
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
  } catch (...) {
    // A failing sink (or allocation) must not take a handler or the I/O thread down with it.
  }
}

const logger& logger::fallback() {
  static const logger instance;
  return instance;
}

}  // namespace socketio::detail
