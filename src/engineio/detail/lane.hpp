// A lane: one strand shared by many sessions. Everything a session owns runs on its lane, so
// code of one lane can reach any of the lane's sessions directly (a broadcast appends to their
// queues without an executor hop) and cork their output (cork.hpp). The endpoint spreads
// sessions over a few lanes, about one per I/O thread (docs/architecture.md).
#pragma once
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "engineio/detail/cork.hpp"

namespace socketio::detail {

using strand_type = boost::asio::strand<boost::asio::any_io_executor>;

class lane : public std::enable_shared_from_this<lane>, public corked_writer {
 public:
  explicit lane(const boost::asio::any_io_executor& executor)
      : strand_(boost::asio::make_strand(executor)) {}
  const strand_type& strand() const { return strand_; }
  /// True when the calling thread runs this lane's strand now.
  bool running_here() const { return strand_.running_in_this_thread(); }
  /// Runs `work` on this lane, under a cork. Work handed off while an earlier hand-off waits
  /// to run joins it: one strand post and one flush per session for all of it (a burst of
  /// broadcasts from another lane costs this lane one wake-up, not one per broadcast). Called
  /// under a cork (another lane handling a read), the post waits until that cork ends, so
  /// everything the read hands to this lane arrives as one batch. Safe from any thread.
  void hand_off(std::function<void()> work);

 private:
  void drain();
  void post_drain();
  // corked_writer: the cork a hand-off was made under has ended.
  void uncork() override { post_drain(); }

  strand_type strand_;
  std::mutex mutex_;
  std::vector<std::function<void()>> inbox_;  // guarded by mutex_
  bool drain_posted_ = false;  // guarded by mutex_; a drain is posted, or will be at an uncork
};

/// A fixed set of lanes handed out round robin.
class lane_pool {
 public:
  /// `count` 0: one lane per hardware thread.
  lane_pool(const boost::asio::any_io_executor& executor, std::size_t count);
  const std::shared_ptr<lane>& next();
  std::size_t size() const { return lanes_.size(); }

 private:
  std::vector<std::shared_ptr<lane>> lanes_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace socketio::detail
