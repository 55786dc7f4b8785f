// Unit tests for the I/O-free Engine.IO session state machine (docs/PROTOCOL.md 1.6 - 1.11).
// A fake session_host records every call in order; a fake clock keeps the armed timers with
// absolute deadlines and fires them from advance(). No sleeps, no real time.
#include "engineio/detail/session_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engineio/detail/message.hpp"
#include "engineio/detail/packet.hpp"

namespace {

using socketio::disconnect_reason;
using socketio::detail::make_message;
using socketio::detail::message_ptr;
using socketio::detail::packet;
using socketio::detail::packet_type;
using socketio::detail::session_host;
using socketio::detail::session_limits;
using socketio::detail::session_state;
using socketio::detail::timer_kind;
using socketio::detail::transport_type;

using ms = std::chrono::milliseconds;
using phase = session_state::phase;
using upgrade_phase = session_state::upgrade_phase;

const char* kind_name(timer_kind kind) {
  switch (kind) {
    case timer_kind::ping_interval:
      return "ping_interval";
    case timer_kind::ping_timeout:
      return "ping_timeout";
    case timer_kind::upgrade_timeout:
      return "upgrade_timeout";
    case timer_kind::close_linger:
      return "close_linger";
  }
  return "?";
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0F]);
  }
  return out;
}

// How a message is shown in the log: type digit + data for text, "bin:<hex>" for binary. This
// rendering is independent of the polling encoder so a write batch is checked on its own terms.
std::string describe(packet_type type, bool binary, std::string_view data) {
  if (binary) return "bin:" + hex(data);
  std::string out(1, static_cast<char>('0' + static_cast<int>(type)));
  out.append(data);
  return out;
}

/// Polling body: packets joined by 0x1E (avoids "\x1e4..." hex-escape pitfalls in literals).
std::string payload(std::initializer_list<std::string_view> parts) {
  std::string out;
  bool first = true;
  for (const auto part : parts) {
    if (!first) out.push_back('\x1e');
    first = false;
    out.append(part);
  }
  return out;
}

class fake_host final : public session_host {
 public:
  struct timer {
    timer_kind kind;
    ms deadline;
    std::uint64_t seq;
  };
  struct event {
    ms at;
    std::string what;
  };

  session_state* state = nullptr;

  // --- fake clock -------------------------------------------------------------------------
  ms now{0};

  /// Moves time forward by `by`, firing every timer that falls due, in deadline order (ties in
  /// arming order). A fired timer may arm others; those fire too if they fall within `by`.
  void advance(ms by) {
    const ms target = now + by;
    while (true) {
      auto due = timers_.end();
      for (auto it = timers_.begin(); it != timers_.end(); ++it) {
        if (it->deadline > target) continue;
        if (due == timers_.end() || it->deadline < due->deadline ||
            (it->deadline == due->deadline && it->seq < due->seq)) {
          due = it;
        }
      }
      if (due == timers_.end()) break;
      const timer_kind kind = due->kind;
      now = due->deadline;
      timers_.erase(due);
      record(std::string("fire ") + kind_name(kind));
      state->on_timer(kind);
    }
    now = target;
  }
  void advance(int by) { advance(ms(by)); }
  void advance_to(int at) { advance(ms(at) - now); }

  /// Absolute deadline of an armed timer, or nullopt when it is not armed.
  std::optional<ms> deadline(timer_kind kind) const {
    for (const auto& t : timers_) {
      if (t.kind == kind) return t.deadline;
    }
    return std::nullopt;
  }
  std::vector<std::string> armed() const {
    std::vector<timer> sorted = timers_;
    std::sort(sorted.begin(), sorted.end(),
              [](const timer& a, const timer& b) { return a.deadline < b.deadline; });
    std::vector<std::string> out;
    for (const auto& t : sorted)
      out.push_back(std::string(kind_name(t.kind)) + "@" + std::to_string(t.deadline.count()));
    return out;
  }

  // --- transport model (mirrors what session.cpp does) -------------------------------------
  bool get_parked = false;       // a GET is waiting for respond_poll()
  bool write_in_flight = false;  // write_websocket() handed over, completion not yet reported
  bool websocket_current = false;
  bool probe_open = false;
  // A cork (the host handles a read): defer_flush() holds every flush back until the test
  // calls flush_deferred(), as session::uncork does.
  bool corked = false;
  int deferred_flushes = 0;
  // write_websocket() writes everything synchronously (the socket took it all at once).
  bool writes_complete_at_once = false;
  // Runs after each deliver() (an application handler answering, say).
  std::function<void(const packet&)> on_deliver;

  // --- what was recorded -------------------------------------------------------------------
  std::vector<event> events;
  std::vector<std::string> responses;
  std::vector<std::vector<message_ptr>> batches;
  std::vector<packet> delivered;
  std::vector<std::string> closed_reasons;

  std::vector<std::string> log() const {
    std::vector<std::string> out;
    for (const auto& e : events)
      out.push_back(e.what);
    return out;
  }
  /// The log with each entry prefixed by its time, e.g. "300 respond 2".
  std::vector<std::string> timed_log() const {
    std::vector<std::string> out;
    for (const auto& e : events)
      out.push_back(std::to_string(e.at.count()) + " " + e.what);
    return out;
  }
  /// The log without timer bookkeeping (arm, cancel, fire): only what reaches the outside.
  std::vector<std::string> io_log() const {
    std::vector<std::string> out;
    for (const auto& e : events) {
      if (e.what.rfind("arm ", 0) == 0 || e.what.rfind("cancel ", 0) == 0 ||
          e.what.rfind("fire ", 0) == 0) {
        continue;
      }
      out.push_back(e.what);
    }
    return out;
  }
  void clear_log() { events.clear(); }

  // --- session_host ------------------------------------------------------------------------
  void arm_timer(timer_kind kind, std::chrono::milliseconds after) override {
    record(std::string("arm ") + kind_name(kind) + " " + std::to_string(after.count()));
    remove(kind);
    timers_.push_back(timer{kind, now + after, next_seq_++});
  }
  void cancel_timer(timer_kind kind) override {
    record(std::string("cancel ") + kind_name(kind));
    remove(kind);
  }
  void respond_poll(std::string body) override {
    if (!get_parked) ADD_FAILURE() << "respond_poll(\"" << body << "\") with no GET waiting";
    get_parked = false;
    record("respond " + body);
    responses.push_back(std::move(body));
  }
  bool defer_flush() override {
    if (!corked) return false;
    ++deferred_flushes;
    return true;
  }
  bool write_websocket(std::span<const message_ptr> batch) override {
    if (!websocket_current) ADD_FAILURE() << "write_websocket() with no current WebSocket";
    if (write_in_flight) ADD_FAILURE() << "write_websocket() while a write is in flight";
    write_in_flight = !writes_complete_at_once;
    std::string what = "write [";
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (i != 0) what += ", ";
      what += describe(batch[i]->type, batch[i]->binary, batch[i]->data);
    }
    what += "]";
    record(std::move(what));
    batches.emplace_back(batch.begin(), batch.end());
    // Otherwise it completes when the test says so (written()).
    return writes_complete_at_once;
  }
  void answer_probe() override {
    if (!probe_open) ADD_FAILURE() << "answer_probe() with no probe";
    record("answer_probe");
  }
  void promote_probe() override {
    if (!probe_open) ADD_FAILURE() << "promote_probe() with no probe";
    probe_open = false;
    websocket_current = true;
    record("promote_probe");
  }
  void drop_probe() override {
    probe_open = false;
    record("drop_probe");
  }
  void close_websocket() override {
    websocket_current = false;
    record("close_websocket");
  }
  void deliver(packet&& p) override {
    record("deliver " + describe(p.type, p.binary, p.data));
    delivered.push_back(std::move(p));
    if (on_deliver) on_deliver(delivered.back());
  }
  void closed(disconnect_reason reason) override {
    record("closed " + std::string(to_string(reason)));
    closed_reasons.emplace_back(to_string(reason));
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::time_point(now);
  }

 private:
  void record(std::string what) { events.push_back(event{now, std::move(what)}); }
  void remove(timer_kind kind) {
    timers_.erase(std::remove_if(timers_.begin(), timers_.end(),
                                 [kind](const timer& t) { return t.kind == kind; }),
                  timers_.end());
  }

  std::vector<timer> timers_;
  std::uint64_t next_seq_ = 0;
};

