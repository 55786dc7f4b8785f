// The connection against a real redis-server: commands, pipelining, the three pub/sub
// families, binary payloads, AUTH + SELECT, unix sockets, and release on close.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

#include "redis/detail/redis_connection.hpp"
#include "redis_server.hpp"
#include "test_support.hpp"

namespace socketio::test {
namespace {

using detail::parse_redis_url;
using detail::redis_reply_kind;
using detail::redis_subscription;
using namespace std::string_literals;

class RedisConnection : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(redis_server_path()).empty()) GTEST_SKIP() << "redis-server not installed";
  }

  std::shared_ptr<redis_connection> connect(const std::string& url, recorder& rec,
                                            std::string name = "redis") {
    return redis_connection::create(io_.executor(), parse_redis_url(url), rec.options(name));
  }

  recorder rec_;
  recorder sub_rec_;
  io_thread io_;
};

TEST_F(RedisConnection, CommandsArePipelinedAndAnsweredInOrder) {
  redis_server server;
  auto c = connect(server.tcp_url(), rec_);
  // Issued at once, before the connection is even up: the replies must come back in order.
  constexpr int count = 2000;
  mailbox<std::int64_t> replies;
  for (int i = 0; i < count; ++i) {
    c->command({"INCR", "counter"}, [&](const redis_reply& r) {
      replies.push(r.kind == redis_reply_kind::integer ? r.integer : -1);
    });
  }
  for (int i = 1; i <= count; ++i) {
    const auto v = replies.pop();
    ASSERT_TRUE(v.has_value()) << "reply " << i << " missing";
    ASSERT_EQ(*v, i);
  }
  EXPECT_TRUE(c->is_up());
  EXPECT_EQ(rec_.states.pop(), std::optional<bool>(true));

  const auto set = call(*c, {"SET", "k", "v"});
  EXPECT_EQ(set.kind, redis_reply_kind::status);
  EXPECT_EQ(set.text, "OK");
  EXPECT_EQ(call(*c, {"GET", "k"}).text, "v");
  EXPECT_EQ(call(*c, {"GET", "missing"}).kind, redis_reply_kind::nil);
  const auto wrong = call(*c, {"NOSUCHCOMMAND"});
  EXPECT_TRUE(wrong.is_error());
  EXPECT_NE(wrong.text.find("unknown command"), std::string::npos) << wrong.text;
  const auto arr = call(*c, {"MGET", "k", "missing"});
  ASSERT_TRUE(arr.is_array());
  ASSERT_EQ(arr.elements.size(), 2u);
  EXPECT_EQ(arr.elements[0].text, "v");
  EXPECT_EQ(arr.elements[1].kind, redis_reply_kind::nil);
  EXPECT_EQ(rec_.count(detail::redis_log_level::warning), 0u);
}

TEST_F(RedisConnection, PublishSubscribeAcrossTwoConnections) {
  redis_server server;
  auto pub = connect(server.tcp_url(), rec_, "pub");
  auto sub = connect(server.tcp_url(), sub_rec_, "sub");

  const auto confirmed = subscribe(*sub, redis_subscription::channel, {"news", "sport"});
  ASSERT_FALSE(confirmed.is_error()) << confirmed.describe();
  ASSERT_TRUE(confirmed.is_array());
  EXPECT_EQ(confirmed.elements[0].text, "subscribe");
  EXPECT_EQ(confirmed.elements[1].text, "sport");  // the last channel's confirmation
  EXPECT_EQ(confirmed.elements[2].integer, 2);

  EXPECT_EQ(call(*pub, {"PUBLISH", "news", "hello"}).integer, 1);
  EXPECT_EQ(call(*pub, {"PUBLISH", "sport", "goal"}).integer, 1);
  auto m = sub_rec_.messages.pop();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, redis_subscription::channel);
  EXPECT_EQ(m->channel, "news");
  EXPECT_EQ(m->payload, "hello");
  EXPECT_TRUE(m->pattern.empty());
  m = sub_rec_.messages.pop();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->channel, "sport");
  EXPECT_EQ(m->payload, "goal");

  // PING is allowed on a subscribed connection and is answered in order between deliveries.
  const auto pong = call(*sub, {"PING"});
  ASSERT_TRUE(pong.is_array()) << pong.describe();
  EXPECT_EQ(pong.elements[0].text, "pong");

  sub->unsubscribe(redis_subscription::channel, {"news"});
  // The unsubscribe is confirmed before this PING's reply, so PUBLISH then reaches nobody.
  EXPECT_TRUE(call(*sub, {"PING"}).is_array());
  EXPECT_EQ(call(*pub, {"PUBLISH", "news", "nobody"}).integer, 0);
  EXPECT_EQ(call(*pub, {"PUBLISH", "sport", "still"}).integer, 1);
  m = sub_rec_.messages.pop();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "still");
}

