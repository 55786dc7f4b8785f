// The sessions' shared timer: expiry order, cancel, re-arm, generations.
#include "engineio/detail/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <memory>
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

TEST(TimerWheel, DeadlinesOfOneStepExpireInOneWakeUpNeverEarly) {
  boost::asio::io_context io;
  auto wheel = std::make_shared<timer_wheel>(io.get_executor());
  recorder r;
  std::vector<std::unique_ptr<timer_wheel::entry>> entries;
  const auto start = timer_wheel::clock::now();
  const auto deadline = start + 30ms;
  for (unsigned i = 0; i < 100; ++i) {
    entries.push_back(std::make_unique<timer_wheel::entry>(r, i));
    wheel->arm(*entries.back(), deadline, 7);
  }
  timer_wheel::entry far(r, 1000);
  wheel->arm(far, start + 10s, 1);
  while (r.fired.empty() && timer_wheel::clock::now() - start < 5s)
    io.run_one_for(5s);
  // One handler fired all hundred, not before their deadline and at most a step late (with
  // slack for a loaded machine); `far` stays armed.
  const auto fired_at = timer_wheel::clock::now();
  EXPECT_EQ(r.fired.size(), 100u);
  EXPECT_GE(fired_at, deadline);
  EXPECT_LT(fired_at - deadline, timer_wheel::resolution + 2s);
  EXPECT_EQ(wheel->armed(), 1u);
  wheel->cancel(far);
  EXPECT_EQ(wheel->armed(), 0u);
}

TEST(TimerWheel, ADeadlineBeyondOneLapWaitsForItsOwnLap) {
  boost::asio::io_context io;
  auto wheel = std::make_shared<timer_wheel>(io.get_executor());
  recorder r;
  timer_wheel::entry soon(r, 1), lap(r, 2);
  const auto start = timer_wheel::clock::now();
  wheel->arm(soon, start + 20ms, 1);
  // 4,096 steps of 10 ms later lands in the same slot as `soon`: it must not fire with it.
  wheel->arm(lap, start + 20ms + 4096 * timer_wheel::resolution, 1);
  while (r.fired.empty() && timer_wheel::clock::now() - start < 5s)
    io.run_one_for(5s);
  EXPECT_EQ(r.fired, (std::vector<std::pair<unsigned, std::uint32_t>>{{1, 1}}));
  EXPECT_EQ(wheel->armed(), 1u);
  wheel->cancel(lap);
}

}  // namespace
