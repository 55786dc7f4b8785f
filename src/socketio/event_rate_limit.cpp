// The per-socket limit on incoming events (server_options::event_rate_limit): a token bucket
// per socket, checked before catch-all listeners, middleware and handlers see the event.
#include <chrono>

#include "common/detail/user_call.hpp"
#include "socketio/detail/core.hpp"

namespace socketio::detail {

void sio_socket::limit_events(const event_rate_limit_options& limit) {
  if (!limit.limit().enabled()) return;
  limiter_ = std::make_unique<event_limiter>();
  limiter_->bucket = token_bucket(limit.limit(), std::chrono::steady_clock::now());
  limiter_->action = limit.action;
}

bool sio_socket::admit_event(const json& data) {
  if (!limiter_ || limiter_->bucket.try_take(std::chrono::steady_clock::now())) return true;
  const std::uint64_t dropped = limiter_->dropped.fetch_add(1, std::memory_order_relaxed) + 1;
  const bool disconnect = limiter_->action == rate_limit_action::disconnect;
  if (!limiter_->reported && log().enabled(log_level::warning)) {
    // Once per socket: a flooding client must not flood the log as well. The event's name is
    // the client's text and stays out of it.
    limiter_->reported = true;
    log().log(log_level::warning, where(disconnect ? "event rate limit exceeded, disconnecting"
                                                   : "event rate limit exceeded, dropping events"));
  }
  // The same name dispatch_event would use.
  std::string event;
  if (data.is_array() && !data.empty()) {
    event = data.front().is_string() ? data.front().get<std::string>() : data.front().dump();
  }
  if (listeners_ && !listeners_->rate_limited.empty()) {
    // A copy: a handler may add another while it runs.
    const auto told = listeners_->rate_limited;
    for (const auto& h : told)
      user_call(
          log(), [&] { return where("rate limited handler"); }, h, event, dropped);
  }
  if (disconnect) close(disconnect_reason::rate_limit_exceeded, /*send_disconnect=*/true);
  return false;
}

}  // namespace socketio::detail
