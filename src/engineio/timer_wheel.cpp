#include "engineio/detail/timer_wheel.hpp"

#include <vector>

namespace socketio::detail {

namespace {
// Deadlines within this of the earliest expire in the same wake-up, so a deadline may pass up
// to this late. Heartbeats are spread evenly: 19,000 sessions pinging every second would
// otherwise wake the thread 19,000 times a second, once per ping, instead of about 100.
constexpr std::chrono::milliseconds coalesce{10};
}  // namespace

timer_wheel::timer_wheel(boost::asio::any_io_executor executor) : timer_(std::move(executor)) {}

timer_wheel::~timer_wheel() {
  // Clients hold the wheel, so none is armed now; unlink defensively all the same.
  std::lock_guard lock(mutex_);
  entries_.clear();
}

void timer_wheel::arm(entry& e, clock::time_point deadline, std::uint32_t generation) {
  std::lock_guard lock(mutex_);
  if (e.is_linked()) entries_.erase(entries_.iterator_to(e));
  e.deadline = deadline;
  e.generation = generation;
  entries_.insert(e);
  schedule_locked();
}

void timer_wheel::cancel(entry& e) {
  std::lock_guard lock(mutex_);
  // The Asio timer keeps waiting for the old earliest deadline; waking up to nothing due
  // costs less than re-arming on every cancel (a ping timer is cancelled on every pong).
  if (e.is_linked()) entries_.erase(entries_.iterator_to(e));
}

std::size_t timer_wheel::armed() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void timer_wheel::schedule_locked() {
  if (entries_.empty()) return;
  const auto when = entries_.begin()->deadline + coalesce;
  if (when >= waiting_until_) return;
  // Changing the expiry aborts the pending wait (its handler sees operation_aborted).
  waiting_until_ = when;
  timer_.expires_at(when);
  timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (const auto self = weak.lock()) self->on_timer();
  });
}

void timer_wheel::on_timer() {
  struct due {
    std::shared_ptr<void> keep;
    client* owner;
    unsigned tag;
    std::uint32_t generation;
  };
  std::vector<due> expired;
  {
    std::lock_guard lock(mutex_);
    waiting_until_ = clock::time_point::max();
    const auto now = clock::now();
    while (!entries_.empty() && entries_.begin()->deadline <= now) {
      entry& e = *entries_.begin();
      entries_.erase(entries_.begin());
      // A client whose destructor waits for this lock (to cancel) is skipped.
      if (auto keep = e.owner->wheel_keep_alive())
        expired.push_back({std::move(keep), e.owner, e.tag, e.generation});
    }
    schedule_locked();
  }
  for (const auto& d : expired)
    d.owner->on_wheel_expiry(d.tag, d.generation);
}

}  // namespace socketio::detail