session_limits test_limits() {
  session_limits limits;
  limits.ping_interval = ms(300);
  limits.ping_timeout = ms(200);
  limits.upgrade_timeout = ms(10000);
  return limits;
}

message_ptr text(std::string data) {
  return make_message(packet_type::message, false, std::move(data));
}
message_ptr binary(std::string data) {
  return make_message(packet_type::message, true, std::move(data));
}
packet pkt(packet_type type, std::string data = {}) {
  return packet{type, false, std::move(data)};
}

class SessionState : public ::testing::Test {
 protected:
  void make(transport_type initial, session_limits limits = test_limits()) {
    state_ = std::make_unique<session_state>(host, initial, limits);
    host.state = state_.get();
    host.websocket_current = initial == transport_type::websocket;
  }
  void make_polling(session_limits limits = test_limits()) {
    make(transport_type::polling, limits);
  }
  void make_websocket(session_limits limits = test_limits()) {
    make(transport_type::websocket, limits);
  }
  session_state& state() { return *state_; }

  /// A polling GET arrives. Mirrors session::poll_get: the host tracks the parked GET, an
  /// overlapping GET is refused by the caller (400) and never parked.
  bool get() {
    if (host.get_parked) return state_->on_poll_get();
    host.get_parked = true;
    const bool ok = state_->on_poll_get();
    if (!ok) host.get_parked = false;  // refused (session closed): the caller answers 400
    return ok;
  }
  /// The parked GET's connection went away.
  void abort_get() {
    host.get_parked = false;
    state_->on_poll_aborted();
  }
  void post(std::string_view body) { state_->on_poll_body(body); }
  /// The write handed to write_websocket() completed.
  void written() {
    ASSERT_TRUE(host.write_in_flight) << "no write in flight";
    host.write_in_flight = false;
    state_->on_websocket_written();
  }
  /// Completes writes until none is in flight (bounded, in case of a loop).
  void drain_writes() {
    for (int i = 0; i < 10 && host.write_in_flight; ++i)
      written();
  }
  bool probe_opened() {
    const bool ok = state_->on_probe_opened();
    host.probe_open = ok;
    return ok;
  }
  void probe(packet_type type, std::string data = {}) { state_->on_probe_packet(pkt(type, data)); }
  void ws_packet(packet_type type, std::string data = {}) {
    state_->on_websocket_packet(pkt(type, std::move(data)));
  }

  fake_host host;

 private:
  std::unique_ptr<session_state> state_;
};

using strings = std::vector<std::string>;

// =========================================================================================
// Heartbeat (docs/PROTOCOL.md 1.8)
// =========================================================================================

TEST_F(SessionState, StartArmsPingInterval) {
  make_polling();
  EXPECT_EQ(host.log(), strings{});
  state().start();
  EXPECT_EQ(host.log(), (strings{"arm ping_interval 300"}));
  EXPECT_EQ(host.armed(), (strings{"ping_interval@300"}));
  EXPECT_EQ(state().current_phase(), phase::open);
  EXPECT_EQ(state().transport(), transport_type::polling);
  EXPECT_EQ(state().upgrade(), upgrade_phase::none);
}

TEST_F(SessionState, NothingHappensBeforePingInterval) {
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  host.clear_log();
  host.advance(299);
  EXPECT_EQ(host.log(), strings{});
  EXPECT_TRUE(state().poll_parked());
}

TEST_F(SessionState, PingAnswersParkedGetAndArmsTimeoutAtQueueTime) {
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  host.advance(300);
  EXPECT_EQ(host.timed_log(), (strings{"0 arm ping_interval 300", "300 fire ping_interval",
                                       "300 arm ping_timeout 200", "300 respond 2"}));
  EXPECT_EQ(host.armed(), (strings{"ping_timeout@500"}));
  EXPECT_FALSE(state().poll_parked());
  EXPECT_EQ(state().queued_packets(), 0u);
}

TEST_F(SessionState, PongCancelsTimeoutAndNextPingIsOneIntervalAfterPong) {
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  host.advance_to(350);
  host.clear_log();

  post("3");  // pong at 350
  EXPECT_EQ(host.timed_log(), (strings{"350 cancel ping_timeout", "350 arm ping_interval 300"}));
  EXPECT_EQ(host.armed(), (strings{"ping_interval@650"}));

  ASSERT_TRUE(get());
  host.clear_log();
  host.advance_to(649);
  EXPECT_EQ(host.log(), strings{});
  host.advance(1);
  EXPECT_EQ(host.timed_log(),
            (strings{"650 fire ping_interval", "650 arm ping_timeout 200", "650 respond 2"}));
  EXPECT_EQ(host.armed(), (strings{"ping_timeout@850"}));
  EXPECT_TRUE(host.closed_reasons.empty());
}

TEST_F(SessionState, MissingSecondPongTimesOutOneTimeoutAfterSecondPing) {
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  host.advance_to(350);
  post("3");
  ASSERT_TRUE(get());
  host.advance_to(650);  // second ping answers the GET
  ASSERT_TRUE(get());
  host.clear_log();
  host.advance_to(849);
  EXPECT_EQ(host.log(), strings{});
  host.advance(1);
  EXPECT_EQ(host.io_log(), (strings{"respond 1", "closed ping timeout"}));
  EXPECT_EQ(host.events.back().at, ms(850));
}

TEST_F(SessionState, NoSecondPingWhileOneIsOutstanding) {
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  host.advance(300);
  ASSERT_EQ(host.responses, (strings{"2"}));
  // The interval is not re-armed while the pong is outstanding...
  EXPECT_EQ(host.deadline(timer_kind::ping_interval), std::nullopt);
  ASSERT_TRUE(get());
  host.clear_log();
  // ...and even a stray interval expiry does not queue a second ping.
  state().on_timer(timer_kind::ping_interval);
  host.advance_to(499);
  EXPECT_EQ(host.log(), strings{});
  EXPECT_TRUE(state().poll_parked());
  EXPECT_EQ(state().queued_packets(), 0u);
  EXPECT_EQ(host.armed(), (strings{"ping_timeout@500"}));
}

TEST_F(SessionState, PongWithoutOutstandingPingIsIgnored) {
  make_polling();
  state().start();
  host.clear_log();
  host.advance_to(100);
  post("3");
  EXPECT_EQ(host.log(), strings{});
  EXPECT_EQ(host.armed(), (strings{"ping_interval@300"}));
}

