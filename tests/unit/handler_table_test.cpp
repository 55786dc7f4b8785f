// The socket's flat event-handler table: order, once-handlers, off(), shared name bytes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "socketio/detail/handler_table.hpp"

namespace {

using socketio::detail::handler_table;

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

}  // namespace
