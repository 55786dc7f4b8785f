// Deadlines of many sessions on one Asio timer. Every idle session has its ping timer armed,
// and a steady_timer of its own cost ~600 bytes per session (the timer, its executor copy on
// the heap, and the pending wait's operation with another executor copy). Here a session
// only embeds an intrusive entry (~40 bytes, no allocation); one timer per endpoint waits for
// the earliest deadline.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/set.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

namespace socketio::detail {

class timer_wheel : public std::enable_shared_from_this<timer_wheel> {
 public:
  using clock = std::chrono::steady_clock;

  /// What owns entries. Both calls come from the wheel's executor, never from inside arm()
  /// or cancel().
  class client {
   public:
    /// A reference that keeps the client alive while its expiry runs, or null when it is
    /// already being destroyed. Called with the wheel's lock held: must not call the wheel.
    virtual std::shared_ptr<void> wheel_keep_alive() = 0;
    /// `e`'s deadline passed while it was armed with `generation`. Without the lock; the
    /// client may have re-armed or cancelled the entry meanwhile (compare the generation).
    virtual void on_wheel_expiry(unsigned tag, std::uint32_t generation) = 0;

   protected:
    ~client() = default;
  };

  struct entry : boost::intrusive::set_base_hook<boost::intrusive::optimize_size<true>> {
    entry(client& c, unsigned t) : owner(&c), tag(t) {}
    clock::time_point deadline{};
    client* owner;
    std::uint32_t generation = 0;
    unsigned tag;
  };

  explicit timer_wheel(boost::asio::any_io_executor executor);
  ~timer_wheel();
  timer_wheel(const timer_wheel&) = delete;
  timer_wheel& operator=(const timer_wheel&) = delete;

  /// (Re)arms `e` to expire at `deadline`, tagged with `generation`. From any thread.
  void arm(entry& e, clock::time_point deadline, std::uint32_t generation);
  /// Disarms `e` if armed. From any thread; call it before `e` is destroyed.
  void cancel(entry& e);
  std::size_t armed() const;

 private:
  struct by_deadline {
    bool operator()(const entry& a, const entry& b) const { return a.deadline < b.deadline; }
  };
  using entry_set = boost::intrusive::multiset<entry, boost::intrusive::compare<by_deadline>>;

  /// Makes the Asio timer wait for the earliest deadline, if it does not already (lock held).
  void schedule_locked();
  void on_timer();

  mutable std::mutex mutex_;
  entry_set entries_;                                           // guarded by mutex_
  boost::asio::steady_timer timer_;                             // guarded by mutex_
  clock::time_point waiting_until_ = clock::time_point::max();  // guarded by mutex_
};

}  // namespace socketio::detail
