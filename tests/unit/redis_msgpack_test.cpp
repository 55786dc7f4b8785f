// notepack.io-compatible msgpack and the JSON text helpers of the Redis wire formats.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "redis/detail/json_text.hpp"
#include "redis/detail/msgpack.hpp"

namespace {

namespace r = socketio::detail::redis;
using socketio::json;

std::string bytes(std::initializer_list<unsigned> b) {
  std::string out;
  for (unsigned c : b)
    out.push_back(static_cast<char>(c));
  return out;
}

std::string hex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xf]);
  }
  return out;
}

TEST(RedisMsgpack, IntegersTakeTheSmallestForm) {
  const std::vector<std::pair<json, std::string>> cases = {
      {0, "00"},
      {127, "7f"},
      {128, "cc80"},
      {255, "ccff"},
      {256, "cd0100"},
      {65535, "cdffff"},
      {65536, "ce00010000"},
      {4294967295u, "ceffffffff"},
      {4294967296u, "cf0000000100000000"},
      {std::numeric_limits<std::uint64_t>::max(), "cfffffffffffffffff"},
      {-1, "ff"},
      {-32, "e0"},
      {-33, "d0df"},
      {-128, "d080"},
      {-129, "d1ff7f"},
      {-32768, "d18000"},
      {-32769, "d2ffff7fff"},
      {-2147483648LL, "d280000000"},
      {-2147483649LL, "d3ffffffff7fffffff"},
      // Stored as signed but non-negative: still the unsigned forms.
      {json(static_cast<std::int64_t>(200)), "ccc8"},
  };
  for (const auto& [value, expected] : cases)
    EXPECT_EQ(hex(r::msgpack_encode(value)), expected) << value.dump();
}

TEST(RedisMsgpack, NumbersAreIntegersWhenIntegralElseFloat64) {
  EXPECT_EQ(hex(r::msgpack_encode(3.0)), "03");
  EXPECT_EQ(hex(r::msgpack_encode(-0.0)), "00");  // notepack: -0 -> 00
  EXPECT_EQ(hex(r::msgpack_encode(-40.0)), "d0d8");
  EXPECT_EQ(hex(r::msgpack_encode(9007199254740991.0)), "cf001fffffffffffff");
  EXPECT_EQ(hex(r::msgpack_encode(0.5)), "cb3fe0000000000000");  // never float32 (ca)
  EXPECT_EQ(hex(r::msgpack_encode(-0.25)), "cbbfd0000000000000");
  EXPECT_EQ(hex(r::msgpack_encode(3.14)), "cb40091eb851eb851f");
  EXPECT_EQ(hex(r::msgpack_encode(std::numeric_limits<double>::quiet_NaN())).substr(0, 2), "cb");
  EXPECT_EQ(hex(r::msgpack_encode(std::numeric_limits<double>::infinity())), "cb7ff0000000000000");
  // Beyond 64 bits notepack wraps the bits (1e300 -> 0); we keep the value as float64.
  EXPECT_EQ(hex(r::msgpack_encode(1e300)), "cb7e37e43c8800759c");
}

TEST(RedisMsgpack, StringBinaryArrayAndMapHeaders) {
  auto header = [](const json& v, std::size_t n) { return hex(r::msgpack_encode(v)).substr(0, n); };
  EXPECT_EQ(header(std::string(31, 'x'), 2), "bf");
  EXPECT_EQ(header(std::string(32, 'x'), 4), "d920");
  EXPECT_EQ(header(std::string(255, 'x'), 4), "d9ff");
  EXPECT_EQ(header(std::string(256, 'x'), 6), "da0100");
  EXPECT_EQ(header(std::string(65536, 'x'), 10), "db00010000");
  EXPECT_EQ(header(socketio::binary(""), 4), "c400");
  EXPECT_EQ(header(socketio::binary(std::string(256, 'b')), 6), "c50100");
  EXPECT_EQ(header(socketio::binary(std::string(65536, 'b')), 10), "c600010000");
  EXPECT_EQ(header(json::array(), 2), "90");
  EXPECT_EQ(header(json(std::vector<int>(15, 1)), 2), "9f");
  EXPECT_EQ(header(json(std::vector<int>(16, 1)), 6), "dc0010");
  EXPECT_EQ(header(json(std::vector<int>(65536, 1)), 10), "dd00010000");
  EXPECT_EQ(header(json::object(), 2), "80");
  json sixteen = json::object();
  for (char c = 'a'; c < 'a' + 16; ++c)
    sixteen[std::string(1, c)] = 1;
  EXPECT_EQ(header(sixteen, 6), "de0010");
  EXPECT_EQ(hex(r::msgpack_encode(json{{"b", 1}, {"a", nullptr}, {"c", true}})),
            "83a16201a161c0a163c3");  // insertion order, nil, true
  EXPECT_EQ(hex(r::msgpack_encode(false)), "c2");
}

