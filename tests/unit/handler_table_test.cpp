// The socket's flat event-handler table: order, once-handlers, off(), shared name bytes.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "socketio/detail/handler_table.hpp"

namespace {

using socketio::detail::handler_table;
using socketio::detail::intern_event_name;

socketio::socket::event_handler record(std::vector<std::string>& log, std::string tag) {
  return [&log, tag](const socketio::args&, socketio::ack) { log.push_back(tag); };
}

void run(handler_table& t, std::string_view event) {
  for (const auto& h : t.take(event))
    h({}, {});
}

TEST(HandlerTable, RunsAnEventsHandlersInRegistrationOrder) {
  std::vector<std::string> log;
  handler_table t;
  t.add("a", record(log, "a1"), false);
  t.add("message-with-ack", record(log, "m1"), false);
  t.add("a", record(log, "a2"), false);
  run(t, "a");
  run(t, "message-with-ack");
  run(t, "missing");
  EXPECT_EQ(log, (std::vector<std::string>{"a1", "a2", "m1"}));
}

TEST(HandlerTable, OnceHandlersRunOnceAndOthersStay) {
  std::vector<std::string> log;
  handler_table t;
  t.add("long-event-name-beyond-sso", record(log, "on"), false);
  t.add("long-event-name-beyond-sso", record(log, "once"), true);
  t.add("other", record(log, "other"), true);
  run(t, "long-event-name-beyond-sso");
  run(t, "long-event-name-beyond-sso");
  run(t, "other");
  run(t, "other");
  EXPECT_EQ(log, (std::vector<std::string>{"on", "once", "on", "other"}));
}

TEST(HandlerTable, RemoveDropsOnlyThatEvent) {
  std::vector<std::string> log;
  handler_table t;
  t.add("x", record(log, "x"), false);
  t.add("y", record(log, "y"), false);
  t.add("x", record(log, "x2"), false);
  t.remove("x");
  run(t, "x");
  run(t, "y");
  t.add("x", record(log, "x3"), false);
  run(t, "x");
  EXPECT_EQ(log, (std::vector<std::string>{"y", "x3"}));
  t.clear();
  EXPECT_TRUE(t.empty());
}

TEST(HandlerTable, AHandlerMayChangeTheTableWhileItRuns) {
  std::vector<std::string> log;
  handler_table t;
  t.add(
      "e",
      [&](const socketio::args&, socketio::ack) {
        log.push_back("first");
        t.remove("e");
        t.add("e", record(log, "later"), false);
      },
      false);
  t.add("e", record(log, "second"), false);
  run(t, "e");
  run(t, "e");
  EXPECT_EQ(log, (std::vector<std::string>{"first", "second", "later"}));
}

TEST(HandlerTable, EventNamesAreSharedByEveryTable) {
  const std::string name = "a-name-longer-than-the-small-string-buffer";
  const auto& first = intern_event_name(name);
  EXPECT_EQ(first, name);
  EXPECT_EQ(&intern_event_name(std::string(name)), &first);
  EXPECT_NE(&intern_event_name("another-name"), &first);
}

TEST(HandlerTable, TablesOnSeveralThreadsInternTheSameNames) {
  constexpr int threads = 4;
  constexpr int rounds = 200;
  std::vector<std::thread> workers;
  std::vector<int> counts(threads, 0);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([t, &counts] {
      handler_table table;
      for (int i = 0; i < rounds; ++i)
        table.add(
            "shared-" + std::to_string(i % 7),
            [&counts, t](const socketio::args&, socketio::ack) { ++counts[t]; }, false);
      for (const auto& h : table.take("shared-3"))
        h({}, {});
    });
  }
  for (auto& w : workers)
    w.join();
  // i % 7 == 3 for i in [0, 200): 3, 10, ..., 199 -> 29 handlers.
  EXPECT_EQ(counts, std::vector<int>(threads, 29));
}

}  // namespace
