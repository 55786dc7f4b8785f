// Calls into user code (handlers, middleware, predicates, ack callbacks) from the library.
// An exception from user code must never unwind through the library into io_context::run():
// it is caught here, reported through the logger with what was being called, and the
// server carries on (DESIGN.md, Errors).
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "common/detail/logger.hpp"

namespace socketio::detail {

/// Reports a user callback's exception at level error: "<what> threw: <exception text>".
/// `what` names the callback (kind, event, socket id, namespace), never its arguments.
inline void report_user_exception(const logger& log, std::string_view what,
                                  std::string_view detail) noexcept {
  if (!log.enabled(log_level::error)) return;
  try {
    std::string message(what);
    message += " threw: ";
    message += detail;
    log.log(log_level::error, message);
  } catch (...) {
  }
}

/// The description of a callback: a string, or a callable that builds one on demand.
template <class Describe>
std::string describe(Describe&& what) {
  if constexpr (std::is_invocable_v<Describe>) {
    return std::string(std::invoke(std::forward<Describe>(what)));
  } else {
    return std::string(std::forward<Describe>(what));
  }
}

/// Calls `f(args...)`. Returns its result (or true for a void callback) when it returned, and
/// nullopt (or false) when it threw; the exception is reported and not rethrown. `what` is a
/// string, or a callable that builds it (so nothing is formatted unless something threw).
template <class Describe, class F, class... Args>
auto user_call(const logger& log, Describe&& what, F&& f, Args&&... args) noexcept {
  using result = std::invoke_result_t<F, Args...>;
  auto fail = [&](std::string_view detail) noexcept {
    try {
      report_user_exception(log, describe(std::forward<Describe>(what)), detail);
    } catch (...) {
    }
  };
  try {
    if constexpr (std::is_void_v<result>) {
      std::invoke(std::forward<F>(f), std::forward<Args>(args)...);
      return true;
    } else {
      return std::optional<result>(std::invoke(std::forward<F>(f), std::forward<Args>(args)...));
    }
  } catch (const std::exception& e) {
    fail(e.what());
  } catch (...) {
    fail("an exception not derived from std::exception");
  }
  if constexpr (std::is_void_v<result>) {
    return false;
  } else {
    return std::optional<result>();
  }
}

}  // namespace socketio::detail
