#include "engineio/detail/lane.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <thread>

#include "engineio/detail/cork.hpp"

namespace socketio::detail {

lane_pool::lane_pool(const boost::asio::any_io_executor& executor, std::size_t count) {
  if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
  lanes_.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    lanes_.push_back(std::make_shared<lane>(executor));
}

const std::shared_ptr<lane>& lane_pool::next() {
  return lanes_[next_.fetch_add(1, std::memory_order_relaxed) % lanes_.size()];
}

void lane::hand_off(std::function<void()> work) {
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    inbox_.push_back(std::move(work));
    first = !drain_posted_;
    drain_posted_ = true;
  }
  if (!first) return;
  if (cork_scope::any_active()) {
    cork_scope::defer(shared_from_this());
  } else {
    post_drain();
  }
}

void lane::post_drain() {
  boost::asio::post(strand_, [self = shared_from_this()] { self->drain(); });
}

void lane::drain() {
  const cork_scope cork(this);
  std::vector<std::function<void()>> work;
  {
    std::lock_guard lock(mutex_);
    work.swap(inbox_);
    drain_posted_ = false;
  }
  for (auto& w : work)
    w();
}

}  // namespace socketio::detail