TEST(RedisMsgpack, BinaryWithASubtypeIsStillBin) {
  json v = json::binary({1, 2, 3}, 42);
  EXPECT_EQ(hex(r::msgpack_encode(v)), "c403010203");
}

TEST(RedisMsgpack, DecodesWhatItEncodes) {
  json v =
      json::parse(R"({"a":[1,-2,3.5,"x",null,true,{"n":-2147483649}],"z":18446744073709551615})");
  v["bin"] = socketio::binary(std::string("\0\1\xff", 3));
  auto back = r::msgpack_decode(r::msgpack_encode(v));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, v);
  EXPECT_EQ(back->items().begin().key(), "a");  // order kept
  EXPECT_FALSE((*back)["bin"].get_binary().has_subtype());
}

TEST(RedisMsgpack, DecodesFloat32AndWideIntegers) {
  EXPECT_EQ(*r::msgpack_decode(bytes({0xca, 0x3f, 0x00, 0x00, 0x00})), 0.5);
  EXPECT_EQ(*r::msgpack_decode(bytes({0xd0, 0x05})), 5);  // int8 holding a positive value
  EXPECT_EQ(*r::msgpack_decode(bytes({0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0})),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(*r::msgpack_decode(bytes({0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})),
            std::numeric_limits<std::uint64_t>::max());
}

TEST(RedisMsgpack, ExtTypesDecodeAsNotepackDoes) {
  // timestamp 32: 1795689566 s
  EXPECT_EQ(*r::msgpack_decode(bytes({0xd6, 0xff, 0x6b, 0x08, 0x0c, 0x5e})),
            "2026-11-26T10:39:26.000Z");
  // timestamp 64: 500 ms in the nanosecond field (500000000 << 2), 0 s
  EXPECT_EQ(*r::msgpack_decode(bytes({0xd7, 0xff, 0x77, 0x35, 0x94, 0x00, 0, 0, 0, 0})),
            "1970-01-01T00:00:00.500Z");
  // timestamp 96: -1 s, 0 ns
  EXPECT_EQ(*r::msgpack_decode(bytes(
                {0xc7, 12, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})),
            "1969-12-31T23:59:59.000Z");
  // timestamp 96 out of Date's range: an invalid Date, which JSON writes as null
  EXPECT_TRUE(r::msgpack_decode(bytes({0xc7, 12, 0xff, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff,
                                       0xff, 0xff, 0xff}))
                  ->is_null());
  // legacy date (d7 00): 1000 ms
  EXPECT_EQ(*r::msgpack_decode(bytes({0xd7, 0x00, 0, 0, 0, 0, 0, 0, 0x03, 0xe8})),
            "1970-01-01T00:00:01.000Z");
  // legacy undefined: null in an array, the key dropped in a map
  EXPECT_EQ(*r::msgpack_decode(bytes({0x92, 0xd4, 0x00, 0x00, 0x01})), json::parse("[null,1]"));
  EXPECT_EQ(*r::msgpack_decode(bytes({0x82, 0xa1, 'a', 0xd4, 0x00, 0x00, 0xa1, 'b', 0x02})),
            json::parse(R"({"b":2})"));
  // legacy ArrayBuffer (ext 8, type 0)
  EXPECT_EQ(*r::msgpack_decode(bytes({0xc7, 2, 0x00, 7, 8})), socketio::binary("\x07\x08"));
  // any other ext: [type, Buffer]
  json other = json::array({5, socketio::binary("\x01")});
  EXPECT_EQ(*r::msgpack_decode(bytes({0xd4, 0x05, 0x01})), other);
  json negative = json::array({-3, socketio::binary("ab")});
  EXPECT_EQ(*r::msgpack_decode(bytes({0xc7, 2, 0xfd, 'a', 'b'})), negative);
}

TEST(RedisMsgpack, DatesBeforeYearZeroAndAfter9999UseSixDigitYears) {
  // timestamp 96 with seconds = 253402300800 (year 10000)
  EXPECT_EQ(*r::msgpack_decode(
                bytes({0xc7, 12, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x3a, 0xff, 0xf4, 0x41, 0x80})),
            "+010000-01-01T00:00:00.000Z");
}

TEST(RedisMsgpack, MalformedInputIsAnError) {
  const std::vector<std::string> bad = {
      "",
      bytes({0xc1}),                          // never used
      bytes({0x01, 0x02}),                    // trailing byte
      bytes({0xa3, 'a'}),                     // short string
      bytes({0xcd, 0x01}),                    // short uint16
      bytes({0xdd, 0xff, 0xff, 0xff, 0xff}),  // 4G elements announced, none present
      bytes({0xdf, 0xff, 0xff, 0xff, 0xff}),
      bytes({0x81, 0x01, 0x02}),  // non-string key
      bytes({0xc6, 0xff, 0xff, 0xff, 0xff, 0x00}),
      bytes({0xd6, 0xff, 0x00}),        // short fixext
      bytes({0xc7, 3, 0xff, 0, 0, 0}),  // timestamp of a wrong size
  };
  for (const auto& b : bad) {
    auto v = r::msgpack_decode(b);
    EXPECT_FALSE(v.ok()) << hex(b);
    if (!v.ok()) {
      EXPECT_FALSE(v.error().message.empty());
    }
  }
}

TEST(RedisMsgpack, DeepNestingIsRefused) {
  std::string deep(100000, '\x91');  // [[[[...
  deep.push_back('\x00');
  EXPECT_FALSE(r::msgpack_decode(deep).ok());
  std::string ok(r::max_wire_depth, '\x91');
  ok.push_back('\x00');
  EXPECT_TRUE(r::msgpack_decode(ok).ok());
}

TEST(RedisJsonText, BinaryBecomesANodeBufferObject) {
  json v = json::array({"ev", socketio::binary("\x01\x02\xff"), {{"k", socketio::binary("")}}});
  EXPECT_EQ(r::json_encode(v),
            R"(["ev",{"type":"Buffer","data":[1,2,255]},{"k":{"type":"Buffer","data":[]}}])");
  // The input value is not changed.
  EXPECT_TRUE(v[1].is_binary());
  // And the decoder leaves such an object as it is.
  auto back = r::json_decode(r::json_encode(v));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)[1], json::parse(R"({"type":"Buffer","data":[1,2,255]})"));
}

