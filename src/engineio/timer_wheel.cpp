#include "engineio/detail/timer_wheel.hpp"

#include <algorithm>
#include <vector>

namespace socketio::detail {

timer_wheel::timer_wheel(boost::asio::any_io_executor executor)
    : origin_(clock::now()), timer_(std::move(executor)) {}

timer_wheel::~timer_wheel() {
  // Clients hold the wheel, so none is armed now; unlink defensively all the same.
  std::lock_guard lock(mutex_);
  for (auto& s : slots_)
    s.clear();
}

std::uint64_t timer_wheel::step_of(clock::time_point t) const {
  if (t <= origin_) return 0;
  const auto since = std::chrono::duration_cast<clock::duration>(t - origin_).count();
  const auto step = std::chrono::duration_cast<clock::duration>(resolution).count();
  return static_cast<std::uint64_t>((since + step - 1) / step);
}

timer_wheel::clock::time_point timer_wheel::time_of(std::uint64_t step) const {
  return origin_ + resolution * static_cast<std::int64_t>(step);
}

void timer_wheel::arm(entry& e, clock::time_point deadline, std::uint32_t generation) {
  std::lock_guard lock(mutex_);
  if (e.is_linked()) unlink_locked(e);
  // A step already expired would never be visited again: it goes in the next one.
  e.step = std::max(step_of(deadline), done_step_ + 1);
  e.generation = generation;
  const std::size_t index = e.step % slot_count;
  slots_[index].push_back(e);
  occupied_[index / 64] |= std::uint64_t{1} << (index % 64);
  ++armed_;
  schedule_locked(e.step);
}

void timer_wheel::cancel(entry& e) {
  std::lock_guard lock(mutex_);
  // The Asio timer keeps waiting; waking up to nothing due costs less than re-arming it on
  // every cancel (a ping timer is cancelled on every pong).
  if (e.is_linked()) unlink_locked(e);
}

void timer_wheel::unlink_locked(entry& e) {
  const std::size_t index = e.step % slot_count;
  auto& s = slots_[index];
  s.erase(s.iterator_to(e));
  if (s.empty()) occupied_[index / 64] &= ~(std::uint64_t{1} << (index % 64));
  --armed_;
}

std::size_t timer_wheel::armed() const {
  std::lock_guard lock(mutex_);
  return armed_;
}

bool timer_wheel::next_occupied_locked(std::uint64_t from, std::uint64_t& step) const {
  if (armed_ == 0) return false;
  // Scan the occupancy bits from the slot after `from`, one lap at most, a word at a time.
  for (std::uint64_t offset = 1; offset <= slot_count;) {
    const std::uint64_t candidate = from + offset;
    const std::size_t index = candidate % slot_count;
    const std::uint64_t word = occupied_[index / 64] >> (index % 64);
    if (word != 0) {
      step = candidate + static_cast<std::uint64_t>(__builtin_ctzll(word));
      return true;
    }
    offset += 64 - index % 64;
  }
  return false;
}

void timer_wheel::schedule_locked(std::uint64_t step) {
  if (step >= waiting_for_) return;
  // Changing the expiry aborts the pending wait (its handler sees operation_aborted).
  waiting_for_ = step;
  timer_.expires_at(time_of(step));
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
    waiting_for_ = UINT64_MAX;
    // The last step whose time has come (step_of rounds up, so a time between two steps
    // belongs to the later one, not yet due).
    const auto now = clock::now();
    std::uint64_t now_step = step_of(now);
    if (now_step > 0 && time_of(now_step) > now) --now_step;
    if (now_step > done_step_) {
      // The slots of every step from done_step_ + 1 to now_step; after a pause longer than a
      // lap, every slot once (entries are checked against their own step).
      std::uint64_t first = done_step_ + 1;
      if (now_step - done_step_ > slot_count) first = now_step - slot_count + 1;
      for (std::uint64_t st = first; st <= now_step; ++st) {
        const std::size_t index = st % slot_count;
        if ((occupied_[index / 64] & (std::uint64_t{1} << (index % 64))) == 0) continue;
        auto& s = slots_[index];
        for (auto it = s.begin(); it != s.end();) {
          entry& e = *it;
          if (e.step > now_step) {  // a later lap
            ++it;
            continue;
          }
          it = s.erase(it);
          --armed_;
          // A client whose destructor waits for this lock (to cancel) is skipped.
          if (auto keep = e.owner->wheel_keep_alive())
            expired.push_back({std::move(keep), e.owner, e.tag, e.generation});
        }
        if (s.empty()) occupied_[index / 64] &= ~(std::uint64_t{1} << (index % 64));
      }
      done_step_ = now_step;
    }
    std::uint64_t next = 0;
    if (next_occupied_locked(done_step_, next)) schedule_locked(next);
  }
  for (const auto& d : expired)
    d.owner->on_wheel_expiry(d.tag, d.generation);
}

}  // namespace socketio::detail
