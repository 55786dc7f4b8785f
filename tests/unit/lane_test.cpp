// lane::hand_off on a real io_context: hand-offs made while an earlier one waits join it (one
// strand post, run under the lane's cork), and hand-offs from several threads each run once.
// lane_pool hands lanes out round robin.
#include "engineio/detail/lane.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engineio/detail/cork.hpp"

namespace {

using socketio::detail::cork_scope;
using socketio::detail::lane;
using socketio::detail::lane_pool;
using strings = std::vector<std::string>;

TEST(Lane, HandOffsMadeBeforeTheDrainRunsInOrderInOneDrainUnderTheCork) {
  boost::asio::io_context ioc;
  const auto l = std::make_shared<lane>(ioc.get_executor());
  strings log;
  auto item = [&](int i) {
    return [&log, &l, i] {
      log.push_back(std::to_string(i) + (cork_scope::active_for(l.get()) ? " corked" : " open"));
    };
  };
  l->hand_off(item(1));
  // Posted after the first hand-off's drain and before the others: if each hand-off were a
  // strand post of its own, this would run between item 1 and item 2.
  boost::asio::post(l->strand(), [&log] { log.push_back("strand marker"); });
  boost::asio::post(ioc, [&log] { log.push_back("io_context marker"); });
  for (int i = 2; i <= 5; ++i)
    l->hand_off(item(i));
  EXPECT_TRUE(log.empty());

  ioc.run();
  // All five in the first drain; the markers (whichever the strand lets run first) after.
  ASSERT_EQ(log.size(), 7u);
  EXPECT_EQ(strings(log.begin(), log.begin() + 5),
            (strings{"1 corked", "2 corked", "3 corked", "4 corked", "5 corked"}));
  EXPECT_EQ(std::set<std::string>(log.begin() + 5, log.end()),
            (std::set<std::string>{"strand marker", "io_context marker"}));
}

TEST(Lane, WorkHandedOffDuringADrainRunsInALaterOne) {
  boost::asio::io_context ioc;
  const auto l = std::make_shared<lane>(ioc.get_executor());
  strings log;
  l->hand_off([&] {
    log.push_back("first");
    l->hand_off([&] { log.push_back("from inside"); });
  });
  boost::asio::post(l->strand(), [&log] { log.push_back("marker"); });
  ioc.run();
  // The inner hand-off is not lost, and does not run inside the drain that is iterating.
  EXPECT_EQ(log, (strings{"first", "marker", "from inside"}));
}

TEST(Lane, HandOffsFromTwoThreadsEachRunOnceAndInTheirThreadsOrder) {
  constexpr int per_thread = 20000;
  boost::asio::io_context ioc;
  auto guard = boost::asio::make_work_guard(ioc);
  const auto l = std::make_shared<lane>(ioc.get_executor());
  // Touched only by work on the lane's strand (its handlers never run concurrently).
  std::vector<int> runs(2 * per_thread, 0);
  std::vector<int> last_seen{-1, -1};
  int out_of_order = 0;
  int not_corked = 0;
  int done = 0;
  std::promise<void> all_ran;

  std::vector<std::thread> io_threads;
  for (int i = 0; i < 2; ++i)
    io_threads.emplace_back([&ioc] { ioc.run(); });

  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < per_thread; ++i) {
        l->hand_off([&, p, i] {
          ++runs[static_cast<std::size_t>(p * per_thread + i)];
          if (last_seen[static_cast<std::size_t>(p)] != i - 1) ++out_of_order;
          last_seen[static_cast<std::size_t>(p)] = i;
          if (!cork_scope::active_for(l.get())) ++not_corked;
          if (++done == 2 * per_thread) all_ran.set_value();
        });
      }
    });
  }
  for (auto& t : producers)
    t.join();
  const auto status = all_ran.get_future().wait_for(std::chrono::seconds(30));
  guard.reset();
  for (auto& t : io_threads)
    t.join();
  ASSERT_EQ(status, std::future_status::ready) << "only " << done << " items ran";

  EXPECT_EQ(std::count(runs.begin(), runs.end(), 1), 2 * per_thread);
  EXPECT_EQ(out_of_order, 0);
  EXPECT_EQ(not_corked, 0);
}

TEST(LanePool, HandsOutItsLanesRoundRobin) {
  boost::asio::io_context ioc;
  lane_pool pool(ioc.get_executor(), 3);
  ASSERT_EQ(pool.size(), 3u);
  std::vector<const lane*> first;
  for (int i = 0; i < 3; ++i)
    first.push_back(pool.next().get());
  EXPECT_EQ(std::set<const lane*>(first.begin(), first.end()).size(), 3u);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(pool.next().get(), first[static_cast<std::size_t>(i % 3)]);
}

TEST(LanePool, ZeroMeansOneLanePerHardwareThread) {
  boost::asio::io_context ioc;
  const lane_pool pool(ioc.get_executor(), 0);
  EXPECT_EQ(pool.size(), std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace
