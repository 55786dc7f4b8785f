// cork_scope: output deferred under a cork is flushed once, when the outermost scope of its
// lane ends; a scope of another lane inside it corks its own lane only (docs/architecture.md,
// "Lanes and corked output"). The lanes are real ones; nothing here runs their strands.
#include "engineio/detail/cork.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engineio/detail/lane.hpp"

namespace {

using socketio::detail::cork_scope;
using socketio::detail::corked_writer;
using socketio::detail::lane;

/// Counts its uncork() calls and runs `during` inside each (what a session's flush would do).
class writer final : public corked_writer {
 public:
  void uncork() override {
    ++uncorked;
    if (during) during();
  }
  int uncorked = 0;
  std::function<void()> during;
};

class Cork : public ::testing::Test {
 protected:
  boost::asio::io_context ioc;
  std::shared_ptr<lane> a = std::make_shared<lane>(ioc.get_executor());
  std::shared_ptr<lane> b = std::make_shared<lane>(ioc.get_executor());
};

TEST_F(Cork, NoScopeNoCork) {
  EXPECT_FALSE(cork_scope::active_for(a.get()));
  {
    const cork_scope cork(a.get());
    EXPECT_TRUE(cork_scope::active_for(a.get()));
    EXPECT_FALSE(cork_scope::active_for(b.get()));
  }
  EXPECT_FALSE(cork_scope::active_for(a.get()));
}

TEST_F(Cork, DeferredWriterUncorksOnceWhenTheOutermostScopeOfItsLaneEnds) {
  const auto w = std::make_shared<writer>();
  {
    const cork_scope outer(a.get());
    cork_scope::defer(w);
    {
      const cork_scope inner(a.get());
      EXPECT_TRUE(cork_scope::active_for(a.get()));
    }
    // The inner scope of the same lane is not the one that flushes.
    EXPECT_EQ(w->uncorked, 0);
    EXPECT_TRUE(cork_scope::active_for(a.get()));
  }
  EXPECT_EQ(w->uncorked, 1);
  EXPECT_FALSE(cork_scope::active_for(a.get()));
}

TEST_F(Cork, WriterDeferredInAnInnerScopeOfTheSameLaneWaitsForTheOuterEnd) {
  const auto w = std::make_shared<writer>();
  {
    const cork_scope outer(a.get());
    {
      const cork_scope inner(a.get());
      cork_scope::defer(w);
    }
    EXPECT_EQ(w->uncorked, 0);
  }
  EXPECT_EQ(w->uncorked, 1);
}

TEST_F(Cork, InnerScopeOfAnotherLaneFlushesItsOwnWritersAndRestoresTheOuterCork) {
  const auto wa = std::make_shared<writer>();
  const auto wb = std::make_shared<writer>();
  {
    const cork_scope outer(a.get());
    cork_scope::defer(wa);
    {
      // A strand of lane b run inline inside lane a's handling.
      const cork_scope inner(b.get());
      EXPECT_TRUE(cork_scope::active_for(b.get()));
      EXPECT_FALSE(cork_scope::active_for(a.get()));
      cork_scope::defer(wb);
    }
    EXPECT_EQ(wb->uncorked, 1);
    EXPECT_EQ(wa->uncorked, 0);
    EXPECT_TRUE(cork_scope::active_for(a.get()));
    EXPECT_FALSE(cork_scope::active_for(b.get()));
  }
  EXPECT_EQ(wa->uncorked, 1);
  EXPECT_EQ(wb->uncorked, 1);
  EXPECT_FALSE(cork_scope::active_for(a.get()));
}

TEST_F(Cork, WhileUncorkingTheEndingLaneIsNotCorked) {
  // A writer's flush may make another writer of the lane write (a failed write's close
  // handlers emitting): that one must write at once, not defer to a cork that is ending.
  const auto w = std::make_shared<writer>();
  std::vector<bool> seen;
  w->during = [&] { seen.push_back(cork_scope::active_for(a.get())); };
  {
    const cork_scope cork(a.get());
    cork_scope::defer(w);
  }
  EXPECT_EQ(seen, std::vector<bool>{false});
}

TEST_F(Cork, WhileAnInnerLaneUncorksTheOuterLaneIsCorkedAgain) {
  // lane b's writer flushes at the inner end; what it causes on lane a joins a's cork.
  const auto wa = std::make_shared<writer>();
  const auto wb = std::make_shared<writer>();
  std::vector<std::string> seen;
  wb->during = [&] {
    seen.push_back(std::string("a:") + (cork_scope::active_for(a.get()) ? "corked" : "open"));
    seen.push_back(std::string("b:") + (cork_scope::active_for(b.get()) ? "corked" : "open"));
    cork_scope::defer(wa);
  };
  {
    const cork_scope outer(a.get());
    {
      const cork_scope inner(b.get());
      cork_scope::defer(wb);
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"a:corked", "b:open"}));
    EXPECT_EQ(wa->uncorked, 0);
  }
  EXPECT_EQ(wa->uncorked, 1);
  EXPECT_EQ(wb->uncorked, 1);
}

TEST_F(Cork, EveryDeferredWriterUncorksOnceInDeferralOrder) {
  std::vector<int> order;
  std::vector<std::shared_ptr<writer>> writers;
  for (int i = 0; i < 5; ++i) {
    writers.push_back(std::make_shared<writer>());
    writers.back()->during = [&order, i] { order.push_back(i); };
  }
  {
    const cork_scope cork(a.get());
    for (const auto& w : writers)
      cork_scope::defer(w);
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  // A later scope does not see them again.
  { const cork_scope again(a.get()); }
  EXPECT_EQ(order.size(), 5u);
}

}  // namespace
