#include "engineio/detail/drain.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <cmath>

#include "common/detail/user_call.hpp"
#include "engineio/detail/endpoint.hpp"
#include "engineio/detail/http_listener.hpp"
#include "engineio/detail/session.hpp"

namespace socketio::detail {

namespace {

// Ticks close whatever the rate allowed since the last one: at least 10 ms apart (a fast rate
// closes several per tick), at most 1 s (a slow one skips ticks with nothing due).
std::chrono::steady_clock::duration tick_interval(double rate) {
  const auto wanted = std::chrono::duration<double>(1.0 / rate);
  const auto clamped =
      std::clamp(wanted, std::chrono::duration<double>(0.010), std::chrono::duration<double>(1.0));
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(clamped);
}

// With nothing left to ask (closing sessions linger until their close is delivered), look
// again this often for a session a handshake admitted just before the drain began.
constexpr std::chrono::seconds recheck{1};

}  // namespace

drain_run::drain_run(const std::shared_ptr<endpoint>& ep, drain_options options,
                     close_function close_one, std::function<void()> done)
    : endpoint_(ep),
      options_(options),
      close_one_(std::move(close_one)),
      done_(std::move(done)),
      strand_(ep->executor()),
      tick_timer_(strand_),
      settle_timer_(strand_),
      deadline_timer_(strand_) {}

std::function<void()> drain_run::closing_listener(std::shared_ptr<http_listener> listener,
                                                  const drain_options& options,
                                                  std::function<void()> done) {
  if (!listener) return done;
  if (!options.keep_listening) {
    listener->close();
    return done;
  }
  return [listener = std::move(listener), done = std::move(done)] {
    listener->close();
    if (done) done();
  };
}

std::future<void> drain_run::start() {
  auto future = finished_.get_future();
  const auto ep = endpoint_.lock();
  if (!ep) {
    boost::asio::post(strand_, [self = shared_from_this()] { self->finish(); });
    return future;
  }
  ep->admission().start_draining();
  // Admission refuses every handshake from here on, so the table only shrinks (but for a
  // handshake admitted just before: refill() finds it, and finish_when_empty waits for it).
  finish_when_empty();
  boost::asio::post(strand_, [self = shared_from_this()] {
    if (self->options_.deadline.count() > 0) {
      self->deadline_timer_.expires_after(self->options_.deadline);
      self->deadline_timer_.async_wait([self](boost::system::error_code ec) {
        if (!ec) self->close_rest();
      });
    }
    if (self->options_.sessions_per_second <= 0) {
      self->close_rest();
      return;
    }
    self->last_tick_ = std::chrono::steady_clock::now();
    self->refill();
    self->tick();
  });
  return future;
}

bool drain_run::refill() {
  const auto ep = endpoint_.lock();
  if (!ep) return false;
  for (auto& s : ep->sessions()) {
    if (asked_.count(s->id()) == 0) pending_.push_back(s);
  }
  return !pending_.empty();
}

void drain_run::tick() {
  if (complete_) return;
  const auto now = std::chrono::steady_clock::now();
  const double rate = options_.sessions_per_second;
  // At most one second's worth at once: a pause (nothing pending) does not save up a burst.
  quota_ = std::min(quota_ + rate * std::chrono::duration<double>(now - last_tick_).count(),
                    std::max(1.0, rate));
  last_tick_ = now;
  while (quota_ >= 1.0 && (!pending_.empty() || refill())) {
    const auto s = pending_.back().lock();
    pending_.pop_back();
    if (!s || !asked_.insert(s->id()).second) continue;
    quota_ -= 1.0;
    close_one_(s, false);
  }
  tick_timer_.expires_after(
      pending_.empty() && !refill()
          ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(recheck)
          : tick_interval(rate));
  tick_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->tick();
  });
}

void drain_run::close_rest() {
  if (complete_) return;
  tick_timer_.cancel();
  pending_.clear();
  const auto ep = endpoint_.lock();
  if (!ep) return;
  const auto rest = ep->sessions();
  if (!rest.empty()) {
    ep->log().log(log_level::info,
                  "drain: closing the last " + std::to_string(rest.size()) + " sessions at once");
  }
  // At once: a polling session asked earlier may still be waiting for its client's GET.
  for (const auto& s : rest)
    close_one_(s, true);
}

void drain_run::finish_when_empty() {
  const auto ep = endpoint_.lock();
  if (!ep) {
    boost::asio::post(strand_, [self = shared_from_this()] { self->finish(); });
    return;
  }
  ep->when_empty([self = shared_from_this()] {
    boost::asio::post(self->strand_, [self] {
      const auto now_ep = self->endpoint_.lock();
      // The table is empty, but a handshake admitted just before the drain began may still be
      // on its way into it (its slot is counted): look again shortly.
      if (now_ep && now_ep->admission().stats().sessions != 0 && !self->complete_) {
        self->settle_timer_.expires_after(std::chrono::milliseconds(10));
        self->settle_timer_.async_wait([self](boost::system::error_code ec) {
          if (!ec) self->finish_when_empty();
        });
        return;
      }
      self->finish();
    });
  });
}

void drain_run::finish() {
  if (complete_) return;
  complete_ = true;
  tick_timer_.cancel();
  deadline_timer_.cancel();
  pending_.clear();
  if (done_) {
    const auto log = endpoint::log_of(endpoint_);
    user_call(*log, "drain completion handler", done_);
  }
  finished_.set_value();
}

}  // namespace socketio::detail