TEST_F(SessionState, PollingWithoutGetPingStaysQueuedAndTimesOutAtExactly500) {
  make_polling();
  state().start();
  host.advance(300);
  EXPECT_EQ(state().queued_packets(), 1u);  // the ping sits in the queue
  EXPECT_EQ(host.armed(), (strings{"ping_timeout@500"}));
  host.clear_log();

  host.advance_to(499);
  EXPECT_EQ(host.log(), strings{});
  EXPECT_EQ(state().current_phase(), phase::open);

  host.advance(1);
  EXPECT_EQ(host.timed_log(), (strings{"500 fire ping_timeout", "500 cancel ping_interval",
                                       "500 cancel ping_timeout", "500 cancel upgrade_timeout",
                                       "500 cancel close_linger", "500 closed ping timeout"}));
  EXPECT_EQ(state().current_phase(), phase::closed);
  EXPECT_EQ(state().queued_packets(), 0u);
  EXPECT_TRUE(host.responses.empty());
  EXPECT_EQ(host.armed(), strings{});
  // The suite's GET at +500 ms expects 400: the state machine refuses it.
  EXPECT_FALSE(get());
  EXPECT_EQ(host.closed_reasons, (strings{"ping timeout"}));
}

TEST_F(SessionState, PingDeadlineRunsFromQueueTimeNotDeliveryTime) {
  make_polling();
  state().start();
  host.advance_to(450);  // ping queued at 300, no GET until 450
  ASSERT_TRUE(get());
  EXPECT_EQ(host.responses, (strings{"2"}));
  ASSERT_TRUE(get());
  host.advance_to(499);
  EXPECT_TRUE(host.closed_reasons.empty());
  host.advance(1);
  EXPECT_EQ(host.responses, (strings{"2", "1"}));
  EXPECT_EQ(host.closed_reasons, (strings{"ping timeout"}));
}

TEST_F(SessionState, PingTimeoutAnswersParkedGetWithClose) {
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  host.advance(300);
  ASSERT_TRUE(get());
  host.clear_log();
  host.advance(200);
  EXPECT_EQ(host.io_log(), (strings{"respond 1", "closed ping timeout"}));
  EXPECT_FALSE(state().poll_parked());
  EXPECT_FALSE(host.get_parked);
}

TEST_F(SessionState, WebSocketPingIsWrittenAndMissingPongClosesAt500) {
  make_websocket();
  state().start();
  host.advance(300);
  EXPECT_EQ(host.timed_log(), (strings{"0 arm ping_interval 300", "300 fire ping_interval",
                                       "300 arm ping_timeout 200", "300 write [2]"}));
  written();
  host.clear_log();
  host.advance_to(499);
  EXPECT_EQ(host.log(), strings{});
  host.advance(1);
  EXPECT_EQ(host.timed_log(),
            (strings{"500 fire ping_timeout", "500 close_websocket", "500 cancel ping_interval",
                     "500 cancel ping_timeout", "500 cancel upgrade_timeout",
                     "500 cancel close_linger", "500 closed ping timeout"}));
  EXPECT_EQ(state().current_phase(), phase::closed);
}

TEST_F(SessionState, WebSocketPongsKeepPingsEveryInterval) {
  make_websocket();
  state().start();
  for (int round = 1; round <= 3; ++round) {
    host.advance_to(300 * round);
    ASSERT_EQ(host.batches.size(), static_cast<std::size_t>(round));
    ASSERT_EQ(host.batches.back().size(), 1u);
    EXPECT_EQ(host.batches.back()[0]->type, packet_type::ping);
    EXPECT_EQ(host.events.back().what, "write [2]");
    EXPECT_EQ(host.events.back().at, ms(300 * round));
    written();
    ws_packet(packet_type::pong);  // the client pongs at once
  }
  EXPECT_EQ(host.armed(), (strings{"ping_interval@1200"}));
  EXPECT_TRUE(host.closed_reasons.empty());
}

TEST_F(SessionState, WebSocketPongAfterDelayMovesNextPing) {
  make_websocket();
  state().start();
  host.advance(300);
  written();
  host.advance_to(420);
  host.clear_log();
  ws_packet(packet_type::pong);
  EXPECT_EQ(host.timed_log(), (strings{"420 cancel ping_timeout", "420 arm ping_interval 300"}));
  host.advance_to(719);
  EXPECT_EQ(host.batches.size(), 1u);
  host.advance(1);
  EXPECT_EQ(host.batches.size(), 2u);
  EXPECT_EQ(host.events.back().what, "write [2]");
  EXPECT_EQ(host.events.back().at, ms(720));
}

// =========================================================================================
// Polling queue and requests (docs/PROTOCOL.md 1.6, 1.7)
// =========================================================================================

TEST_F(SessionState, GetParksWhenNothingIsQueued) {
  make_polling();
  EXPECT_TRUE(get());
  EXPECT_TRUE(state().poll_parked());
  EXPECT_EQ(host.log(), strings{});
}

TEST_F(SessionState, SendAnswersParkedGetImmediately) {
  make_polling();
  ASSERT_TRUE(get());
  EXPECT_TRUE(state().send(text("hello")));
  EXPECT_EQ(host.log(), (strings{"respond 4hello"}));
  EXPECT_FALSE(state().poll_parked());
  EXPECT_EQ(state().queued_packets(), 0u);
  // The next send has no GET to go to.
  EXPECT_TRUE(state().send(text("later")));
  EXPECT_EQ(host.responses, (strings{"4hello"}));
  EXPECT_EQ(state().queued_packets(), 1u);
}

TEST_F(SessionState, AGroupLeavesInOneResponse) {
  // A Socket.IO packet and its attachment answer the parked GET together.
  make_polling();
  ASSERT_TRUE(get());
  const std::vector<message_ptr> group{text("51-[\"x\"]"), binary(std::string{'\x01'})};
  EXPECT_TRUE(state().send_group(group));
  EXPECT_EQ(host.responses, (strings{payload({"451-[\"x\"]", "bAQ=="})}));
}

TEST_F(SessionState, AGroupIsOneWebSocketBatch) {
  make_websocket();
  const std::vector<message_ptr> group{text("a"), binary(std::string{'\x07'})};
  EXPECT_TRUE(state().send_group(group));
  EXPECT_EQ(host.io_log(), (strings{"write [4a, bin:07]"}));
}

TEST_F(SessionState, SendsWithoutGetAreJoinedInTheNextGetInOrder) {
  make_polling();
  EXPECT_TRUE(state().send(text("a")));
  EXPECT_TRUE(state().send(text("b")));
  EXPECT_TRUE(state().send(text("c")));
  EXPECT_EQ(host.log(), strings{});
  EXPECT_EQ(state().queued_packets(), 3u);
  ASSERT_TRUE(get());
  EXPECT_EQ(host.log(), (strings{"respond " + payload({"4a", "4b", "4c"})}));
  EXPECT_FALSE(state().poll_parked());
  EXPECT_EQ(state().queued_packets(), 0u);
  // The queue is empty again: the next GET parks.
  ASSERT_TRUE(get());
  EXPECT_TRUE(state().poll_parked());
  EXPECT_EQ(host.responses.size(), 1u);
}

TEST_F(SessionState, BinaryMessagesAreBase64InPollingBodies) {
  make_polling();
  const std::string bytes{'\x01', '\x02', '\x03', '\x04'};
  EXPECT_TRUE(state().send(binary(bytes)));
  EXPECT_TRUE(state().send(text("t")));
  EXPECT_TRUE(state().send(binary(std::string{'\x01', '\x02', '\x03'})));
  ASSERT_TRUE(get());
  EXPECT_EQ(host.responses, (strings{payload({"bAQIDBA==", "4t", "bAQID"})}));

  ASSERT_TRUE(get());
  EXPECT_TRUE(state().send(binary(bytes)));
  EXPECT_EQ(host.responses.back(), "bAQIDBA==");
}

TEST_F(SessionState, Utf8TextGoesOutByteExact) {
  make_polling();
  const std::string utf8 = "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  ASSERT_TRUE(get());
  EXPECT_TRUE(state().send(text(utf8)));
  EXPECT_EQ(host.responses, (strings{"4" + utf8}));
}

