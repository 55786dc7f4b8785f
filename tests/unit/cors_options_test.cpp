// CORS options the engine refuses at construction: credentials with any origin (browsers refuse
// `*` with credentials, and reflecting every Origin would let any site send credentials). And
// the Origin check of WebSocket upgrades with an allow-list (list, predicate, throwing
// predicate, no Origin, check off).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "common/detail/logger.hpp"
#include "engineio/detail/cors.hpp"
#include "engineio/detail/origin_check.hpp"
#include "socketio/engine.hpp"

namespace {

socketio::engine_options with_cors(socketio::cors_options cors) {
  socketio::engine_options o;
  o.cors = std::move(cors);
  return o;
}

TEST(CorsOptions, CredentialsWithAnyOriginAreRefused) {
  boost::asio::io_context io;
  socketio::cors_options any;
  any.enabled = true;
  any.credentials = true;
  EXPECT_THROW(socketio::engine::server(io, with_cors(any)), std::invalid_argument);
  any.origins = {"https://a.example", "*"};
  EXPECT_THROW(socketio::engine::server(io, with_cors(any)), std::invalid_argument);
}

TEST(CorsOptions, CredentialsWithAListOrAPredicateAreAccepted) {
  boost::asio::io_context io;
  socketio::cors_options listed;
  listed.enabled = true;
  listed.credentials = true;
  listed.origins = {"https://a.example"};
  EXPECT_NO_THROW(socketio::engine::server(io, with_cors(listed)));
  socketio::cors_options predicate;
  predicate.enabled = true;
  predicate.credentials = true;
  predicate.allow_origin = [](std::string_view origin) { return origin == "https://a.example"; };
  EXPECT_NO_THROW(socketio::engine::server(io, with_cors(predicate)));
  // Any origin without credentials stays allowed (`Access-Control-Allow-Origin: *`).
  socketio::cors_options any;
  any.enabled = true;
  EXPECT_NO_THROW(socketio::engine::server(io, with_cors(any)));
}

// An upgrade request with (or without) an Origin header; nothing else is read.
class upgrade_request final : public socketio::detail::http_exchange {
 public:
  explicit upgrade_request(std::optional<std::string> origin) : origin_(std::move(origin)) {}
  std::string_view method() const override { return "GET"; }
  std::string_view target() const override { return "/engine.io/?EIO=4&transport=websocket"; }
  std::string_view header(std::string_view name) const override {
    return name == "origin" && origin_ ? std::string_view(*origin_) : std::string_view();
  }
  bool has_header(std::string_view name) const override { return name == "origin" && origin_; }
  socketio::detail::header_list all_headers() const override { return {}; }
  std::optional<std::uint64_t> content_length() const override { return std::nullopt; }
  bool is_websocket_upgrade() const override { return true; }
  std::string remote_address() const override { return "127.0.0.1"; }
  bool secure() const override { return false; }
  void set_common_headers(socketio::detail::header_list) override {}
  void reply(socketio::detail::http_reply) override {}
  void read_body(std::size_t, std::function<void(std::optional<std::string>, bool)>) override {}
  void watch_abort(std::function<void()>) override {}
  boost::asio::ip::tcp::socket take_socket(std::string&) override {
    return boost::asio::ip::tcp::socket(io_);
  }
  std::unique_ptr<socketio::detail::tls_stream> take_tls_stream(std::string&) override {
    return nullptr;
  }

 private:
  boost::asio::io_context io_;
  std::optional<std::string> origin_;
};

struct origin_case {
  std::optional<std::string> origin;
  bool allowed;
};

void expect_origins(const socketio::cors_options& cors, const std::vector<origin_case>& cases,
                    const socketio::detail::logger& log = socketio::detail::logger::fallback()) {
  for (const auto& c : cases) {
    const upgrade_request request(c.origin);
    EXPECT_EQ(socketio::detail::websocket_origin_allowed(cors, request, log), c.allowed)
        << (c.origin ? *c.origin : std::string("(no Origin)"));
  }
}

TEST(WebSocketOrigin, AListAllowsItsOriginsAndRequestsWithoutOrigin) {
  socketio::cors_options cors;
  cors.enabled = true;
  cors.origins = {"https://a.example", "https://b.example"};
  EXPECT_TRUE(socketio::detail::websocket_origin_checked(cors));
  expect_origins(cors, {{"https://a.example", true},
                        {"https://b.example", true},
                        {"https://evil.example", false},
                        {"https://a.example.evil", false},
                        {"http://a.example", false},  // another scheme is another origin
                        {"null", false},              // sandboxed frames, file: pages
                        {"", false},
                        {std::nullopt, true}});
}

TEST(WebSocketOrigin, ASingleOriginIsCheckedToo) {
  // Polling responses always carry a single configured origin; an upgrade is still checked.
  socketio::cors_options cors;
  cors.enabled = true;
  cors.origins = {"https://a.example"};
  expect_origins(cors, {{"https://a.example", true}, {"https://evil.example", false}});
}

TEST(WebSocketOrigin, APredicateDecides) {
  socketio::cors_options cors;
  cors.enabled = true;
  std::vector<std::string> asked;
  cors.allow_origin = [&asked](std::string_view origin) {
    asked.emplace_back(origin);
    return origin.ends_with(".good.example");
  };
  expect_origins(cors, {{"https://x.good.example", true},
                        {"https://good.example.evil", false},
                        {std::nullopt, true}});
  // Not asked about a request without Origin.
  EXPECT_EQ(asked,
            (std::vector<std::string>{"https://x.good.example", "https://good.example.evil"}));
}

TEST(WebSocketOrigin, AThrowingPredicateRefusesAndIsLogged) {
  socketio::cors_options cors;
  cors.enabled = true;
  cors.allow_origin = [](std::string_view) -> bool { throw std::runtime_error("predicate boom"); };
  std::vector<std::string> lines;
  socketio::logger_options options;
  options.sink = [&lines](socketio::log_level, std::string_view m) { lines.emplace_back(m); };
  const socketio::detail::logger log(options);
  expect_origins(cors, {{"https://a.example", false}}, log);
  EXPECT_EQ(lines, (std::vector<std::string>{"cors allow_origin threw: predicate boom"}));
}

TEST(WebSocketOrigin, NoCheckWithoutAnAllowList) {
  socketio::cors_options off;  // CORS disabled
  off.origins = {"https://a.example"};
  socketio::cors_options any;
  any.enabled = true;
  any.origins = {"*"};
  socketio::cors_options none;  // enabled, no list: any origin
  none.enabled = true;
  socketio::cors_options unchecked;
  unchecked.enabled = true;
  unchecked.origins = {"https://a.example"};
  unchecked.check_websocket_origin = false;
  for (const auto* cors : {&off, &any, &none, &unchecked}) {
    EXPECT_FALSE(socketio::detail::websocket_origin_checked(*cors));
    expect_origins(*cors, {{"https://evil.example", true}, {std::nullopt, true}});
  }
}

}  // namespace
