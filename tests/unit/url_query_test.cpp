// Query strings of request targets: percent-decoding, '+', repeated keys, empty values and
// malformed escapes, which are kept literally as Node's querystring does.
#include <gtest/gtest.h>

#include "engineio/detail/url_query.hpp"

namespace {

using socketio::detail::find_param;
using socketio::detail::parse_query;
using socketio::detail::query_list;
using socketio::detail::target_path;

query_list q(std::initializer_list<std::pair<std::string, std::string>> pairs) {
  return query_list(pairs.begin(), pairs.end());
}

TEST(UrlQuery, PathIsEverythingBeforeTheQuestionMark) {
  EXPECT_EQ(target_path("/socket.io/?EIO=4"), "/socket.io/");
  EXPECT_EQ(target_path("/socket.io/"), "/socket.io/");
  EXPECT_EQ(target_path("/a?b?c"), "/a");
  EXPECT_EQ(target_path("?x=1"), "");
}

TEST(UrlQuery, NoQuery) {
  EXPECT_TRUE(parse_query("/engine.io/").empty());
  EXPECT_TRUE(parse_query("/engine.io/?").empty());
  EXPECT_TRUE(parse_query("/engine.io/?&&").empty());
}

TEST(UrlQuery, PairsInOrder) {
  EXPECT_EQ(parse_query("/e/?EIO=4&transport=polling&sid=abc"),
            q({{"EIO", "4"}, {"transport", "polling"}, {"sid", "abc"}}));
}

TEST(UrlQuery, PercentDecodingOfKeysAndValues) {
  EXPECT_EQ(parse_query("/?a%20b=x%20y&%41=%7e%7E"), q({{"a b", "x y"}, {"A", "~~"}}));
  // An encoded separator is data, not structure.
  EXPECT_EQ(parse_query("/?k=1%262%3D3"), q({{"k", "1&2=3"}}));
  // UTF-8 bytes come out as they were encoded.
  EXPECT_EQ(parse_query("/?name=%C3%A9t%C3%A9"), q({{"name", "\xC3\xA9t\xC3\xA9"}}));
  // A NUL byte is a byte like any other.
  EXPECT_EQ(parse_query("/?z=a%00b"), q({{"z", std::string("a\0b", 3)}}));
}

TEST(UrlQuery, PlusIsASpaceButAnEncodedPlusIsAPlus) {
  EXPECT_EQ(parse_query("/?q=a+b+c&a+b=1"), q({{"q", "a b c"}, {"a b", "1"}}));
  EXPECT_EQ(parse_query("/?q=1%2B1"), q({{"q", "1+1"}}));
}

TEST(UrlQuery, RepeatedKeysKeepEveryValueAndFindReturnsTheFirst) {
  const auto list = parse_query("/?t=1&x=y&t=2&t=");
  EXPECT_EQ(list, q({{"t", "1"}, {"x", "y"}, {"t", "2"}, {"t", ""}}));
  const std::string* first = find_param(list, "t");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(*first, "1");
  EXPECT_EQ(find_param(list, "missing"), nullptr);
  EXPECT_EQ(find_param(list, "T"), nullptr) << "names are case-sensitive";
}

TEST(UrlQuery, EmptyValuesAndKeys) {
  EXPECT_EQ(parse_query("/?a=&b&=v&c=="), q({{"a", ""}, {"b", ""}, {"", "v"}, {"c", "="}}));
  const auto list = parse_query("/?flag");
  const std::string* flag = find_param(list, "flag");
  ASSERT_NE(flag, nullptr) << "a key without '=' is present with an empty value";
  EXPECT_EQ(*flag, "");
}

TEST(UrlQuery, OnlyTheFirstEqualsSplits) {
  EXPECT_EQ(parse_query("/?a=b=c"), q({{"a", "b=c"}}));
}

TEST(UrlQuery, MalformedEscapesAreKeptLiterally) {
  EXPECT_EQ(parse_query("/?a=%"), q({{"a", "%"}}));
  EXPECT_EQ(parse_query("/?a=%4"), q({{"a", "%4"}}));
  EXPECT_EQ(parse_query("/?a=%zz&b=%4g"), q({{"a", "%zz"}, {"b", "%4g"}}));
  EXPECT_EQ(parse_query("/?a=100%"), q({{"a", "100%"}}));
  // A '%' that starts no escape does not swallow the valid escape after it.
  EXPECT_EQ(parse_query("/?a=%%41"), q({{"a", "%A"}}));
  EXPECT_EQ(parse_query("/?%=1&%g=2"), q({{"%", "1"}, {"%g", "2"}}));
}

TEST(UrlQuery, FragmentIsNotPartOfTheQuery) {
  EXPECT_EQ(parse_query("/?a=1&b=2#c=3"), q({{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(parse_query("/?a=1%23b"), q({{"a", "1#b"}}));
}

TEST(UrlQuery, OnlyTheFirstQuestionMarkStartsTheQuery) {
  EXPECT_EQ(parse_query("/p?a=1?b=2"), q({{"a", "1?b=2"}}));
}

}  // namespace