TEST_F(SessionState, OverlappingGetIsRefusedAndClosesWithTransportError) {
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  host.clear_log();
  EXPECT_FALSE(get());
  EXPECT_EQ(host.log(),
            (strings{"respond 1", "cancel ping_interval", "cancel ping_timeout",
                     "cancel upgrade_timeout", "cancel close_linger", "closed transport error"}));
  EXPECT_EQ(state().current_phase(), phase::closed);
  EXPECT_EQ(host.armed(), strings{});
}

TEST_F(SessionState, AbortedGetClosesWithTransportError) {
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  host.clear_log();
  abort_get();
  EXPECT_EQ(host.io_log(), (strings{"closed transport error"}));
  EXPECT_TRUE(host.responses.empty());
  EXPECT_EQ(state().current_phase(), phase::closed);
  EXPECT_FALSE(get());
}

TEST_F(SessionState, PostMessagesAreDeliveredInOrder) {
  make_polling();
  post(payload({"4hello", "4world", "bAQID", "4"}));
  EXPECT_EQ(host.log(),
            (strings{"deliver 4hello", "deliver 4world", "deliver bin:010203", "deliver 4"}));
  ASSERT_EQ(host.delivered.size(), 4u);
  EXPECT_EQ(host.delivered[0].type, packet_type::message);
  EXPECT_FALSE(host.delivered[0].binary);
  EXPECT_EQ(host.delivered[0].data, "hello");
  EXPECT_TRUE(host.delivered[2].binary);
  EXPECT_EQ(host.delivered[2].data, (std::string{'\x01', '\x02', '\x03'}));
  EXPECT_EQ(host.delivered[3].data, "");
  EXPECT_EQ(state().current_phase(), phase::open);
}

TEST_F(SessionState, PostIgnoresNoopUpgradeAndOpenPackets) {
  make_polling();
  post(payload({"6", "4a", "5", "0", "4b"}));
  EXPECT_EQ(host.log(), (strings{"deliver 4a", "deliver 4b"}));
  EXPECT_EQ(state().current_phase(), phase::open);
}

TEST_F(SessionState, PostCloseAnswersParkedGetWithNoop) {
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  host.clear_log();
  post(payload({"4x", "1", "4y"}));
  EXPECT_EQ(host.io_log(), (strings{"deliver 4x", "respond 6", "closed transport close"}));
  EXPECT_EQ(state().current_phase(), phase::closed);
  EXPECT_FALSE(get());
}

TEST_F(SessionState, PostCloseWithoutParkedGet) {
  make_polling();
  post("1");
  EXPECT_EQ(host.io_log(), (strings{"closed transport close"}));
  EXPECT_TRUE(host.responses.empty());
}

TEST_F(SessionState, PostParseErrorDeliversPacketsBeforeItThenCloses) {
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  host.clear_log();
  post(payload({"4a", "4b", "abc", "4c"}));
  EXPECT_EQ(host.io_log(),
            (strings{"deliver 4a", "deliver 4b", "respond 1", "closed parse error"}));
  EXPECT_EQ(state().current_phase(), phase::closed);
}

TEST_F(SessionState, PostAbcAloneIsParseError) {
  make_polling();
  ASSERT_TRUE(get());
  post("abc");
  EXPECT_EQ(host.io_log(), (strings{"respond 1", "closed parse error"}));
}

TEST_F(SessionState, EmptyPostIsParseError) {
  make_polling();
  ASSERT_TRUE(get());
  post("");
  EXPECT_EQ(host.io_log(), (strings{"respond 1", "closed parse error"}));
}

TEST_F(SessionState, PostWithTrailingSeparatorIsParseErrorAfterDelivering) {
  make_polling();
  post(payload({"4a", ""}));
  EXPECT_EQ(host.io_log(), (strings{"deliver 4a", "closed parse error"}));
}

TEST_F(SessionState, ClientPingInPostIsTransportError) {
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  host.clear_log();
  post(payload({"4a", "2", "4b"}));
  EXPECT_EQ(host.io_log(), (strings{"deliver 4a", "respond 1", "closed transport error"}));
}

TEST_F(SessionState, PostAfterCloseIsIgnored) {
  make_polling();
  post("1");
  host.clear_log();
  post("4late");
  EXPECT_EQ(host.log(), strings{});
  EXPECT_TRUE(host.delivered.empty());
}

TEST_F(SessionState, FailAnswersParkedGetWithClose) {
  make_polling();
  ASSERT_TRUE(get());
  state().fail(disconnect_reason::transport_error);
  EXPECT_EQ(host.io_log(), (strings{"respond 1", "closed transport error"}));
}

// =========================================================================================
// WebSocket transport
// =========================================================================================

TEST_F(SessionState, WebSocketSendWritesAtOnce) {
  make_websocket();
  EXPECT_TRUE(state().send(text("a")));
  EXPECT_EQ(host.log(), (strings{"write [4a]"}));
  EXPECT_EQ(state().queued_packets(), 0u);
}

TEST_F(SessionState, WebSocketSendsDuringAWriteGoOutAsOneBatchInOrder) {
  make_websocket();
  ASSERT_TRUE(state().send(text("a")));
  ASSERT_TRUE(state().send(text("b")));
  ASSERT_TRUE(state().send(binary(std::string{'\x01', '\x02'})));
  ASSERT_TRUE(state().send(text("c")));
  EXPECT_EQ(host.log(), (strings{"write [4a]"}));
  EXPECT_EQ(state().queued_packets(), 3u);

  written();
  EXPECT_EQ(host.log(), (strings{"write [4a]", "write [4b, bin:0102, 4c]"}));
  ASSERT_EQ(host.batches.size(), 2u);
  ASSERT_EQ(host.batches[1].size(), 3u);
  EXPECT_EQ(host.batches[1][0]->data, "b");
  EXPECT_EQ(host.batches[1][2]->data, "c");
  EXPECT_EQ(state().queued_packets(), 0u);

  written();  // nothing queued: no empty write
  EXPECT_EQ(host.batches.size(), 2u);
  EXPECT_FALSE(host.write_in_flight);

  ASSERT_TRUE(state().send(text("d")));
  EXPECT_EQ(host.log().back(), "write [4d]");
}

TEST_F(SessionState, WebSocketMessagesAreDelivered) {
  make_websocket();
  ws_packet(packet_type::message, "hi");
  state().on_websocket_packet(packet{packet_type::message, true, std::string{'\x00', '\xff'}});
  EXPECT_EQ(host.log(), (strings{"deliver 4hi", "deliver bin:00ff"}));
}

TEST_F(SessionState, WebSocketClientPingIsTransportError) {
  make_websocket();
  state().start();
  host.clear_log();
  ws_packet(packet_type::ping);
  EXPECT_EQ(host.io_log(), (strings{"close_websocket", "closed transport error"}));
}

TEST_F(SessionState, WebSocketClosedByPeer) {
  make_websocket();
  state().start();
  host.clear_log();
  state().on_websocket_closed(disconnect_reason::transport_close);
  EXPECT_EQ(host.log(),
            (strings{"cancel ping_interval", "cancel ping_timeout", "cancel upgrade_timeout",
                     "cancel close_linger", "closed transport close"}));
  EXPECT_EQ(host.armed(), strings{});
  state().on_websocket_closed(disconnect_reason::transport_error);
  state().close();
  EXPECT_EQ(host.closed_reasons, (strings{"transport close"}));
}

// =========================================================================================
// Volatile packets (docs/PROTOCOL.md 1.7)
// =========================================================================================

TEST_F(SessionState, VolatileDroppedOnPollingWithoutParkedGet) {
  make_polling();
  EXPECT_FALSE(state().send(text("v"), true));
  EXPECT_EQ(state().queued_packets(), 0u);
  ASSERT_TRUE(get());
  EXPECT_TRUE(state().poll_parked());  // the dropped packet did not reach it
  EXPECT_TRUE(host.responses.empty());
}

