// Admission control without sockets: token buckets, the bounded per-address table, the session
// cap, refusal kinds and the once-per-episode log, all on an injected clock.
#include "engineio/detail/admission.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/detail/logger.hpp"

namespace {

using socketio::admission_options;
using socketio::detail::address_buckets;
using socketio::detail::address_key;
using socketio::detail::admission_clock;
using socketio::detail::admission_control;
using socketio::detail::compact_token_bucket;
using socketio::detail::refusal_kind;
using namespace std::chrono_literals;

// An arbitrary, non-zero start: nothing may assume the clock starts at its epoch.
const admission_clock::time_point t0 = admission_clock::time_point(1000h);

TEST(TokenBucket, StartsFullTakesBurstThenRefillsAtRate) {
  compact_token_bucket b(3, t0);
  EXPECT_TRUE(b.take(2, 3, t0));
  EXPECT_TRUE(b.take(2, 3, t0));
  EXPECT_TRUE(b.take(2, 3, t0));
  EXPECT_FALSE(b.take(2, 3, t0));
  EXPECT_EQ(b.wait(2, 3, t0), 500ms);  // 2 tokens per second
  EXPECT_FALSE(b.take(2, 3, t0 + 499ms));
  EXPECT_TRUE(b.take(2, 3, t0 + 500ms));
  EXPECT_FALSE(b.full(2, 3, t0 + 500ms));
  // Refill stops at the capacity: a long pause saves up no more than the burst.
  EXPECT_TRUE(b.full(2, 3, t0 + 1h));
  int taken = 0;
  while (b.take(2, 3, t0 + 1h))
    ++taken;
  EXPECT_EQ(taken, 3);
}

TEST(TokenBucket, AClockThatStepsBackDoesNotMintTokens) {
  compact_token_bucket b(1, t0);
  EXPECT_TRUE(b.take(1, 1, t0));
  EXPECT_FALSE(b.take(1, 1, t0 - 10s));
  EXPECT_FALSE(b.take(1, 1, t0 + 999ms));
  EXPECT_TRUE(b.take(1, 1, t0 + 1s));
}

TEST(AddressBuckets, EachAddressHasItsOwnBucket) {
  address_buckets table(1, 2, 100);
  EXPECT_FALSE(table.take("10.0.0.1", t0));
  EXPECT_FALSE(table.take("10.0.0.1", t0));
  const auto wait = table.take("10.0.0.1", t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 1s);
  // Another address is unaffected.
  EXPECT_FALSE(table.take("10.0.0.2", t0));
  EXPECT_EQ(table.size(), 2u);
  EXPECT_FALSE(table.take("10.0.0.1", t0 + 1s));
}

TEST(AddressBuckets, IdleAddressesAreForgotten) {
  address_buckets table(1, 1, 100);
  for (int i = 0; i < 50; ++i)
    EXPECT_FALSE(table.take("10.0.0." + std::to_string(i), t0));
  EXPECT_EQ(table.size(), 50u);
  // A second later every bucket has refilled: the next new address sweeps them all out.
  EXPECT_FALSE(table.take("10.0.1.1", t0 + 1s));
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.evicted_early(), 0u);
}

TEST(AddressBuckets, TheTableNeverPassesItsBound) {
  address_buckets table(1, 1, 8);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(table.take("10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256),
                            t0 + std::chrono::milliseconds(i)));
    EXPECT_LE(table.size(), 8u);
  }
  // Every address was still active (less than 1 s old) when it was pushed out.
  EXPECT_GT(table.evicted_early(), 900u);
}

TEST(AddressBuckets, RecentlySeenAddressesSurviveEviction) {
  address_buckets table(0.001, 1, 3);
  EXPECT_FALSE(table.take("a", t0));
  EXPECT_FALSE(table.take("b", t0));
  EXPECT_FALSE(table.take("c", t0));
  // "a" is seen again (refused: its bucket is empty), so "b" is now the least recently seen.
  EXPECT_TRUE(table.take("a", t0 + 1ms));
  EXPECT_FALSE(table.take("d", t0 + 2ms));  // pushes "b" out
  EXPECT_TRUE(table.take("a", t0 + 3ms));   // still remembered: still empty
  EXPECT_TRUE(table.take("c", t0 + 3ms));
  EXPECT_FALSE(table.take("b", t0 + 4ms));  // forgotten: a fresh bucket
}

TEST(AddressKey, Ipv4AsIsMappedIpv4UnwrappedIpv6ByPrefix) {
  EXPECT_EQ(address_key("127.0.0.2"), "127.0.0.2");
  EXPECT_EQ(address_key("::ffff:127.0.0.2"), "127.0.0.2");
  EXPECT_EQ(address_key("2001:db8:1:2:aaaa::1"), address_key("2001:db8:1:2:bbbb::9"));
  EXPECT_NE(address_key("2001:db8:1:2::1"), address_key("2001:db8:1:3::1"));
  EXPECT_EQ(address_key("2001:db8:1:2::1"), "2001:0db8:0001:0002::/64");
  EXPECT_EQ(address_key("not an address"), "not an address");
}

struct clock_and_log {
  admission_clock::time_point now = t0;
  std::vector<std::string> lines;
  std::shared_ptr<const socketio::detail::logger> log() {
    socketio::logger_options o;
    o.level = socketio::log_level::debug;
    o.sink = [this](socketio::log_level, std::string_view m) { lines.emplace_back(m); };
    return std::make_shared<const socketio::detail::logger>(o);
  }
  admission_control::clock_function clock() {
    return [this] { return now; };
  }
};