TEST_F(RedisConnection, PatternSubscribe) {
  redis_server server;
  auto pub = connect(server.tcp_url(), rec_);
  auto sub = connect(server.tcp_url(), sub_rec_);
  const auto confirmed = subscribe(*sub, redis_subscription::pattern, {"socket.io#/#*"});
  ASSERT_FALSE(confirmed.is_error()) << confirmed.describe();
  EXPECT_EQ(confirmed.elements[0].text, "psubscribe");

  EXPECT_EQ(call(*pub, {"PUBLISH", "socket.io#/#room1#", "x"}).integer, 1);
  EXPECT_EQ(call(*pub, {"PUBLISH", "other", "y"}).integer, 0);
  const auto m = sub_rec_.messages.pop();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, redis_subscription::pattern);
  EXPECT_EQ(m->pattern, "socket.io#/#*");
  EXPECT_EQ(m->channel, "socket.io#/#room1#");
  EXPECT_EQ(m->payload, "x");
}

TEST_F(RedisConnection, ShardedPublishSubscribe) {
  redis_server server;
  auto pub = connect(server.tcp_url(), rec_);
  auto sub = connect(server.tcp_url(), sub_rec_);
  const auto confirmed = subscribe(*sub, redis_subscription::shard, {"socket.io#/#", "other#"});
  ASSERT_FALSE(confirmed.is_error()) << confirmed.describe();
  EXPECT_EQ(confirmed.elements[0].text, "ssubscribe");

  EXPECT_EQ(call(*pub, {"SPUBLISH", "socket.io#/#", "sharded"}).integer, 1);
  auto m = sub_rec_.messages.pop();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, redis_subscription::shard);
  EXPECT_EQ(m->channel, "socket.io#/#");
  EXPECT_EQ(m->payload, "sharded");

  sub->unsubscribe(redis_subscription::shard, {"socket.io#/#"});
  EXPECT_TRUE(call(*sub, {"PING"}).is_array());
  EXPECT_EQ(call(*pub, {"SPUBLISH", "socket.io#/#", "gone"}).integer, 0);
  EXPECT_EQ(call(*pub, {"SPUBLISH", "other#", "kept"}).integer, 1);
  m = sub_rec_.messages.pop();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->channel, "other#");
}

TEST_F(RedisConnection, BinaryPayloadsWithNulBytes) {
  redis_server server;
  auto pub = connect(server.tcp_url(), rec_);
  auto sub = connect(server.tcp_url(), sub_rec_);
  ASSERT_FALSE(subscribe(*sub, redis_subscription::channel, {"bin\0chan"s}).is_error());

  // Small with every awkward byte, and large enough to span many socket reads.
  std::string small = "\0\r\n$-1\r\n*\xff\x80"s;
  std::string large(300 * 1024, '\0');
  std::mt19937 rng(7);
  for (auto& ch : large)
    ch = static_cast<char>(rng() & 0xff);
  for (const auto& payload : {small, large}) {
    EXPECT_EQ(call(*pub, {"PUBLISH", "bin\0chan"s, payload}).integer, 1);
    const auto m = sub_rec_.messages.pop();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->channel, "bin\0chan"s);
    ASSERT_EQ(m->payload.size(), payload.size());
    EXPECT_TRUE(m->payload == payload);
  }
  EXPECT_EQ(call(*pub, {"SET", "blob", large}).text, "OK");
  EXPECT_TRUE(call(*pub, {"GET", "blob"}).text == large);
}

