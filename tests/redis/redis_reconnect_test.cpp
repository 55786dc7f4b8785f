// Outages: no server, a server killed mid-traffic and restarted, and a peer that sends bytes
// that are not RESP.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "redis/detail/redis_connection.hpp"
#include "redis_server.hpp"
#include "test_support.hpp"

namespace socketio::test {
namespace {

namespace asio = boost::asio;
using detail::parse_redis_url;
using detail::redis_reply_kind;
using detail::redis_subscription;

class RedisReconnect : public ::testing::Test {
 protected:
  std::shared_ptr<redis_connection> connect(const std::string& url, recorder& rec,
                                            std::string name = "redis") {
    return redis_connection::create(io_.executor(), parse_redis_url(url), rec.options(name));
  }

  recorder rec_;
  recorder sub_rec_;
  io_thread io_;
};

std::uint16_t unused_port() {
  asio::io_context ioc;
  asio::ip::tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();  // closed again on return: nothing listens there
}

TEST_F(RedisReconnect, CommandsFailPromptlyWhileRedisIsDown) {
  auto c = connect("redis://127.0.0.1:" + std::to_string(unused_port()), rec_);
  // The first one may wait for the first attempt; that attempt is refused at once.
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const auto r = call(*c, {"PING"}, std::chrono::milliseconds(2000));
    EXPECT_TRUE(r.is_error());
    EXPECT_EQ(r.text.rfind("ERR connection to Redis", 0), 0u) << r.text;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
  }
  ASSERT_TRUE(rec_.logs.pop_until([](const auto& l) {
    return l.second.find("reconnect attempt 4 failed") != std::string::npos;
  }));
  EXPECT_EQ(rec_.count(detail::redis_log_level::warning), 1u) << "the outage is logged once";
  EXPECT_FALSE(c->is_up());
}

TEST_F(RedisReconnect, KilledServerRestartedOnSamePortResubscribesAndMessagesFlow) {
  if (std::string(redis_server_path()).empty()) GTEST_SKIP() << "redis-server not installed";
  redis_server server;
  auto pub = connect(server.tcp_url(), rec_, "pub");
  auto sub = connect(server.tcp_url(), sub_rec_, "sub");
  ASSERT_FALSE(subscribe(*sub, redis_subscription::channel, {"c1"}).is_error());
  ASSERT_FALSE(subscribe(*sub, redis_subscription::pattern, {"p*"}).is_error());
  ASSERT_FALSE(subscribe(*sub, redis_subscription::shard, {"s1"}).is_error());
  EXPECT_EQ(rec_.states.pop(), std::optional<bool>(true));
  EXPECT_EQ(sub_rec_.states.pop(), std::optional<bool>(true));

  // Traffic in flight when the server dies: every command completes, with a reply or an error.
  constexpr int in_flight = 500;
  mailbox<redis_reply> completions;
  for (int i = 0; i < in_flight; ++i) {
    pub->command({"INCR", "n"}, [&](const redis_reply& r) { completions.push(r); });
  }
  server.kill();
  for (int i = 0; i < in_flight; ++i) {
    ASSERT_TRUE(completions.pop()) << "command " << i << " never completed";
  }
  EXPECT_EQ(rec_.states.pop(), std::optional<bool>(false));
  EXPECT_EQ(sub_rec_.states.pop(), std::optional<bool>(false));
  const auto down = call(*pub, {"PING"});
  EXPECT_TRUE(down.is_error()) << down.describe();

  // A subscribe made during the outage completes once every subscription is back.
  mailbox<redis_reply> resubscribed;
  sub->subscribe(redis_subscription::channel, {"c2"},
                 [&](const redis_reply& r) { resubscribed.push(r); });

  server.start();
  EXPECT_EQ(rec_.states.pop(), std::optional<bool>(true));
  EXPECT_EQ(sub_rec_.states.pop(), std::optional<bool>(true));
  const auto confirmed = resubscribed.pop();
  ASSERT_TRUE(confirmed);
  EXPECT_FALSE(confirmed->is_error()) << confirmed->describe();

  EXPECT_EQ(call(*pub, {"PUBLISH", "c1", "a"}).integer, 1);
  EXPECT_EQ(call(*pub, {"PUBLISH", "pz", "b"}).integer, 1);
  EXPECT_EQ(call(*pub, {"SPUBLISH", "s1", "c"}).integer, 1);
  EXPECT_EQ(call(*pub, {"PUBLISH", "c2", "d"}).integer, 1);
  for (const char* expected : {"a", "b", "c", "d"}) {
    const auto m = sub_rec_.messages.pop();
    ASSERT_TRUE(m) << "message " << expected << " not delivered after the restart";
    EXPECT_EQ(m->payload, expected);
  }

  // One warning when it went down, one info line when it came back, per connection.
  for (recorder* r : {&rec_, &sub_rec_}) {
    EXPECT_EQ(r->count(detail::redis_log_level::warning), 1u);
    std::size_t restored = 0;
    for (const auto& [level, text] : r->logs.history()) {
      restored +=
          level == detail::redis_log_level::info && text.find("restored") != std::string::npos;
    }
    EXPECT_EQ(restored, 1u);
  }
}

// A TCP peer on the test's own io_context: the first connection gets junk in answer to its
// first command, later ones get +PONG for every read.
class fake_server : public std::enable_shared_from_this<fake_server> {
 public:
  explicit fake_server(asio::any_io_executor ex)
      : acceptor_(ex, {asio::ip::make_address("127.0.0.1"), 0}) {}

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void start() { accept(); }
  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
      for (auto& p : self->peers_)
        p->close(ignored);
    });
  }

  mailbox<int> accepted;

 private:
  void accept() {
    acceptor_.async_accept(
        [self = shared_from_this()](boost::system::error_code ec, asio::ip::tcp::socket s) {
          if (ec) return;
          auto peer = std::make_shared<asio::ip::tcp::socket>(std::move(s));
          self->peers_.push_back(peer);
          const int n = ++self->count_;
          self->accepted.push(n);
          self->serve(peer, n);
          self->accept();
        });
  }

  void serve(std::shared_ptr<asio::ip::tcp::socket> peer, int n) {
    auto buf = std::make_shared<std::array<char, 4096>>();
    peer->async_read_some(asio::buffer(*buf), [self = shared_from_this(), peer, buf, n](
                                                  boost::system::error_code ec, std::size_t) {
      if (ec) return;
      auto reply = std::make_shared<std::string>(n == 1 ? "junk\r\n" : "+PONG\r\n");
      asio::async_write(*peer, asio::buffer(*reply),
                        [self, peer, reply, n](boost::system::error_code ec2, std::size_t) {
                          if (!ec2) self->serve(peer, n);
                        });
    });
  }

  asio::ip::tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<asio::ip::tcp::socket>> peers_;
  int count_ = 0;
};

TEST_F(RedisReconnect, ProtocolGarbageClosesAndReconnects) {
  auto server = std::make_shared<fake_server>(io_.executor());
  server->start();
  auto c = connect("redis://127.0.0.1:" + std::to_string(server->port()), rec_);
  EXPECT_EQ(server->accepted.pop(), std::optional<int>(1));

  const auto bad = call(*c, {"PING"});
  EXPECT_TRUE(bad.is_error());
  EXPECT_NE(bad.text.find("protocol error"), std::string::npos) << bad.text;
  EXPECT_EQ(server->accepted.pop(), std::optional<int>(2)) << "no reconnect after garbage";
  ASSERT_TRUE(rec_.states.pop_until([](bool up) { return up; }));  // up again on the second

  const auto good = call(*c, {"PING"});
  EXPECT_EQ(good.kind, redis_reply_kind::status) << good.describe();
  EXPECT_EQ(good.text, "PONG");
  EXPECT_TRUE(rec_.logs.pop_until(
      [](const auto& l) { return l.second.find("protocol error") != std::string::npos; }));
  c->close();
  server->stop();
}

}  // namespace
}  // namespace socketio::test