TEST(RedisJsonText, WritesAsJsonStringify) {
  json v = json::parse(R"({"b":"é€😀","a":[1e300,0.5,-7]})");
  EXPECT_EQ(r::json_encode(v), "{\"b\":\"é€😀\",\"a\":[1e+300,0.5,-7]}");
  // Invalid UTF-8 is replaced, not thrown.
  EXPECT_EQ(r::json_encode(json(std::string("a\xff"))), "\"a\xef\xbf\xbd\"");
}

TEST(RedisJsonText, PayloadRuleAndErrors) {
  EXPECT_TRUE(r::is_json_payload("{}"));
  EXPECT_FALSE(r::is_json_payload("\x81"));
  EXPECT_FALSE(r::is_json_payload(""));
  EXPECT_EQ(*r::decode_payload(R"({"a":1})"), json::parse(R"({"a":1})"));
  EXPECT_EQ(*r::decode_payload(bytes({0x81, 0xa1, 'a', 0x01})), json::parse(R"({"a":1})"));
  EXPECT_FALSE(r::decode_payload("{\"a\":").ok());
  EXPECT_FALSE(r::decode_payload("").ok());
  EXPECT_FALSE(r::json_decode(std::string(5000, '[') + std::string(5000, ']')).ok());
  EXPECT_TRUE(r::contains_binary(json::array({1, json::object({{"x", socketio::binary("")}})})));
  EXPECT_FALSE(r::contains_binary(json::parse(R"([1,{"x":"y"}])")));
}

}  // namespace
