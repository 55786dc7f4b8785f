// The sessions' shared timer: expiry order, cancel, re-arm, generations.
#include "engineio/detail/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <utility>
#include <vector>

namespace {

using socketio::detail::timer_wheel;
using namespace std::chrono_literals;

struct recorder final : timer_wheel::client {
  virtual ~recorder() = default;
  std::shared_ptr<int> alive = std::make_shared<int>(0);
  std::vector<std::pair<unsigned, std::uint32_t>> fired;
  std::shared_ptr<void> wheel_keep_alive() override { return alive; }
  void on_wheel_expiry(unsigned tag, std::uint32_t generation) override {
    fired.emplace_back(tag, generation);
  }
};

TEST(TimerWheel, ExpiresInDeadlineOrderAndSkipsCancelledEntries) {
  boost::asio::io_context io;
  auto wheel = std::make_shared<timer_wheel>(io.get_executor());
  recorder r;
  timer_wheel::entry a(r, 1), b(r, 2), c(r, 3);
  const auto now = timer_wheel::clock::now();
  wheel->arm(a, now + 30ms, 10);
  wheel->arm(b, now + 10ms, 20);
  wheel->arm(c, now + 20ms, 30);
  wheel->cancel(c);
  wheel->arm(b, now + 40ms, 21);  // re-armed later: only the new generation fires
  io.run_for(5s);                 // returns once nothing is armed
  EXPECT_EQ(r.fired, (std::vector<std::pair<unsigned, std::uint32_t>>{{1, 10}, {2, 21}}));
  EXPECT_EQ(wheel->armed(), 0u);
}

TEST(TimerWheel, AnEarlierDeadlineWakesTheWheelSooner) {
  boost::asio::io_context io;
  auto wheel = std::make_shared<timer_wheel>(io.get_executor());
  recorder r;
  timer_wheel::entry late(r, 1), early(r, 2);
  wheel->arm(late, timer_wheel::clock::now() + 10s, 1);
  wheel->arm(early, timer_wheel::clock::now() + 5ms, 1);
  const auto start = timer_wheel::clock::now();
  io.run_one_for(5s);  // the aborted wait for `late`
  while (r.fired.empty() && timer_wheel::clock::now() - start < 5s)
    io.run_one_for(5s);
  EXPECT_EQ(r.fired, (std::vector<std::pair<unsigned, std::uint32_t>>{{2, 1}}));
  EXPECT_LT(timer_wheel::clock::now() - start, 5s);
  wheel->cancel(late);
}

TEST(TimerWheel, DeadlinesCloseTogetherExpireInOneWakeUp) {
  boost::asio::io_context io;
  auto wheel = std::make_shared<timer_wheel>(io.get_executor());
  recorder r;
  timer_wheel::entry a(r, 1), b(r, 2), far(r, 3);
  const auto now = timer_wheel::clock::now();
  wheel->arm(a, now + 20ms, 1);
  wheel->arm(b, now + 23ms, 1);
  wheel->arm(far, now + 10s, 1);
  while (r.fired.empty() && timer_wheel::clock::now() - now < 5s)
    io.run_one_for(5s);
  // The handler that fired `a` also fired `b`: one wake-up for both; `far` stays armed.
  EXPECT_EQ(r.fired, (std::vector<std::pair<unsigned, std::uint32_t>>{{1, 1}, {2, 1}}));
  EXPECT_EQ(wheel->armed(), 1u);
  wheel->cancel(far);
}

}  // namespace