TEST_F(RedisConnection, AuthAndSelect) {
  redis_server server("s3cret");
  auto db3 = connect(server.tcp_url(3), rec_);
  EXPECT_EQ(call(*db3, {"SET", "where", "three"}).text, "OK");

  recorder other_rec;
  auto db0 = connect("redis://default:s3cret@127.0.0.1:" + std::to_string(server.port()),
                     other_rec);  // the ACL form, AUTH user password
  EXPECT_EQ(call(*db0, {"GET", "where"}).kind, redis_reply_kind::nil);
  EXPECT_EQ(call(*db0, {"SELECT", "3"}).text, "OK");
  EXPECT_EQ(call(*db0, {"GET", "where"}).text, "three");
}

TEST_F(RedisConnection, WrongPasswordIsLoggedOnceAndCommandsFail) {
  redis_server server("s3cret");
  auto c = connect("redis://:wrong@127.0.0.1:" + std::to_string(server.port()), rec_);
  ASSERT_TRUE(rec_.logs.pop_until([](const auto& l) {
    return l.first == detail::redis_log_level::warning &&
           l.second.find("AUTH failed") != std::string::npos;
  })) << "no warning about AUTH";
  // Several failed retries later there is still exactly one warning.
  ASSERT_TRUE(rec_.logs.pop_until([](const auto& l) {
    return l.second.find("reconnect attempt 3 failed") != std::string::npos;
  }));
  EXPECT_EQ(rec_.count(detail::redis_log_level::warning), 1u);
  EXPECT_FALSE(c->is_up());
  const auto r = call(*c, {"GET", "x"});
  EXPECT_TRUE(r.is_error());
  EXPECT_EQ(r.text.rfind("ERR", 0), 0u) << r.text;
  EXPECT_TRUE(rec_.states.history().empty());
}

TEST_F(RedisConnection, UnixSocketWithDbQuery) {
  redis_server server;
  auto over_unix = connect("unix://" + server.unix_path() + "?db=2", rec_);
  EXPECT_EQ(call(*over_unix, {"SET", "via", "unix"}).text, "OK");
  recorder tcp_rec;
  auto over_tcp = connect(server.tcp_url(2), tcp_rec);
  EXPECT_EQ(call(*over_tcp, {"GET", "via"}).text, "unix");

  // Pub/sub works the same over the unix socket.
  auto sub = connect("redis+unix://" + server.unix_path(), sub_rec_);
  ASSERT_FALSE(subscribe(*sub, redis_subscription::channel, {"u"}).is_error());
  EXPECT_EQ(call(*over_tcp, {"PUBLISH", "u", "p"}).integer, 1);
  const auto m = sub_rec_.messages.pop();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "p");
}

TEST_F(RedisConnection, CloseFailsPendingWorkAndReleasesHandlers) {
  redis_server server;
  auto handle = std::make_shared<std::shared_ptr<redis_connection>>();
  std::weak_ptr<std::shared_ptr<redis_connection>> watch = handle;
  auto options = rec_.options();
  // A handler that owns its connection: a cycle only close() can break.
  options.on_message = [handle](const detail::redis_message&) {};
  *handle = redis_connection::create(io_.executor(), parse_redis_url(server.tcp_url()), options);
  options = {};
  auto c = *handle;
  handle.reset();
  ASSERT_FALSE(call(*c, {"PING"}).is_error());

  mailbox<redis_reply> after;
  c->close();
  c->command({"PING"}, [&](const redis_reply& r) { after.push(r); });
  c->subscribe(redis_subscription::channel, {"x"}, [&](const redis_reply& r) { after.push(r); });
  for (int i = 0; i < 2; ++i) {
    const auto r = after.pop();
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->is_error());
    EXPECT_EQ(r->text, "ERR connection closed");
  }
  EXPECT_TRUE(watch.expired()) << "the handlers were not released by close()";
  EXPECT_FALSE(c->is_up());
}

}  // namespace
}  // namespace socketio::test
