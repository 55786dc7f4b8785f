#include "engineio/detail/base64.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using socketio::detail::base64_append;
using socketio::detail::base64_decode;
using socketio::detail::base64_encode;
using socketio::detail::base64url_encode;

// RFC 4648 section 10.
const std::vector<std::pair<std::string, std::string>> rfc4648_vectors = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64, EncodesRfc4648Vectors) {
  for (const auto& [plain, encoded] : rfc4648_vectors) {
    EXPECT_EQ(base64_encode(plain), encoded) << "input: " << plain;
  }
}

TEST(Base64, DecodesRfc4648Vectors) {
  for (const auto& [plain, encoded] : rfc4648_vectors) {
    const auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << "input: " << encoded;
    EXPECT_EQ(*decoded, plain) << "input: " << encoded;
  }
}

TEST(Base64, AppendKeepsExistingContent) {
  std::string out = "b";
  base64_append(out, "foob");
  EXPECT_EQ(out, "bZm9vYg==");
  base64_append(out, "");
  EXPECT_EQ(out, "bZm9vYg==");
  base64_append(out, "fo");
  EXPECT_EQ(out, "bZm9vYg==Zm8=");
}

TEST(Base64, UsesBothHighCharacters) {
  EXPECT_EQ(base64_encode(std::string("\xfb\xff\xbf", 3)), "+/+/");
  EXPECT_EQ(base64_encode(std::string("\0\0\0", 3)), "AAAA");
  EXPECT_EQ(base64_encode(std::string("\xff", 1)), "/w==");
  const auto decoded = base64_decode("+/+/");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, std::string("\xfb\xff\xbf", 3));
}

TEST(Base64, RoundTripsEveryByteValueAtEveryLength) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all.push_back(static_cast<char>(i));
  for (std::size_t len = 0; len <= all.size(); ++len) {
    const std::string input = all.substr(all.size() - len);
    const std::string encoded = base64_encode(input);
    EXPECT_EQ(encoded.size(), (len + 2) / 3 * 4);
    const auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << "length " << len;
    EXPECT_EQ(*decoded, input) << "length " << len;
  }
}

TEST(Base64, RejectsInvalidInput) {
  const std::vector<std::string> invalid = {
      "Zg=",                    // length not a multiple of 4
      "Zm9",                    // length not a multiple of 4
      "Zm9vY",                  // length not a multiple of 4
      "Z===",                   // too much padding
      "====",                   // padding only
      "=Zm9",                   // padding first
      "Zm=v",                   // padding in the middle of a quantum
      "Z=v=",                   // padding before data in the last quantum
      "Zg==Zg==",               // padding before the last quantum
      "Zm8=Zm9v",               // padding before the last quantum
      "Zm9-",                   // URL-safe alphabet is not standard base64
      "Zm9_",                   //
      "Zm 9",                   // whitespace
      "Zm9\n",                  // newline
      "Zm\r\nZm9v",             // line break inside
      std::string("Zm\0v", 4),  // NUL
      "Zm9\x80",                // non-ASCII byte
      "Zm9\xff",                // non-ASCII byte
      "Zm9.",                   // punctuation
  };
  for (const auto& text : invalid) {
    EXPECT_FALSE(base64_decode(text).has_value()) << "input: " << text;
  }
}

TEST(Base64, AcceptsNonZeroPadBits) {
  // RFC 4648 section 3.5 makes rejecting these optional; the decoder keeps the data bits.
  const auto one = base64_decode("Zh==");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(*one, "f");
  const auto two = base64_decode("Zm9=");
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(*two, "fo");
}

TEST(Base64Url, FifteenBytesGiveTwentyCharacters) {
  const std::string bytes("\x00\x10\x83\x10\x51\x87\x20\x92\x8b\x30\xd3\x8f\x41\x14\x93", 15);
  const std::string encoded = base64url_encode(bytes);
  EXPECT_EQ(encoded.size(), 20u);
  EXPECT_EQ(encoded, "ABCDEFGHIJKLMNOPQRST");
}

TEST(Base64Url, UsesUrlSafeAlphabetWithoutPadding) {
  EXPECT_EQ(base64url_encode(std::string("\xfb\xff\xbf", 3)), "-_-_");
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode(std::string("\xff", 1)), "_w");
}

}  // namespace
