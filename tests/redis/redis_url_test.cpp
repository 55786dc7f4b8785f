#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "redis/detail/redis_url.hpp"

namespace socketio::detail {
namespace {

TEST(RedisUrl, HostOnlyUsesDefaults) {
  const auto u = parse_redis_url("redis://localhost");
  EXPECT_EQ(u.host, "localhost");
  EXPECT_EQ(u.port, 6379);
  EXPECT_EQ(u.db, 0);
  EXPECT_TRUE(u.password.empty());
  EXPECT_TRUE(u.username.empty());
  EXPECT_FALSE(u.is_unix());
}

TEST(RedisUrl, PasswordPortAndDb) {
  const auto u = parse_redis_url("redis://:s3cret@10.0.0.5:6380/4");
  EXPECT_EQ(u.host, "10.0.0.5");
  EXPECT_EQ(u.port, 6380);
  EXPECT_EQ(u.db, 4);
  EXPECT_EQ(u.password, "s3cret");
  EXPECT_TRUE(u.username.empty());
}

TEST(RedisUrl, UserPasswordArePercentDecoded) {
  const auto u = parse_redis_url("redis://app%40x:p%3Aw@d@redis.example:7000/");
  EXPECT_EQ(u.username, "app@x");
  EXPECT_EQ(u.password, "p:w@d");  // an unescaped '@' in the password: the last '@' ends it
  EXPECT_EQ(u.host, "redis.example");
  EXPECT_EQ(u.port, 7000);
  EXPECT_EQ(u.db, 0);
}

TEST(RedisUrl, Ipv6HostInBrackets) {
  const auto u = parse_redis_url("redis://[::1]:6390/2");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 6390);
  EXPECT_EQ(u.db, 2);
  EXPECT_EQ(u.display(), "[::1]:6390 db 2");
}

TEST(RedisUrl, SchemeIsCaseInsensitiveAndQueryAccepted) {
  const auto u = parse_redis_url("REDIS://h:1?db=3&password=pw&user=bob");
  EXPECT_EQ(u.db, 3);
  EXPECT_EQ(u.password, "pw");
  EXPECT_EQ(u.username, "bob");
}

TEST(RedisUrl, UnixSocketForms) {
  const auto a = parse_redis_url("unix:///run/redis/redis.sock");
  EXPECT_TRUE(a.is_unix());
  EXPECT_EQ(a.unix_path, "/run/redis/redis.sock");
  EXPECT_TRUE(a.host.empty());
  EXPECT_EQ(a.db, 0);

  const auto b = parse_redis_url("redis+unix:///tmp/r.sock?db=5&password=a%26b");
  EXPECT_EQ(b.unix_path, "/tmp/r.sock");
  EXPECT_EQ(b.db, 5);
  EXPECT_EQ(b.password, "a&b");
  EXPECT_EQ(b.display(), "unix:/tmp/r.sock db 5");
}

TEST(RedisUrl, DisplayNeverShowsThePassword) {
  const auto u = parse_redis_url("redis://user:topsecret@h:1/1");
  EXPECT_EQ(u.display(), "h:1 db 1");
}

// Each bad URL is refused with a message naming the problem, and never echoes the password.
void expect_error(const std::string& url, const std::string& fragment) {
  try {
    parse_redis_url(url);
    ADD_FAILURE() << url << " was accepted";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(fragment), std::string::npos) << url << " -> " << what;
    EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
  }
}

TEST(RedisUrl, BadUrlsAreRefusedClearly) {
  expect_error("localhost:6379", "expected redis://");
  expect_error("http://localhost", "unknown scheme 'http'");
  expect_error("rediss://:hunter2@h", "TLS");
  expect_error("redis://", "missing host");
  expect_error("redis://:hunter2@:6379", "missing host");
  expect_error("redis://h:", "empty port");
  expect_error("redis://h:0", "port must be");
  expect_error("redis://h:65536", "port must be");
  expect_error("redis://h:12ab", "port must be");
  expect_error("redis://h:1/x", "db must be");
  expect_error("redis://h:1/-1", "db must be");
  expect_error("redis://h/99999999999999", "db must be");
  expect_error("redis://hunter2@h", "user without password");
  expect_error("redis://[::1", "unterminated");
  expect_error("redis://[::1]x", "after ']'");
  expect_error("redis://h?tls=1", "unknown query parameter 'tls'");
  expect_error("redis://:hunter2%zz@h", "percent escape");
  expect_error("unix://", "absolute path");
  expect_error("unix://relative.sock", "absolute path");
  expect_error("unix:///tmp/r.sock?db=abc", "db must be");
  expect_error("unix:///" + std::string(200, 'a'), "too long");
}

}  // namespace
}  // namespace socketio::detail