TEST_F(SessionState, VolatileAcceptedOnPollingWithParkedGet) {
  make_polling();
  ASSERT_TRUE(get());
  EXPECT_TRUE(state().send(text("v"), true));
  EXPECT_EQ(host.responses, (strings{"4v"}));
}

TEST_F(SessionState, VolatileDroppedWhileWebSocketWriteInFlight) {
  make_websocket();
  ASSERT_TRUE(state().send(text("a")));
  EXPECT_FALSE(state().send(text("v"), true));
  EXPECT_EQ(state().queued_packets(), 0u);
  written();
  EXPECT_EQ(host.batches.size(), 1u);
  EXPECT_TRUE(state().send(text("w"), true));
  EXPECT_EQ(host.log(), (strings{"write [4a]", "write [4w]"}));
}

TEST_F(SessionState, VolatileAcceptedOnIdleWebSocket) {
  make_websocket();
  EXPECT_TRUE(state().send(text("v"), true));
  EXPECT_EQ(host.log(), (strings{"write [4v]"}));
}

// =========================================================================================
// Queue bounds
// =========================================================================================

TEST_F(SessionState, FourthSendBeyondPacketBoundClosesPolling) {
  auto limits = test_limits();
  limits.max_queued_packets = 3;
  make_polling(limits);
  state().start();
  EXPECT_TRUE(state().send(text("1")));
  EXPECT_TRUE(state().send(text("2")));
  EXPECT_TRUE(state().send(text("3")));
  host.clear_log();
  EXPECT_FALSE(state().send(text("4")));
  EXPECT_EQ(host.log(),
            (strings{"cancel ping_interval", "cancel ping_timeout", "cancel upgrade_timeout",
                     "cancel close_linger", "closed transport error"}));
  EXPECT_EQ(state().current_phase(), phase::closed);
  EXPECT_EQ(state().queued_packets(), 0u);
}

TEST_F(SessionState, PacketBoundResetsWhenTheQueueIsFlushed) {
  auto limits = test_limits();
  limits.max_queued_packets = 3;
  make_polling(limits);
  for (int round = 0; round < 3; ++round) {
    EXPECT_TRUE(state().send(text("a")));
    EXPECT_TRUE(state().send(text("b")));
    EXPECT_TRUE(state().send(text("c")));
    ASSERT_TRUE(get());
  }
  EXPECT_EQ(host.responses.size(), 3u);
  EXPECT_TRUE(host.closed_reasons.empty());
}

TEST_F(SessionState, PacketBoundOnWebSocketWhileWriteInFlight) {
  auto limits = test_limits();
  limits.max_queued_packets = 3;
  make_websocket(limits);
  EXPECT_TRUE(state().send(text("w")));  // in flight, not queued
  EXPECT_TRUE(state().send(text("1")));
  EXPECT_TRUE(state().send(text("2")));
  EXPECT_TRUE(state().send(text("3")));
  host.clear_log();
  EXPECT_FALSE(state().send(text("4")));
  EXPECT_EQ(host.io_log(), (strings{"close_websocket", "closed transport error"}));
}

TEST_F(SessionState, VolatileAtPacketBoundIsDroppedWithoutClosing) {
  auto limits = test_limits();
  limits.max_queued_packets = 1;
  make_polling(limits);
  EXPECT_TRUE(state().send(text("1")));
  // Not writable (no GET) so dropped; the session must survive.
  EXPECT_FALSE(state().send(text("v"), true));
  EXPECT_EQ(state().current_phase(), phase::open);
}

TEST_F(SessionState, ByteBoundClosesSession) {
  auto limits = test_limits();
  limits.max_queued_bytes = 100;
  make_polling(limits);
  EXPECT_TRUE(state().send(text(std::string(84, 'x'))));  // weight 84 + 16 = 100: fits exactly
  EXPECT_EQ(state().queued_packets(), 1u);
  EXPECT_FALSE(state().send(text("")));  // weight 16 more: over the bound
  EXPECT_EQ(host.closed_reasons, (strings{"transport error"}));
}

// =========================================================================================
// Upgrade polling -> WebSocket (docs/PROTOCOL.md 1.9)
// =========================================================================================

TEST_F(SessionState, ProbeOpenedArmsUpgradeTimeoutAndSecondProbeIsRefused) {
  make_polling();
  EXPECT_TRUE(probe_opened());
  EXPECT_EQ(state().upgrade(), upgrade_phase::probing);
  EXPECT_EQ(host.log(), (strings{"arm upgrade_timeout 10000"}));
  EXPECT_EQ(host.armed(), (strings{"upgrade_timeout@10000"}));
  host.clear_log();
  EXPECT_FALSE(state().on_probe_opened());
  EXPECT_EQ(host.log(), strings{});
  EXPECT_EQ(state().upgrade(), upgrade_phase::probing);
}

TEST_F(SessionState, ProbeRefusedOnWebSocketSession) {
  make_websocket();
  EXPECT_FALSE(state().on_probe_opened());
  EXPECT_EQ(host.log(), strings{});
}

TEST_F(SessionState, ProbeRefusedAfterClose) {
  make_polling();
  state().fail(disconnect_reason::transport_error);
  EXPECT_FALSE(state().on_probe_opened());
}

TEST_F(SessionState, ProbePingAnswersAndReleasesParkedGetWithNoop) {
  make_polling();
  ASSERT_TRUE(get());
  ASSERT_TRUE(probe_opened());
  host.clear_log();
  probe(packet_type::ping, "probe");
  EXPECT_EQ(host.log(), (strings{"answer_probe", "respond 6"}));
  EXPECT_EQ(state().upgrade(), upgrade_phase::upgrading);
  EXPECT_FALSE(state().poll_parked());
}

TEST_F(SessionState, GetDuringUpgradeIsAnsweredNoopImmediately) {
  make_polling();
  ASSERT_TRUE(probe_opened());
  probe(packet_type::ping, "probe");
  host.clear_log();
  EXPECT_TRUE(get());
  EXPECT_EQ(host.log(), (strings{"respond 6"}));
  EXPECT_FALSE(state().poll_parked());
  EXPECT_TRUE(get());
  EXPECT_EQ(host.responses, (strings{"6", "6"}));
}

TEST_F(SessionState, FullUpgradeFlushesQueuedMessagesOverWebSocketInOneBatch) {
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  ASSERT_TRUE(probe_opened());
  probe(packet_type::ping, "probe");
  host.clear_log();

  // Messages sent during the upgrade are not written to polling.
  EXPECT_TRUE(state().send(text("a")));
  EXPECT_TRUE(state().send(binary(std::string{'\x07'})));
  EXPECT_TRUE(get());  // answered `6`, not the messages
  EXPECT_TRUE(state().send(text("b")));
  EXPECT_EQ(host.log(), (strings{"respond 6"}));
  EXPECT_EQ(state().queued_packets(), 3u);
  EXPECT_EQ(state().transport(), transport_type::polling);

  host.clear_log();
  probe(packet_type::upgrade);
  EXPECT_EQ(host.log(),
            (strings{"cancel upgrade_timeout", "promote_probe", "write [4a, bin:07, 4b]"}));
  EXPECT_EQ(state().transport(), transport_type::websocket);
  EXPECT_EQ(state().upgrade(), upgrade_phase::none);
  EXPECT_EQ(state().queued_packets(), 0u);
  EXPECT_EQ(host.armed(), (strings{"ping_interval@300"}));

  // From now on the WebSocket is the transport.
  written();
  EXPECT_TRUE(state().send(text("c")));
  EXPECT_EQ(host.log().back(), "write [4c]");
  EXPECT_FALSE(state().on_probe_opened());
  EXPECT_TRUE(host.closed_reasons.empty());
}

