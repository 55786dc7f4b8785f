// A token bucket with no clock of its own: callers pass the time, so tests drive it with
// made-up time points and no sleeping. Used for the per-socket event limit, the per-session
// packet limit and the WebSocket ping limit (socketio::rate_limit).
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>

#include "socketio/options.hpp"

namespace socketio::detail {

class token_bucket {
 public:
  using clock = std::chrono::steady_clock;

  /// An unlimited bucket: try_take() always succeeds.
  token_bucket() = default;
  /// Starts full: a new peer may send a whole burst at once.
  token_bucket(const rate_limit& limit, clock::time_point now)
      : per_second_(limit.enabled() ? limit.per_second : 0),
        burst_(burst_of(limit)),
        tokens_(burst_),
        last_(now) {}

  bool limited() const { return per_second_ > 0; }

  /// Takes one token when there is one at `now`; false when the peer is over its rate.
  bool try_take(clock::time_point now) {
    if (!limited()) return true;
    refill(now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

  /// Tokens available at `now` (for tests).
  double available(clock::time_point now) {
    refill(now);
    return tokens_;
  }

  /// The burst a limit allows: its own, or one second's worth (at least one token).
  static double burst_of(const rate_limit& limit) {
    if (!limit.enabled()) return 0;
    return limit.burst > 0 ? limit.burst : std::max(1.0, limit.per_second);
  }

  /// Refuses limits no bucket can honour (a setup mistake, reported when the server is made).
  static void validate(const rate_limit& limit, const std::string& name) {
    if (!std::isfinite(limit.per_second) || !std::isfinite(limit.burst) || limit.per_second < 0 ||
        limit.burst < 0) {
      throw std::invalid_argument(name + ": per_second and burst must be finite and >= 0");
    }
    if (limit.enabled() && limit.burst != 0 && limit.burst < 1) {
      throw std::invalid_argument(name + ": a burst below 1 would refuse everything");
    }
  }

 private:
  void refill(clock::time_point now) {
    // Time never runs backwards on a steady clock; a caller's stale time point adds nothing.
    if (now <= last_) return;
    const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_).count();
    // Nanoseconds times the rate, then one division: whole milliseconds at whole rates come
    // out exact (100 ms at 10/s is exactly one token).
    tokens_ = std::min(burst_, tokens_ + static_cast<double>(elapsed) * per_second_ / 1e9);
    last_ = now;
  }

  double per_second_ = 0;
  double burst_ = 0;
  double tokens_ = 0;
  clock::time_point last_{};
};

}  // namespace socketio::detail
