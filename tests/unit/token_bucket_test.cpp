// The token bucket behind every rate limit, driven by made-up time points (no sleeping).
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <stdexcept>

#include "common/detail/token_bucket.hpp"

namespace {

using socketio::rate_limit;
using socketio::detail::token_bucket;
using namespace std::chrono_literals;

const token_bucket::clock::time_point t0{std::chrono::seconds(1000)};

int take_all(token_bucket& b, token_bucket::clock::time_point now) {
  int taken = 0;
  while (b.try_take(now) && taken < 1'000'000)
    ++taken;
  return taken;
}

TEST(TokenBucket, StartsFullThenRefusesUntilTimePasses) {
  token_bucket b(rate_limit{.per_second = 10, .burst = 20}, t0);
  EXPECT_EQ(take_all(b, t0), 20);
  EXPECT_FALSE(b.try_take(t0));
  EXPECT_FALSE(b.try_take(t0 + 99ms));  // 0.99 of a token
  EXPECT_TRUE(b.try_take(t0 + 100ms));  // exactly one
  EXPECT_FALSE(b.try_take(t0 + 100ms));
}

TEST(TokenBucket, RefillsAtTheRateAndNeverBeyondTheBurst) {
  token_bucket b(rate_limit{.per_second = 10, .burst = 20}, t0);
  EXPECT_EQ(take_all(b, t0), 20);
  EXPECT_EQ(take_all(b, t0 + 1s), 10);
  // An hour of silence saves up one burst, not 36,000 tokens.
  EXPECT_EQ(take_all(b, t0 + 1h), 20);
}

TEST(TokenBucket, APeerAtTheRateIsNeverRefused) {
  token_bucket b(rate_limit{.per_second = 10, .burst = 1}, t0);
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(b.try_take(t0 + i * 100ms)) << "packet " << i;
  // Twice the rate: every other packet is refused.
  int refused = 0;
  const auto start = t0 + 1000 * 100ms;
  for (int i = 0; i < 100; ++i)
    refused += b.try_take(start + i * 50ms) ? 0 : 1;
  EXPECT_EQ(refused, 50);
}

TEST(TokenBucket, FractionalRates) {
  token_bucket b(rate_limit{.per_second = 0.5, .burst = 1}, t0);
  EXPECT_TRUE(b.try_take(t0));
  EXPECT_FALSE(b.try_take(t0 + 1999ms));
  EXPECT_TRUE(b.try_take(t0 + 2s));
}

TEST(TokenBucket, DefaultBurstIsOneSecondsWorthAndAtLeastOne) {
  EXPECT_EQ(token_bucket::burst_of(rate_limit{.per_second = 50}), 50);
  EXPECT_EQ(token_bucket::burst_of(rate_limit{.per_second = 0.25}), 1);
  EXPECT_EQ(token_bucket::burst_of(rate_limit{.per_second = 5, .burst = 7}), 7);
  token_bucket b(rate_limit{.per_second = 50}, t0);
  EXPECT_EQ(take_all(b, t0), 50);
}

TEST(TokenBucket, TimeGoingBackwardsAddsNothing) {
  token_bucket b(rate_limit{.per_second = 10, .burst = 2}, t0 + 1s);
  EXPECT_EQ(take_all(b, t0 + 1s), 2);
  EXPECT_FALSE(b.try_take(t0));
  EXPECT_FALSE(b.try_take(t0 + 1s));
  EXPECT_TRUE(b.try_take(t0 + 1100ms));
}

TEST(TokenBucket, OffMeansUnlimited) {
  token_bucket none;
  EXPECT_FALSE(none.limited());
  token_bucket off(rate_limit{}, t0);
  EXPECT_FALSE(off.limited());
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_TRUE(none.try_take(t0));
    ASSERT_TRUE(off.try_take(t0));
  }
}

TEST(TokenBucket, InvalidLimitsAreRefused) {
  EXPECT_NO_THROW(token_bucket::validate(rate_limit{}, "off"));
  EXPECT_NO_THROW(token_bucket::validate(rate_limit{.per_second = 1, .burst = 1}, "ok"));
  EXPECT_THROW(token_bucket::validate(rate_limit{.per_second = -1}, "x"), std::invalid_argument);
  EXPECT_THROW(token_bucket::validate(rate_limit{.per_second = 10, .burst = 0.5}, "x"),
               std::invalid_argument);
  EXPECT_THROW(token_bucket::validate(
                   rate_limit{.per_second = std::numeric_limits<double>::quiet_NaN()}, "x"),
               std::invalid_argument);
  EXPECT_THROW(
      token_bucket::validate(
          rate_limit{.per_second = 1, .burst = std::numeric_limits<double>::infinity()}, "x"),
      std::invalid_argument);
}

}  // namespace
