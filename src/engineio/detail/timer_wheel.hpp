// Deadlines of many sessions on one Asio timer, in a hashed timing wheel. Every idle session has
// its ping timer armed, and a steady_timer of its own costs ~600 bytes per session (the timer,
// its executor copy on the heap, and the pending wait's operation with another executor copy).
// Here a session only embeds intrusive entries (no allocation); one timer per endpoint waits
// for the next slot that holds one.
//
// Why a wheel and not a sorted tree: every pong re-arms a deadline, and with thousands of
// sessions a tree's insert and erase touch ~log2(n) nodes, each in another session's memory
// and usually not in cache (measured: a fifth of the CPU per ping at 5,000 sessions). A wheel
// slot is a list: arming touches the slot head and one neighbour.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

namespace socketio::detail {

class timer_wheel : public std::enable_shared_from_this<timer_wheel> {
 public:
  using clock = std::chrono::steady_clock;
  /// Deadlines are rounded up to the next multiple of this (counted from the wheel's
  /// creation): a deadline passes at most this late, and all deadlines of one step expire in
  /// one wake-up.
  static constexpr std::chrono::milliseconds resolution{10};

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

  struct entry : boost::intrusive::list_base_hook<> {
    entry(client& c, unsigned t) : owner(&c), tag(t) {}
    std::uint64_t step = 0;  // the resolution step it expires at
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
  // 4,096 steps of 10 ms: 41 s, more than any engine deadline (ping interval + timeout, the
  // upgrade timeout, the close linger); a later deadline waits in its slot for later laps.
  static constexpr std::size_t slot_count = 4096;
  using slot = boost::intrusive::list<entry, boost::intrusive::constant_time_size<false>>;

  std::uint64_t step_of(clock::time_point t) const;  // rounded up
  clock::time_point time_of(std::uint64_t step) const;
  void unlink_locked(entry& e);
  /// The first step after `from` whose slot is not empty (at most one lap on), if any.
  bool next_occupied_locked(std::uint64_t from, std::uint64_t& step) const;
  /// Makes the Asio timer wait for `step` unless it already waits for an earlier one.
  void schedule_locked(std::uint64_t step);
  void on_timer();

  const clock::time_point origin_;
  mutable std::mutex mutex_;
  std::array<slot, slot_count> slots_;                     // guarded by mutex_
  std::array<std::uint64_t, slot_count / 64> occupied_{};  // guarded by mutex_
  std::size_t armed_ = 0;                                  // guarded by mutex_
  std::uint64_t done_step_ = 0;             // every step up to this one has been expired; mutex_
  boost::asio::steady_timer timer_;         // guarded by mutex_
  std::uint64_t waiting_for_ = UINT64_MAX;  // guarded by mutex_
};

}  // namespace socketio::detail