TEST(AdmissionControl, DefaultsAdmitEverything) {
  clock_and_log env;
  admission_control a(admission_options{}, env.log(), env.clock());
  for (int i = 0; i < 10000; ++i)
    EXPECT_FALSE(a.admit("127.0.0.1"));
  EXPECT_EQ(a.stats().sessions, 10000u);
  EXPECT_TRUE(env.lines.empty());
}

TEST(AdmissionControl, SessionCapRefusesWith503UntilASlotIsReleased) {
  clock_and_log env;
  admission_options o;
  o.max_sessions = 2;
  o.retry_after = 7s;
  admission_control a(o, env.log(), env.clock());
  EXPECT_FALSE(a.admit("127.0.0.1"));
  EXPECT_FALSE(a.admit("127.0.0.1"));
  const auto refusal = a.admit("127.0.0.1");
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->kind, refusal_kind::full);
  EXPECT_EQ(refusal->status, 503u);
  EXPECT_EQ(refusal->message, "Server is full");
  EXPECT_EQ(refusal->retry_after, 7s);
  a.release_session();
  EXPECT_FALSE(a.admit("127.0.0.1"));
  EXPECT_EQ(a.stats().sessions, 2u);
  EXPECT_EQ(a.stats().refused_full, 1u);
}

TEST(AdmissionControl, GlobalRateRefusesWith503AndSpendsNoSlot) {
  clock_and_log env;
  admission_options o;
  o.handshakes_per_second = 10;  // burst: one second's worth
  admission_control a(o, env.log(), env.clock());
  for (int i = 0; i < 10; ++i)
    EXPECT_FALSE(a.admit("127.0.0." + std::to_string(i)));
  const auto refusal = a.admit("127.0.0.99");
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->kind, refusal_kind::rate);
  EXPECT_EQ(refusal->status, 503u);
  EXPECT_EQ(refusal->retry_after, 1s);  // the 100 ms wait, rounded up to whole seconds
  EXPECT_EQ(a.stats().sessions, 10u);
  env.now += 100ms;
  EXPECT_FALSE(a.admit("127.0.0.99"));
  EXPECT_TRUE(a.admit("127.0.0.99"));
  EXPECT_EQ(a.stats().refused_rate, 2u);
}

TEST(AdmissionControl, PerAddressRateRefusesWith429WithoutSpendingTheGlobalBudget) {
  clock_and_log env;
  admission_options o;
  o.handshakes_per_second = 3;
  o.handshakes_per_second_per_address = 1;
  o.handshake_burst_per_address = 1;
  admission_control a(o, env.log(), env.clock());
  EXPECT_FALSE(a.admit("127.0.0.2"));
  for (int i = 0; i < 100; ++i) {
    const auto refusal = a.admit("127.0.0.2");
    ASSERT_TRUE(refusal);
    EXPECT_EQ(refusal->kind, refusal_kind::address_rate);
    EXPECT_EQ(refusal->status, 429u);
    EXPECT_EQ(refusal->retry_after, 1s);
  }
  // The flood from 127.0.0.2 left two global tokens for everyone else.
  EXPECT_FALSE(a.admit("127.0.0.3"));
  EXPECT_FALSE(a.admit("127.0.0.4"));
  EXPECT_EQ(a.admit("127.0.0.5")->kind, refusal_kind::rate);
  const auto s = a.stats();
  EXPECT_EQ(s.refused_address_rate, 100u);
  EXPECT_EQ(s.refused_rate, 1u);
  EXPECT_EQ(s.sessions, 3u);
  EXPECT_EQ(s.tracked_addresses, 4u);
}

TEST(AdmissionControl, DrainingRefusesEverythingWith503) {
  clock_and_log env;
  admission_options o;
  o.retry_after = 3s;
  admission_control a(o, env.log(), env.clock());
  EXPECT_FALSE(a.admit("127.0.0.1"));
  a.start_draining();
  const auto refusal = a.admit("127.0.0.1");
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->kind, refusal_kind::draining);
  EXPECT_EQ(refusal->status, 503u);
  EXPECT_EQ(refusal->message, "Server is draining");
  EXPECT_EQ(refusal->retry_after, 3s);
  EXPECT_TRUE(a.stats().draining);
  EXPECT_EQ(a.stats().refused_draining, 1u);
}

TEST(AdmissionControl, LogsOncePerEpisodeNotPerRefusal) {
  clock_and_log env;
  admission_options o;
  o.max_sessions = 1;
  admission_control a(o, env.log(), env.clock());
  EXPECT_FALSE(a.admit("127.0.0.1"));
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(a.admit("127.0.0.1"));
    env.now += 9ms;  // refusals 9 ms apart: one episode of 9 s
  }
  ASSERT_EQ(env.lines.size(), 1u);
  EXPECT_NE(env.lines[0].find("max_sessions (1)"), std::string::npos);
  // 10 s without a refusal ends the episode; the next refusal starts another.
  env.now += 10s;
  EXPECT_TRUE(a.admit("127.0.0.1"));
  EXPECT_EQ(env.lines.size(), 2u);
  // Another kind has episodes of its own.
  a.refused_by_policy();
  EXPECT_EQ(env.lines.size(), 3u);
  EXPECT_EQ(a.stats().refused_full, 1001u);
  EXPECT_EQ(a.stats().refused_policy, 1u);
}

}  // namespace
