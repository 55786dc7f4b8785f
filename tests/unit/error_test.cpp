#include "socketio/error.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "common/detail/logger.hpp"
#include "common/detail/user_call.hpp"

namespace {

using socketio::disconnect_reason;
using socketio::error;
using socketio::log_level;

TEST(error_code, category_and_messages) {
  const boost::system::error_code ec = error::ack_timeout;  // is_error_code_enum
  EXPECT_EQ(std::string(ec.category().name()), "socketio");
  EXPECT_EQ(ec.message(), "operation has timed out");
  EXPECT_EQ(make_error_code(error::socket_disconnected).message(), "socket has been disconnected");
  EXPECT_EQ(make_error_code(error::invalid_namespace).message(), "Invalid namespace");
  EXPECT_EQ(make_error_code(error::handshake_refused).message(), "Forbidden");
  EXPECT_TRUE(ec);  // no value is 0 (0 means success)
  EXPECT_NE(ec, make_error_code(error::socket_disconnected));
  EXPECT_EQ(ec, error::ack_timeout);
}

TEST(error_code, every_value_has_its_own_message) {
  std::vector<std::string> seen;
  for (int v = static_cast<int>(error::transport_unknown);
       v <= static_cast<int>(error::server_closed); ++v) {
    const auto m = make_error_code(static_cast<error>(v)).message();
    EXPECT_NE(m, "unknown socketio error") << v;
    for (const auto& s : seen)
      EXPECT_NE(s, m) << v;
    seen.push_back(m);
  }
  EXPECT_EQ(socketio::error_category().message(9999), "unknown socketio error");
}

TEST(disconnect_reason, wire_strings_round_trip) {
  const std::vector<std::pair<disconnect_reason, std::string>> table = {
      {disconnect_reason::transport_close, "transport close"},
      {disconnect_reason::transport_error, "transport error"},
      {disconnect_reason::ping_timeout, "ping timeout"},
      {disconnect_reason::parse_error, "parse error"},
      {disconnect_reason::forced_close, "forced close"},
      {disconnect_reason::forced_server_close, "forced server close"},
      {disconnect_reason::server_namespace_disconnect, "server namespace disconnect"},
      {disconnect_reason::client_namespace_disconnect, "client namespace disconnect"},
      {disconnect_reason::server_shutting_down, "server shutting down"},
      {disconnect_reason::rate_limit_exceeded, "rate limit exceeded"},
  };
  for (const auto& [reason, text] : table) {
    EXPECT_EQ(socketio::to_string(reason), text);
    EXPECT_EQ(socketio::parse_disconnect_reason(text), reason) << text;
  }
}

TEST(disconnect_reason, parse_rejects_other_strings) {
  EXPECT_FALSE(socketio::parse_disconnect_reason(""));
  EXPECT_FALSE(socketio::parse_disconnect_reason("Transport close"));
  EXPECT_FALSE(socketio::parse_disconnect_reason("transport close "));
  EXPECT_FALSE(socketio::parse_disconnect_reason("io server disconnect"));  // client-side string
}

struct captured {
  std::vector<std::pair<log_level, std::string>> lines;
  socketio::detail::logger make(log_level level) {
    return socketio::detail::logger(socketio::logger_options{
        level, [this](log_level l, std::string_view m) { lines.emplace_back(l, std::string(m)); }});
  }
};

TEST(logger, filters_by_level) {
  captured c;
  const auto log = c.make(log_level::warning);
  EXPECT_FALSE(log.enabled(log_level::info));
  EXPECT_TRUE(log.enabled(log_level::error));
  log.log(log_level::debug, "d");
  log.log(log_level::info, "i");
  log.log(log_level::warning, "w");
  log.log(log_level::error, "e");
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[0], std::make_pair(log_level::warning, std::string("w")));
  EXPECT_EQ(c.lines[1], std::make_pair(log_level::error, std::string("e")));
}

TEST(logger, off_silences_everything) {
  captured c;
  const auto log = c.make(log_level::off);
  log.log(log_level::error, "e");
  log.log(log_level::off, "o");
  EXPECT_TRUE(c.lines.empty());
}

TEST(logger, a_throwing_sink_is_swallowed) {
  const socketio::detail::logger log(socketio::logger_options{
      log_level::debug, [](log_level, std::string_view) { throw std::runtime_error("sink"); }});
  EXPECT_NO_THROW(log.log(log_level::error, "x"));
}

TEST(user_call, returns_the_result_and_logs_nothing) {
  captured c;
  const auto log = c.make(log_level::debug);
  const auto r = socketio::detail::user_call(
      log, "adder", [](int a, int b) { return a + b; }, 2, 3);
  EXPECT_EQ(r, 5);
  bool ran = false;
  EXPECT_TRUE(socketio::detail::user_call(log, "void", [&] { ran = true; }));
  EXPECT_TRUE(ran);
  EXPECT_TRUE(c.lines.empty());
}

TEST(user_call, catches_std_exceptions_and_reports_what_was_called) {
  captured c;
  const auto log = c.make(log_level::warning);
  const auto r = socketio::detail::user_call(
      log, [] { return std::string("event handler \"chat\""); },
      []() -> bool { throw std::runtime_error("boom"); });
  EXPECT_FALSE(r.has_value());
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].first, log_level::error);
  EXPECT_EQ(c.lines[0].second, "event handler \"chat\" threw: boom");
}

TEST(user_call, catches_anything_else) {
  captured c;
  const auto log = c.make(log_level::warning);
  EXPECT_FALSE(socketio::detail::user_call(log, "disconnect handler", [] { throw 42; }));
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].second,
            "disconnect handler threw: an exception not derived from std::exception");
}

TEST(user_call, the_description_is_built_only_when_something_threw) {
  captured c;
  const auto log = c.make(log_level::warning);
  int built = 0;
  socketio::detail::user_call(
      log,
      [&] {
        ++built;
        return std::string("x");
      },
      [] {});
  EXPECT_EQ(built, 0);
  socketio::detail::user_call(
      log,
      [&] {
        ++built;
        return std::string("x");
      },
      [] { throw std::logic_error("y"); });
  EXPECT_EQ(built, 1);
}

TEST(user_call, a_silenced_log_still_contains_the_exception) {
  captured c;
  const auto log = c.make(log_level::off);
  EXPECT_FALSE(socketio::detail::user_call(log, "x", [] { throw std::runtime_error("y"); }));
  EXPECT_TRUE(c.lines.empty());
}

}  // namespace