TEST_F(SessionState, PingDuringUpgradeGoesOutOverTheNewWebSocket) {
  make_polling();
  state().start();
  ASSERT_TRUE(probe_opened());
  probe(packet_type::ping, "probe");
  host.advance_to(300);  // ping queued while upgrading
  EXPECT_TRUE(host.responses.empty());
  EXPECT_EQ(state().queued_packets(), 1u);
  host.advance_to(350);
  probe(packet_type::upgrade);
  EXPECT_EQ(host.log().back(), "write [2]");
  written();
  ws_packet(packet_type::pong);
  EXPECT_EQ(host.armed(), (strings{"ping_interval@650"}));
  host.advance_to(650);
  EXPECT_EQ(host.log().back(), "write [2]");
  EXPECT_TRUE(host.closed_reasons.empty());
}

TEST_F(SessionState, UpgradeWithoutProbePingIsAccepted) {
  make_polling();
  ASSERT_TRUE(get());
  ASSERT_TRUE(probe_opened());
  host.clear_log();
  probe(packet_type::upgrade);
  EXPECT_EQ(host.log(), (strings{"cancel upgrade_timeout", "respond 6", "promote_probe"}));
  EXPECT_EQ(state().transport(), transport_type::websocket);
}

TEST_F(SessionState, UpgradeTimeoutDropsProbeAndKeepsPolling) {
  // No start(): without pongs the heartbeat would end the session long before 10 s.
  make_polling();
  ASSERT_TRUE(probe_opened());
  probe(packet_type::ping, "probe");
  EXPECT_TRUE(state().send(text("a")));
  EXPECT_TRUE(state().send(text("b")));
  host.clear_log();

  host.advance_to(9999);
  EXPECT_EQ(host.log(), strings{});
  host.advance(1);
  EXPECT_EQ(host.timed_log(), (strings{"10000 fire upgrade_timeout", "10000 drop_probe"}));
  EXPECT_EQ(state().upgrade(), upgrade_phase::none);
  EXPECT_EQ(state().transport(), transport_type::polling);
  EXPECT_EQ(state().current_phase(), phase::open);

  ASSERT_TRUE(get());
  EXPECT_EQ(host.responses, (strings{payload({"4a", "4b"})}));
  // A new upgrade attempt is allowed again.
  EXPECT_TRUE(probe_opened());
}

TEST_F(SessionState, UpgradeTimeoutDuringProbingWithParkedGetKeepsItParked) {
  make_polling();
  ASSERT_TRUE(get());
  ASSERT_TRUE(probe_opened());
  host.advance(10000);
  EXPECT_EQ(host.io_log(), (strings{"drop_probe"}));
  EXPECT_TRUE(state().poll_parked());
  EXPECT_TRUE(state().send(text("x")));
  EXPECT_EQ(host.responses, (strings{"4x"}));
}

TEST_F(SessionState, UnexpectedPacketOnProbeDropsIt) {
  make_polling();
  ASSERT_TRUE(probe_opened());
  host.clear_log();
  probe(packet_type::message, "hello");
  EXPECT_EQ(host.log(), (strings{"cancel upgrade_timeout", "drop_probe"}));
  EXPECT_EQ(state().upgrade(), upgrade_phase::none);
  EXPECT_EQ(state().transport(), transport_type::polling);
  EXPECT_TRUE(host.delivered.empty());
  EXPECT_EQ(host.armed(), strings{});
}

TEST_F(SessionState, UnexpectedPacketWhileUpgradingDropsProbeAndQueueGoesToNextGet) {
  make_polling();
  ASSERT_TRUE(probe_opened());
  probe(packet_type::ping, "probe");
  EXPECT_TRUE(state().send(text("q")));
  host.clear_log();
  probe(packet_type::ping);  // a plain ping, not `2probe`
  EXPECT_EQ(host.log(), (strings{"cancel upgrade_timeout", "drop_probe"}));
  EXPECT_EQ(state().current_phase(), phase::open);
  ASSERT_TRUE(get());
  EXPECT_EQ(host.responses, (strings{"4q"}));
}

TEST_F(SessionState, ProbeClosedKeepsPolling) {
  make_polling();
  ASSERT_TRUE(probe_opened());
  probe(packet_type::ping, "probe");
  EXPECT_TRUE(state().send(text("q")));
  host.clear_log();
  host.probe_open = false;
  state().on_probe_closed();
  EXPECT_EQ(host.log(), (strings{"cancel upgrade_timeout"}));
  EXPECT_EQ(state().upgrade(), upgrade_phase::none);
  ASSERT_TRUE(get());
  EXPECT_EQ(host.responses, (strings{"4q"}));
}

TEST_F(SessionState, VolatileDroppedWhileUpgrading) {
  make_polling();
  ASSERT_TRUE(probe_opened());
  probe(packet_type::ping, "probe");
  EXPECT_FALSE(state().send(text("v"), true));
  EXPECT_EQ(state().queued_packets(), 0u);
}

TEST_F(SessionState, CloseDuringUpgradeDropsProbe) {
  make_polling();
  ASSERT_TRUE(probe_opened());
  probe(packet_type::ping, "probe");
  host.clear_log();
  state().fail(disconnect_reason::transport_error);
  EXPECT_EQ(host.io_log(), (strings{"drop_probe", "closed transport error"}));
  EXPECT_EQ(state().upgrade(), upgrade_phase::none);
}

// =========================================================================================
// Server close (docs/PROTOCOL.md 1.11)
// =========================================================================================

TEST_F(SessionState, ServerCloseWithParkedGetSendsCloseAndFinishes) {
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  host.clear_log();
  state().close();
  EXPECT_EQ(host.log(),
            (strings{"cancel ping_interval", "cancel ping_timeout", "respond 1",
                     "cancel ping_interval", "cancel ping_timeout", "cancel upgrade_timeout",
                     "cancel close_linger", "closed forced close"}));
  EXPECT_EQ(state().current_phase(), phase::closed);
  EXPECT_EQ(host.armed(), strings{});
}

TEST_F(SessionState, ServerCloseWithoutGetWaitsForNextGetWhichEndsWithClose) {
  make_polling();
  state().start();
  EXPECT_TRUE(state().send(text("a")));
  EXPECT_TRUE(state().send(binary(std::string{'\x01', '\x02', '\x03'})));
  host.clear_log();
  state().close();
  EXPECT_EQ(host.log(),
            (strings{"cancel ping_interval", "cancel ping_timeout", "arm close_linger 30000"}));
  EXPECT_EQ(state().current_phase(), phase::closing);
  EXPECT_EQ(host.armed(), (strings{"close_linger@30000"}));
  EXPECT_TRUE(host.closed_reasons.empty());
  EXPECT_FALSE(state().send(text("late")));

  host.advance_to(1000);
  host.clear_log();
  // The data drains in a response of its own; the close packet follows in the next GET, so
  // the client handles the data before it sees the close (docs/PROTOCOL.md 1.11).
  EXPECT_TRUE(get());
  EXPECT_EQ(host.io_log(), (strings{"respond " + payload({"4a", "bAQID"})}));
  EXPECT_EQ(state().current_phase(), phase::closing);
  EXPECT_TRUE(get());
  EXPECT_EQ(host.io_log(),
            (strings{"respond " + payload({"4a", "bAQID"}), "respond 1", "closed forced close"}));
  EXPECT_EQ(state().current_phase(), phase::closed);
  EXPECT_EQ(host.armed(), strings{});
  EXPECT_FALSE(get());
  EXPECT_EQ(host.closed_reasons, (strings{"forced close"}));
}

