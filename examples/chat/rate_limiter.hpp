// A token bucket per socket: bursts up to `capacity` events, then `refill_per_second`.
#pragma once

#include <algorithm>
#include <chrono>

namespace chat {

class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  /// What the caller does with one event.
  enum class verdict {
    allow,      // within the rate
    slow_down,  // over it: drop the event and warn the client (first time in a row)
    drop,       // over it again: drop the event quietly
    kick,       // over it for too long: disconnect the client
  };

  rate_limiter(double capacity, double refill_per_second, int strikes_to_kick)
      : capacity_(capacity),
        refill_(refill_per_second),
        strikes_to_kick_(strikes_to_kick),
        tokens_(capacity),
        last_(clock::now()) {}

  verdict take(double cost = 1.0, clock::time_point now = clock::now()) {
    const std::chrono::duration<double> elapsed = now - last_;
    last_ = now;
    tokens_ = std::min(capacity_, tokens_ + elapsed.count() * refill_);
    if (tokens_ >= cost) {
      tokens_ -= cost;
      // An event within the rate forgives one earlier excess: a client that backs off
      // after the warning is not disconnected for it later.
      if (strikes_ > 0) --strikes_;
      return verdict::allow;
    }
    ++strikes_;
    if (strikes_ >= strikes_to_kick_) return verdict::kick;
    return strikes_ == 1 ? verdict::slow_down : verdict::drop;
  }

 private:
  double capacity_;
  double refill_;
  int strikes_to_kick_;
  double tokens_;
  int strikes_ = 0;
  clock::time_point last_;
};

}  // namespace chat
