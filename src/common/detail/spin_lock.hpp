// A one-byte lock for data that is held only for a copy and touched rarely (a socket's
// `data`): std::mutex is 40 bytes in every socket for a lock that is almost never contended.
// A waiter sleeps on the flag (C++20 atomic wait) instead of spinning.
#pragma once

#include <atomic>

namespace socketio::detail {

class spin_lock {
 public:
  void lock() noexcept {
    while (flag_.test_and_set(std::memory_order_acquire))
      flag_.wait(true, std::memory_order_relaxed);
  }
  void unlock() noexcept {
    flag_.clear(std::memory_order_release);
    flag_.notify_one();
  }

 private:
  std::atomic_flag flag_;  // clear on construction (C++20)
};

}  // namespace socketio::detail
