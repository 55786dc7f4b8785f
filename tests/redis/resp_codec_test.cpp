#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "redis/detail/resp_codec.hpp"

namespace socketio::detail {
namespace {

using namespace std::string_literals;

TEST(RespCodec, FormatsBinarySafeMultiBulk) {
  EXPECT_EQ(format_redis_command({"SET", "k", "a\0b"s}),
            "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na\0b\r\n"s);
  EXPECT_EQ(format_redis_command({"PING"}), "*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(format_redis_command({"ECHO", ""}), "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
  EXPECT_THROW(format_redis_command({}), std::invalid_argument);
}

TEST(RespCodec, ParsesEveryReplyKindFedBytewise) {
  const std::string stream =
      "+OK\r\n-ERR bad\r\n:-42\r\n$-1\r\n$5\r\na\0\r\nb\r\n*3\r\n$7\r\nmessage\r\n:1\r\n*0\r\n"s;
  resp_reader reader;
  std::vector<redis_reply> replies;
  redis_reply r;
  for (char c : stream) {
    ASSERT_TRUE(reader.feed(&c, 1));
    while (reader.next(r) == resp_reader::result::reply)
      replies.push_back(r);
  }
  ASSERT_EQ(replies.size(), 6u);
  EXPECT_EQ(replies[0].kind, redis_reply_kind::status);
  EXPECT_EQ(replies[0].text, "OK");
  EXPECT_TRUE(replies[1].is_error());
  EXPECT_EQ(replies[1].text, "ERR bad");
  EXPECT_EQ(replies[2].kind, redis_reply_kind::integer);
  EXPECT_EQ(replies[2].integer, -42);
  EXPECT_EQ(replies[3].kind, redis_reply_kind::nil);
  EXPECT_TRUE(replies[4].is_string());
  EXPECT_EQ(replies[4].text, "a\0\r\nb"s);
  ASSERT_TRUE(replies[5].is_array());
  ASSERT_EQ(replies[5].elements.size(), 3u);
  EXPECT_EQ(replies[5].elements[0].text, "message");
  EXPECT_EQ(replies[5].elements[1].integer, 1);
  EXPECT_TRUE(replies[5].elements[2].is_array());
  EXPECT_TRUE(replies[5].elements[2].elements.empty());
  EXPECT_EQ(replies[5].describe(), "[\"message\", (integer) 1, []]");
}

TEST(RespCodec, NeedsMoreUntilAReplyIsComplete) {
  resp_reader reader;
  redis_reply r;
  ASSERT_TRUE(reader.feed("$10\r\n01234", 10));
  EXPECT_EQ(reader.next(r), resp_reader::result::need_more);
  ASSERT_TRUE(reader.feed("56789\r\n", 7));
  ASSERT_EQ(reader.next(r), resp_reader::result::reply);
  EXPECT_EQ(r.text, "0123456789");
  EXPECT_EQ(reader.next(r), resp_reader::result::need_more);
}

TEST(RespCodec, GarbageIsAnErrorNotACrash) {
  for (const std::string& junk :
       {"junk\r\n"s, "HTTP/1.1 400 Bad Request\r\n"s, "\0\0\0\r\n"s, "*1\r\n!x\r\n"s}) {
    resp_reader reader;
    redis_reply r;
    ASSERT_TRUE(reader.feed(junk.data(), junk.size()));
    EXPECT_EQ(reader.next(r), resp_reader::result::error) << junk;
    EXPECT_FALSE(reader.error().empty());
  }
}

// A peer announcing a huge array must not make the reader allocate the element table up
// front (hiredis 0.14 would: 8 bytes per announced element); a real Redis never sends one.
TEST(RespCodec, HugeArrayHeaderIsAnErrorWithoutAllocating) {
  for (const std::string& header : {"*2000000000\r\n"s, "*1\r\n*1048577\r\n"s}) {
    resp_reader reader;
    redis_reply r;
    ASSERT_TRUE(reader.feed(header.data(), header.size()));
    EXPECT_EQ(reader.next(r), resp_reader::result::error) << header;
  }
  // The largest accepted size still parses (as an array that needs its elements).
  resp_reader reader;
  redis_reply r;
  const std::string ok = "*3\r\n:1\r\n:2\r\n:3\r\n";
  ASSERT_TRUE(reader.feed(ok.data(), ok.size()));
  ASSERT_EQ(reader.next(r), resp_reader::result::reply);
  EXPECT_EQ(r.elements.size(), 3u);
}

}  // namespace
}  // namespace socketio::detail