TEST_F(SessionState, ServerCloseRightAfterASendPutsTheCloseInTheNextGet) {
  // What disconnect(true) does: a DISCONNECT answers the parked GET, then the session closes.
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  EXPECT_TRUE(state().send(text("1")));
  host.clear_log();
  state().close();
  EXPECT_EQ(host.io_log(), (strings{}));
  EXPECT_EQ(state().current_phase(), phase::closing);
  EXPECT_TRUE(get());
  EXPECT_EQ(host.io_log(), (strings{"respond 1", "closed forced close"}));
}

TEST_F(SessionState, ServerCloseWithoutGetFinishesAfterLinger) {
  make_polling();
  state().start();
  state().close();
  host.clear_log();
  host.advance_to(29999);
  EXPECT_EQ(host.log(), strings{});
  host.advance(1);
  EXPECT_EQ(host.io_log(), (strings{"closed forced close"}));
  EXPECT_EQ(host.events.back().at, ms(30000));
  EXPECT_EQ(state().current_phase(), phase::closed);
  EXPECT_FALSE(get());
}

TEST_F(SessionState, ServerCloseCustomReason) {
  make_polling();
  ASSERT_TRUE(get());
  state().close(disconnect_reason::server_shutting_down);
  EXPECT_EQ(host.closed_reasons, (strings{"server shutting down"}));
  EXPECT_EQ(host.responses, (strings{"1"}));
}

TEST_F(SessionState, ServerCloseTwiceIsANoop) {
  make_polling();
  state().close();
  host.clear_log();
  state().close();
  EXPECT_EQ(host.log(), strings{});
  ASSERT_TRUE(get());
  EXPECT_EQ(host.responses, (strings{"1"}));
  EXPECT_EQ(host.closed_reasons, (strings{"forced close"}));
}

TEST_F(SessionState, ServerCloseOnIdleWebSocket) {
  make_websocket();
  state().start();
  host.clear_log();
  state().close();
  EXPECT_EQ(host.io_log(), (strings{"close_websocket", "closed forced close"}));
  EXPECT_TRUE(host.batches.empty());  // no `1` packet on WebSocket
  EXPECT_EQ(host.armed(), strings{});
}

// docs/PROTOCOL.md 1.11: "server closes, WebSocket: queued frames, then a WebSocket close frame".
// BUG (src/engineio/session_state.cpp, session_state::close, websocket branch): while a write
// is in flight, flush() returns without writing, close_websocket() is called at once and
// finish() discards the queue, so packets sent after the in-flight write are lost. This test
// asserts the correct behaviour and fails against the current code.
TEST_F(SessionState, ServerCloseOnWebSocketFlushesPacketsQueuedBehindAWriteInFlight) {
  make_websocket();
  ASSERT_TRUE(state().send(text("a")));  // in flight
  ASSERT_TRUE(state().send(text("b")));  // queued behind it
  ASSERT_TRUE(state().send(text("c")));
  host.clear_log();
  state().close();
  drain_writes();  // the in-flight write (and any later one) completes
  const auto io = host.io_log();
  std::string shown;
  for (const auto& e : io)
    shown += "\n  " + e;
  const auto position = [&io](std::string_view what) {
    return std::find(io.begin(), io.end(), what) - io.begin();
  };
  const auto write_bc = position("write [4b, 4c]");
  const auto close_ws = position("close_websocket");
  const auto end = io.end() - io.begin();
  EXPECT_NE(write_bc, end) << "queued packets b, c were never written; calls:" << shown;
  EXPECT_NE(close_ws, end) << "the WebSocket was never closed; calls:" << shown;
  EXPECT_LT(write_bc, close_ws) << "closed before the queue went out; calls:" << shown;
  EXPECT_EQ(std::count(io.begin(), io.end(), "close_websocket"), 1);
  EXPECT_EQ(host.closed_reasons, (strings{"forced close"}));
}

// =========================================================================================
// Corked output: defer_flush() / flush_deferred(), synchronous WebSocket writes
// =========================================================================================

TEST_F(SessionState, CorkedWebSocketSendsLeaveInOneWriteAtFlushDeferred) {
  make_websocket();
  state().start();
  host.corked = true;
  host.clear_log();
  EXPECT_TRUE(state().send(text("a")));
  EXPECT_TRUE(state().send(binary(std::string{'\x01'})));
  EXPECT_TRUE(state().send(text("c")));
  EXPECT_EQ(host.io_log(), strings{});
  EXPECT_EQ(state().queued_packets(), 3u);
  EXPECT_EQ(host.deferred_flushes, 3);

  host.corked = false;
  state().flush_deferred();
  EXPECT_EQ(host.io_log(), (strings{"write [4a, bin:01, 4c]"}));
  EXPECT_EQ(host.batches.size(), 1u);
  EXPECT_EQ(state().queued_packets(), 0u);
  // A second flush_deferred (an uncork after nothing new) writes nothing.
  state().flush_deferred();
  EXPECT_EQ(host.batches.size(), 1u);
}

TEST_F(SessionState, CorkedAnswersToAReadLeaveInOneWrite) {
  // What a read of several frames does: each message's handler answers under the cork.
  make_websocket();
  state().start();
  host.on_deliver = [this](const packet& p) { state().send(text("re:" + p.data)); };
  host.corked = true;
  host.clear_log();
  ws_packet(packet_type::message, "1");
  ws_packet(packet_type::message, "2");
  ws_packet(packet_type::message, "3");
  host.corked = false;
  state().flush_deferred();
  EXPECT_EQ(host.io_log(),
            (strings{"deliver 41", "deliver 42", "deliver 43", "write [4re:1, 4re:2, 4re:3]"}));
}

TEST_F(SessionState, CorkedPollingSendsLeaveInOneResponseAtFlushDeferred) {
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  host.corked = true;
  host.clear_log();
  EXPECT_TRUE(state().send(text("a")));
  EXPECT_TRUE(state().send(text("b")));
  EXPECT_EQ(host.io_log(), strings{});
  EXPECT_TRUE(state().poll_parked());

  host.corked = false;
  state().flush_deferred();
  EXPECT_EQ(host.io_log(), (strings{"respond " + payload({"4a", "4b"})}));
  EXPECT_EQ(host.responses.size(), 1u);
}

TEST_F(SessionState, ParseErrorAfterAValidPacketDeliversTheCorkedAnswerFirst) {
  // A POST body with a valid message, then garbage: the message's handler answers under the
  // cork; the parse error's close must not swallow that answer.
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  host.on_deliver = [this](const packet& p) { state().send(text("re:" + p.data)); };
  host.corked = true;
  host.clear_log();
  post(payload({"4hello", "x"}));
  EXPECT_EQ(host.io_log(), (strings{"deliver 4hello", "respond 4re:hello", "closed parse error"}));
  EXPECT_EQ(state().current_phase(), phase::closed);
  // The host's uncork comes after the close: nothing more.
  host.corked = false;
  state().flush_deferred();
  EXPECT_EQ(host.responses, (strings{"4re:hello"}));
}

TEST_F(SessionState, FailureOnWebSocketWritesCorkedOutputBeforeClosing) {
  make_websocket();
  state().start();
  host.corked = true;
  host.clear_log();
  EXPECT_TRUE(state().send(text("a")));
  EXPECT_TRUE(state().send(text("b")));
  state().fail(disconnect_reason::transport_error);
  EXPECT_EQ(host.io_log(),
            (strings{"write [4a, 4b]", "close_websocket", "closed transport error"}));
  host.corked = false;
  state().flush_deferred();
  EXPECT_EQ(host.batches.size(), 1u);
}

TEST_F(SessionState, PingTimeoutWritesCorkedPollingOutputBeforeClosing) {
  make_polling();
  state().start();
  host.advance(300);   // ping queued, no GET
  ASSERT_TRUE(get());  // the ping goes out
  ASSERT_TRUE(get());  // parked
  host.corked = true;
  EXPECT_TRUE(state().send(text("late")));
  host.clear_log();
  host.advance(200);  // ping timeout with the GET parked and "late" held back
  EXPECT_EQ(host.io_log(), (strings{"respond 4late", "closed ping timeout"}));
}

TEST_F(SessionState, SynchronousWebSocketWriteLeavesTheSessionWritable) {
  make_websocket();
  state().start();
  host.writes_complete_at_once = true;
  host.clear_log();
  EXPECT_TRUE(state().send(text("a")));
  EXPECT_TRUE(state().writable());
  // No on_websocket_written() follows a synchronous write: a volatile packet right after is
  // written, not dropped, and so is the next ordinary one.
  EXPECT_TRUE(state().send(text("v"), true));
  EXPECT_TRUE(state().send(text("b")));
  EXPECT_EQ(host.io_log(), (strings{"write [4a]", "write [4v]", "write [4b]"}));
  EXPECT_EQ(state().queued_packets(), 0u);
}

TEST_F(SessionState, SynchronousWriteAfterAnAsynchronousOneFlushesWhatQueuedMeanwhile) {
  make_websocket();
  state().start();
  EXPECT_TRUE(state().send(text("a")));  // in flight
  EXPECT_FALSE(state().writable());
  EXPECT_FALSE(state().send(text("v"), true));  // dropped: not writable
  EXPECT_TRUE(state().send(text("b")));
  host.writes_complete_at_once = true;
  host.clear_log();
  written();
  EXPECT_EQ(host.io_log(), (strings{"write [4b]"}));
  EXPECT_TRUE(state().writable());
  EXPECT_TRUE(state().send(text("c")));
  EXPECT_EQ(host.io_log(), (strings{"write [4b]", "write [4c]"}));
}

TEST_F(SessionState, ServerCloseUnderACorkWritesTheQueueThenCloses) {
  make_websocket();
  state().start();
  host.corked = true;
  EXPECT_TRUE(state().send(text("a")));
  host.clear_log();
  state().close();
  EXPECT_EQ(host.io_log(), (strings{"write [4a]", "close_websocket", "closed forced close"}));
}

// =========================================================================================
// After closed
// =========================================================================================

TEST_F(SessionState, AfterClosedEverythingIsInertAndClosedIsReportedOnce) {
  make_polling();
  state().start();
  ASSERT_TRUE(get());
  EXPECT_FALSE(get());  // overlap closes
  ASSERT_EQ(host.closed_reasons, (strings{"transport error"}));
  host.clear_log();

  EXPECT_FALSE(state().send(text("x")));
  EXPECT_FALSE(state().send(text("v"), true));
  EXPECT_FALSE(get());
  abort_get();
  post("4x");
  post("1");
  state().close();
  state().fail(disconnect_reason::transport_error);
  state().on_websocket_closed(disconnect_reason::transport_close);
  state().on_timer(timer_kind::ping_interval);
  state().on_timer(timer_kind::ping_timeout);
  state().on_timer(timer_kind::upgrade_timeout);
  state().on_timer(timer_kind::close_linger);
  EXPECT_FALSE(state().on_probe_opened());
  state().on_probe_packet(pkt(packet_type::ping, "probe"));
  state().on_probe_packet(pkt(packet_type::upgrade));
  host.advance(60000);

  EXPECT_EQ(host.log(), strings{});
  EXPECT_EQ(host.closed_reasons, (strings{"transport error"}));
  EXPECT_EQ(state().current_phase(), phase::closed);
  EXPECT_EQ(state().queued_packets(), 0u);
}

TEST_F(SessionState, WebSocketAfterClosedSendIsRefused) {
  make_websocket();
  state().on_websocket_closed(disconnect_reason::transport_close);
  EXPECT_FALSE(state().send(text("x")));
  ws_packet(packet_type::message, "late");
  EXPECT_TRUE(host.batches.empty());
  EXPECT_TRUE(host.delivered.empty());
  EXPECT_EQ(host.closed_reasons, (strings{"transport close"}));
}

// The limits come from engine_options: its defaults (written once, in the public header) and
// any value a host sets.
TEST(SessionLimits, TakeDefaultsAndValuesFromEngineOptions) {
  const socketio::engine_options defaults;
  const session_limits d;
  EXPECT_EQ(d.ping_interval, defaults.ping_interval);
  EXPECT_EQ(d.ping_timeout, defaults.ping_timeout);
  EXPECT_EQ(d.upgrade_timeout, defaults.upgrade_timeout);
  EXPECT_EQ(d.max_queued_packets, defaults.max_queued_packets);
  EXPECT_EQ(d.max_queued_bytes, defaults.max_queued_bytes);

  socketio::engine_options set;
  set.ping_interval = ms(1);
  set.ping_timeout = ms(2);
  set.upgrade_timeout = ms(3);
  set.max_queued_packets = 4;
  set.max_queued_bytes = 5;
  const session_limits l(set);
  EXPECT_EQ(l.ping_interval, ms(1));
  EXPECT_EQ(l.ping_timeout, ms(2));
  EXPECT_EQ(l.upgrade_timeout, ms(3));
  EXPECT_EQ(l.max_queued_packets, 4u);
  EXPECT_EQ(l.max_queued_bytes, 5u);
}

// =========================================================================================
// Incoming packet rate (engine_options::packet_rate)
// =========================================================================================

session_limits rate_limited(double per_second, double burst) {
  session_limits limits = test_limits();
  limits.packet_rate = socketio::rate_limit{.per_second = per_second, .burst = burst};
  return limits;
}

TEST_F(SessionState, PacketRateOverTheBurstClosesPolling) {
  make_polling(rate_limited(10, 3));
  state().start();
  ASSERT_TRUE(get());
  host.clear_log();
  post(payload({"4a", "4b", "6", "4c", "4d"}));
  // The noop counts too: the fourth packet is one too many.
  EXPECT_EQ(host.io_log(),
            (strings{"deliver 4a", "deliver 4b", "respond 1", "closed rate limit exceeded"}));
  EXPECT_EQ(state().current_phase(), phase::closed);
}

TEST_F(SessionState, PacketRateRefillsWithTime) {
  make_websocket(rate_limited(10, 2));
  state().start();
  ws_packet(packet_type::message, "a");
  ws_packet(packet_type::message, "b");
  host.advance(100);  // one more token
  ws_packet(packet_type::message, "c");
  EXPECT_EQ(state().current_phase(), phase::open);
  ws_packet(packet_type::message, "d");
  EXPECT_EQ(host.io_log(), (strings{"deliver 4a", "deliver 4b", "deliver 4c", "close_websocket",
                                    "closed rate limit exceeded"}));
}

TEST_F(SessionState, PacketRateAtTheRateNeverCloses) {
  make_websocket(rate_limited(10, 1));
  for (int i = 0; i < 50; ++i) {
    ws_packet(packet_type::message, std::to_string(i));
    host.advance(100);
    ASSERT_EQ(state().current_phase(), phase::open) << "packet " << i;
  }
  EXPECT_EQ(host.delivered.size(), 50u);
}

TEST_F(SessionState, NoPacketRateByDefault) {
  make_websocket();
  for (int i = 0; i < 10'000; ++i)
    ws_packet(packet_type::message, "x");
  EXPECT_EQ(state().current_phase(), phase::open);
  EXPECT_EQ(host.delivered.size(), 10'000u);
}

}  // namespace
