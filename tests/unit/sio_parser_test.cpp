// Unit tests for the Socket.IO v5 packet encoder and validating decoder (docs/PROTOCOL.md 2.1-2.3,
// 2.7, 2.8). Wire strings are shown without the Engine.IO `4` prefix, as the decoder sees them.
#include "socketio/detail/parser.hpp"
#include "socketio/detail/reserved_names.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using socketio::detail::encode_packet;
using socketio::detail::encoded_packet;
using socketio::detail::is_reserved_event;
using socketio::detail::json;
using socketio::detail::sio_decoder;
using socketio::detail::sio_packet;
using socketio::detail::sio_packet_type;

using namespace std::string_literals;

using result = sio_decoder::result;

sio_packet make_packet(sio_packet_type type, std::string nsp = "/",
                       std::optional<std::uint64_t> id = std::nullopt,
                       json data = json(json::value_t::discarded)) {
  sio_packet packet;
  packet.type = type;
  packet.nsp = std::move(nsp);
  packet.id = id;
  packet.data = std::move(data);
  return packet;
}

json bin(std::string_view bytes) {
  return json::binary(json::binary_t::container_type(bytes.begin(), bytes.end()));
}

std::string encode_text(const sio_packet& packet) {
  const encoded_packet encoded = encode_packet(packet);
  EXPECT_TRUE(encoded.attachments.empty());
  return encoded.text;
}

/// Feeds one text message and its attachments; returns the last result.
result decode(sio_decoder& decoder, std::string_view text, sio_packet& out,
              const std::vector<std::string>& attachments = {}) {
  result r = decoder.feed_text(text, out);
  for (const auto& attachment : attachments) {
    if (r != result::need_more) return r;
    r = decoder.feed_binary(attachment, out);
  }
  return r;
}

result decode(std::string_view text, sio_packet& out,
              const std::vector<std::string>& attachments = {}) {
  sio_decoder decoder;
  return decode(decoder, text, out, attachments);
}

// ---------------------------------------------------------------------------------------------
// Encoding, one case per packet type and header combination (docs/PROTOCOL.md 2.2)

TEST(SioEncode, EventMainNamespace) {
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::event, "/", {}, json::array({"foo"}))),
            R"(2["foo"])");
}

TEST(SioEncode, EventCustomNamespace) {
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::event, "/admin", {}, json::array({"bar"}))),
            R"(2/admin,["bar"])");
}

TEST(SioEncode, EventWithId) {
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::event, "/", 12, json::array({"foo"}))),
            R"(212["foo"])");
}

TEST(SioEncode, EventWithIdZeroAndNamespace) {
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::event, "/custom", 0, json::array({"x"}))),
            R"(2/custom,0["x"])");
}

TEST(SioEncode, EventWithLargestId) {
  const auto max = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::event, "/", max, json::array({"x"}))),
            R"(218446744073709551615["x"])");
}

TEST(SioEncode, AckWithNamespaceAndId) {
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::ack, "/admin", 13, json::array({"bar"}))),
            R"(3/admin,13["bar"])");
}

TEST(SioEncode, AckEmptyArray) {
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::ack, "/", 1, json::array())), "31[]");
}

TEST(SioEncode, AckWithoutData) {
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::ack, "/", 4)), "34");
}

TEST(SioEncode, DisconnectMainNamespace) {
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::disconnect)), "1");
}

TEST(SioEncode, DisconnectCustomNamespace) {
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::disconnect, "/admin")), "1/admin,");
}

TEST(SioEncode, ConnectMainNamespace) {
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::connect, "/", {}, json{{"sid", "x"}})),
            R"(0{"sid":"x"})");
}

TEST(SioEncode, ConnectCustomNamespaceWithPid) {
  json data = json::object();
  data["sid"] = "abc";
  data["pid"] = "def";
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::connect, "/admin", {}, data)),
            R"(0/admin,{"sid":"abc","pid":"def"})");
}

TEST(SioEncode, ConnectWithoutData) {
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::connect, "/admin")), "0/admin,");
}

TEST(SioEncode, ConnectErrorInvalidNamespace) {
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::connect_error, "/random", {},
                                    json{{"message", "Invalid namespace"}})),
            R"(4/random,{"message":"Invalid namespace"})");
}

TEST(SioEncode, ConnectErrorWithData) {
  json data = json::object();
  data["message"] = "not authorized";
  data["data"] = json{{"reason", "x"}};
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::connect_error, "/admin", {}, data)),
            R"(4/admin,{"message":"not authorized","data":{"reason":"x"}})");
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::connect_error, "/", {}, data)),
            R"(4{"message":"not authorized","data":{"reason":"x"}})");
}

TEST(SioEncode, EmptyNamespaceIsMain) {
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::event, "", {}, json::array({"x"}))),
            R"(2["x"])");
}

TEST(SioEncode, BinaryTypeWithoutBinaryFallsBackToPlain) {
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::binary_event, "/", {}, json::array({"a", 1}))),
            R"(2["a",1])");
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::binary_ack, "/x", 5, json::array())),
            "3/x,5[]");
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::binary_ack, "/", 5)), "35");
}

// ---------------------------------------------------------------------------------------------
// Binary encoding (docs/PROTOCOL.md 2.3)

TEST(SioEncode, BinaryEventSingleAttachment) {
  const auto encoded = encode_packet(make_packet(
      sio_packet_type::event, "/", {}, json::array({"message-back", bin("\x01\x02\x03")})));
  EXPECT_EQ(encoded.text, R"(51-["message-back",{"_placeholder":true,"num":0}])");
  ASSERT_EQ(encoded.attachments.size(), 1u);
  EXPECT_EQ(encoded.attachments[0], "\x01\x02\x03"s);
}

TEST(SioEncode, BinaryAckWithNamespaceAndId) {
  const auto encoded = encode_packet(
      make_packet(sio_packet_type::ack, "/admin", 9, json::array({bin("b"), bin("a")})));
  EXPECT_EQ(encoded.text,
            R"(62-/admin,9[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  ASSERT_EQ(encoded.attachments.size(), 2u);
  EXPECT_EQ(encoded.attachments[0], "b");
  EXPECT_EQ(encoded.attachments[1], "a");
}

TEST(SioEncode, NestedBinariesNumberedDepthFirst) {
  json inner = json::object();
  inner["c"] = bin("2");
  json obj = json::object();
  obj["a"] = bin("0");
  obj["b"] = json::array({bin("1"), inner, 7});
  obj["z"] = "plain";
  const json data = json::array({"ev", obj, bin("3"), json::array({json::array({bin("4")})})});
  const auto encoded = encode_packet(make_packet(sio_packet_type::binary_event, "/", {}, data));
  EXPECT_EQ(encoded.text,
            R"(55-["ev",{"a":{"_placeholder":true,"num":0},"b":[{"_placeholder":true,"num":1},)"
            R"({"c":{"_placeholder":true,"num":2}},7],"z":"plain"},)"
            R"({"_placeholder":true,"num":3},[[{"_placeholder":true,"num":4}]]])");
  ASSERT_EQ(encoded.attachments.size(), 5u);
  for (std::size_t i = 0; i < encoded.attachments.size(); ++i) {
    EXPECT_EQ(encoded.attachments[i], std::to_string(i));
  }
}

TEST(SioEncode, EmptyBinaryAttachment) {
  const auto encoded =
      encode_packet(make_packet(sio_packet_type::event, "/", {}, json::array({"e", bin("")})));
  EXPECT_EQ(encoded.text, R"(51-["e",{"_placeholder":true,"num":0}])");
  ASSERT_EQ(encoded.attachments.size(), 1u);
  EXPECT_TRUE(encoded.attachments[0].empty());
}

TEST(SioEncode, AllByteValuesInAttachment) {
  std::string bytes;
  for (int i = 0; i < 256; ++i)
    bytes.push_back(static_cast<char>(i));
  const auto encoded =
      encode_packet(make_packet(sio_packet_type::event, "/", {}, json::array({"e", bin(bytes)})));
  ASSERT_EQ(encoded.attachments.size(), 1u);
  EXPECT_EQ(encoded.attachments[0], bytes);
}

TEST(SioEncode, BinaryPayloadLeavesInputUntouched) {
  const sio_packet packet =
      make_packet(sio_packet_type::event, "/", {}, json::array({"e", bin("x")}));
  const json before = packet.data;
  (void)encode_packet(packet);
  EXPECT_EQ(packet.data, before);
  EXPECT_TRUE(packet.data[1].is_binary());
}

// ---------------------------------------------------------------------------------------------
// JSON output rules (docs/PROTOCOL.md 2.2, 5)

TEST(SioEncode, KeyOrderPreserved) {
  json obj = json::object();
  obj["z"] = 1;
  obj["a"] = 2;
  obj["m"] = json::object();
  obj["m"]["y"] = true;
  obj["m"]["b"] = nullptr;
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::event, "/", {}, json::array({"e", obj}))),
            R"(2["e",{"z":1,"a":2,"m":{"y":true,"b":null}}])");
}

TEST(SioEncode, IntegersStayIntegers) {
  const json data = json::array({"n", 1, -2, 0, std::numeric_limits<std::uint64_t>::max(),
                                 std::numeric_limits<std::int64_t>::min(), 1.5, 100.0});
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::event, "/", {}, data)),
            R"(2["n",1,-2,0,18446744073709551615,-9223372036854775808,1.5,100.0])");
}

TEST(SioEncode, InvalidUtf8Replaced) {
  const json data = json::array({"e", "a\xFF"s + "b", "\xC3"s});
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::event, "/", {}, data)),
            "2[\"e\",\"a\xEF\xBF\xBD"
            "b\",\"\xEF\xBF\xBD\"]");
}

TEST(SioEncode, RawUtf8AndEscapes) {
  const json data = json::array({"e", "h\xC3\xA9llo \xF0\x9F\x98\x80", "q\"\\\n\x01"});
  EXPECT_EQ(encode_text(make_packet(sio_packet_type::event, "/", {}, data)),
            "2[\"e\",\"h\xC3\xA9llo \xF0\x9F\x98\x80\",\"q\\\"\\\\\\n\\u0001\"]");
}

TEST(SioReserved, Names) {
  for (const char* name : {"connect", "connect_error", "disconnect", "disconnecting", "newListener",
                           "removeListener"}) {
    EXPECT_TRUE(is_reserved_event(name)) << name;
  }
  for (const char* name : {"connection", "message", "", "Connect", "connect ", "new_namespace",
                           "disconnected", "error"}) {
    EXPECT_FALSE(is_reserved_event(name)) << name;
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding valid forms (docs/PROTOCOL.md 2.2, 2.4)

TEST(SioDecode, ConnectMainNamespace) {
  sio_packet p;
  ASSERT_EQ(decode("0", p), result::packet);
  EXPECT_EQ(p.type, sio_packet_type::connect);
  EXPECT_EQ(p.nsp, "/");
  EXPECT_FALSE(p.id);
  EXPECT_TRUE(p.data.is_discarded());
}

TEST(SioDecode, ConnectWithAuth) {
  sio_packet p;
  ASSERT_EQ(decode(R"(0{"token":"x"})", p), result::packet);
  EXPECT_EQ(p.nsp, "/");
  EXPECT_EQ(p.data, json({{"token", "x"}}));
}

TEST(SioDecode, ConnectNamespaceWithoutComma) {
  sio_packet p;
  ASSERT_EQ(decode("0/custom", p), result::packet);
  EXPECT_EQ(p.type, sio_packet_type::connect);
  EXPECT_EQ(p.nsp, "/custom");
  EXPECT_TRUE(p.data.is_discarded());
}

TEST(SioDecode, ConnectNamespaceWithComma) {
  sio_packet p;
  ASSERT_EQ(decode("0/custom,", p), result::packet);
  EXPECT_EQ(p.nsp, "/custom");
  EXPECT_FALSE(p.id);
  EXPECT_TRUE(p.data.is_discarded());
}

TEST(SioDecode, ConnectNamespaceWithAuth) {
  sio_packet p;
  ASSERT_EQ(decode(R"(0/custom,{"token":"x"})", p), result::packet);
  EXPECT_EQ(p.nsp, "/custom");
  EXPECT_EQ(p.data, json({{"token", "x"}}));
}

TEST(SioDecode, ConnectAuthKeepsKeyOrder) {
  sio_packet p;
  ASSERT_EQ(decode(R"(0{"pid":"p","offset":"o","z":1,"a":2})", p), result::packet);
  EXPECT_EQ(p.data.dump(), R"({"pid":"p","offset":"o","z":1,"a":2})");
}

TEST(SioDecode, Disconnect) {
  sio_packet p;
  ASSERT_EQ(decode("1", p), result::packet);
  EXPECT_EQ(p.type, sio_packet_type::disconnect);
  EXPECT_EQ(p.nsp, "/");
  ASSERT_EQ(decode("1/admin,", p), result::packet);
  EXPECT_EQ(p.type, sio_packet_type::disconnect);
  EXPECT_EQ(p.nsp, "/admin");
  EXPECT_TRUE(p.data.is_discarded());
}

TEST(SioDecode, Event) {
  sio_packet p;
  ASSERT_EQ(decode(R"(2["chat","hi"])", p), result::packet);
  EXPECT_EQ(p.type, sio_packet_type::event);
  EXPECT_EQ(p.nsp, "/");
  EXPECT_FALSE(p.id);
  EXPECT_EQ(p.data, json::array({"chat", "hi"}));
}

TEST(SioDecode, EventNamespace) {
  sio_packet p;
  ASSERT_EQ(decode(R"(2/admin,["bar",{"k":[1,2]}])", p), result::packet);
  EXPECT_EQ(p.nsp, "/admin");
  EXPECT_FALSE(p.id);
  EXPECT_EQ(p.data.dump(), R"(["bar",{"k":[1,2]}])");
}

TEST(SioDecode, EventWithId) {
  sio_packet p;
  ASSERT_EQ(decode(R"(2012["x"])", p), result::packet);
  ASSERT_TRUE(p.id);
  EXPECT_EQ(*p.id, 12u);
  EXPECT_EQ(p.data, json::array({"x"}));
}

TEST(SioDecode, EventNamespaceAndId) {
  sio_packet p;
  ASSERT_EQ(decode(R"(2/admin,7["x"])", p), result::packet);
  EXPECT_EQ(p.nsp, "/admin");
  ASSERT_TRUE(p.id);
  EXPECT_EQ(*p.id, 7u);
}

TEST(SioDecode, EventIdZero) {
  sio_packet p;
  ASSERT_EQ(decode(R"(20["x"])", p), result::packet);
  ASSERT_TRUE(p.id);
  EXPECT_EQ(*p.id, 0u);
}

TEST(SioDecode, EventLargestId) {
  sio_packet p;
  ASSERT_EQ(decode(R"(218446744073709551615["x"])", p), result::packet);
  ASSERT_TRUE(p.id);
  EXPECT_EQ(*p.id, std::numeric_limits<std::uint64_t>::max());
}

TEST(SioDecode, EventIdWithLeadingZeros) {
  sio_packet p;
  ASSERT_EQ(decode(R"(2000000000000000000000000042["x"])", p), result::packet);
  ASSERT_TRUE(p.id);
  EXPECT_EQ(*p.id, 42u);
}

TEST(SioDecode, NumericEventNameAccepted) {
  sio_packet p;
  ASSERT_EQ(decode("2[1,2]", p), result::packet);
  EXPECT_EQ(p.data, json::array({1, 2}));
  ASSERT_EQ(decode("2[-1.5]", p), result::packet);
}

TEST(SioDecode, EventWhitespaceAroundJson) {
  sio_packet p;
  ASSERT_EQ(decode("2 [\"x\"] \n", p), result::packet);
  EXPECT_EQ(p.data, json::array({"x"}));
}

TEST(SioDecode, EventUnicode) {
  sio_packet p;
  ASSERT_EQ(decode("2[\"h\xC3\xA9\",\"\\u00e9\\ud83d\\ude00\"]", p), result::packet);
  EXPECT_EQ(p.data[0], "h\xC3\xA9");
  EXPECT_EQ(p.data[1], "\xC3\xA9\xF0\x9F\x98\x80");
}

TEST(SioDecode, BracketsInsideStringsDoNotCountAsNesting) {
  const std::string deep_text(200, '[');
  sio_packet p;
  ASSERT_EQ(decode("2[\"x\",\"" + deep_text + "\",\"\\\"[[[[\"]", p), result::packet);
  EXPECT_EQ(p.data[1], deep_text);
  EXPECT_EQ(p.data[2], "\"[[[[");
}

TEST(SioDecode, NestingAtTheLimitAccepted) {
  // The event array itself is level 1, so 63 more levels reach exactly 64.
  const std::string text = "2[\"x\"," + std::string(63, '[') + std::string(64, ']');
  sio_packet p;
  EXPECT_EQ(decode(text, p), result::packet);
}

TEST(SioDecode, BareEventAndAckAreIgnoredPackets) {
  // docs/PROTOCOL.md 2.2 (quirk): the reference accepts `42`/`43` without payload and does nothing;
  // the decoder yields the packet with discarded data and the caller ignores it.
  sio_packet p;
  ASSERT_EQ(decode("2", p), result::packet);
  EXPECT_EQ(p.type, sio_packet_type::event);
  EXPECT_TRUE(p.data.is_discarded());
  ASSERT_EQ(decode("3", p), result::packet);
  EXPECT_EQ(p.type, sio_packet_type::ack);
  EXPECT_TRUE(p.data.is_discarded());
  ASSERT_EQ(decode("2/admin,5", p), result::packet);
  EXPECT_EQ(p.nsp, "/admin");
  EXPECT_EQ(p.id, 5u);
  EXPECT_TRUE(p.data.is_discarded());
}

TEST(SioDecode, Ack) {
  sio_packet p;
  ASSERT_EQ(decode("3[]", p), result::packet);
  EXPECT_EQ(p.type, sio_packet_type::ack);
  EXPECT_EQ(p.data, json::array());
  ASSERT_EQ(decode(R"(3/admin,13["bar",null])", p), result::packet);
  EXPECT_EQ(p.nsp, "/admin");
  EXPECT_EQ(p.id, 13u);
  EXPECT_EQ(p.data, json::array({"bar", nullptr}));
}

TEST(SioDecode, AckWithReservedNameIsFine) {
  // Only events are checked for reserved names; ack arguments are arbitrary.
  sio_packet p;
  EXPECT_EQ(decode(R"(31["connect",true])", p), result::packet);
}

TEST(SioDecode, ConnectErrorObjectParses) {
  // The caller refuses CONNECT_ERROR from clients (docs/PROTOCOL.md 2.4); the decoder only checks
  // its shape.
  sio_packet p;
  ASSERT_EQ(decode(R"(4{"message":"x"})", p), result::packet);
  EXPECT_EQ(p.type, sio_packet_type::connect_error);
}

TEST(SioDecode, DecoderIsReusable) {
  sio_decoder decoder;
  sio_packet p;
  ASSERT_EQ(decoder.feed_text("0", p), result::packet);
  ASSERT_EQ(decoder.feed_text(R"(2["a"])", p), result::packet);
  EXPECT_EQ(p.data, json::array({"a"}));
  ASSERT_EQ(decoder.feed_text(R"(2/b,["b"])", p), result::packet);
  EXPECT_EQ(p.nsp, "/b");
}

// ---------------------------------------------------------------------------------------------
// Binary reassembly (docs/PROTOCOL.md 2.3)

TEST(SioDecodeBinary, SingleAttachment) {
  sio_decoder decoder;
  sio_packet p;
  ASSERT_EQ(decoder.feed_text(R"(51-["message-back",{"_placeholder":true,"num":0}])", p),
            result::need_more);
  ASSERT_EQ(decoder.feed_binary("\x01\x02\x03", p), result::packet);
  EXPECT_EQ(p.type, sio_packet_type::binary_event);
  EXPECT_EQ(p.nsp, "/");
  EXPECT_FALSE(p.id);
  ASSERT_TRUE(p.data.is_array());
  ASSERT_EQ(p.data.size(), 2u);
  EXPECT_EQ(p.data[0], "message-back");
  ASSERT_TRUE(p.data[1].is_binary());
  EXPECT_EQ(p.data[1], bin("\x01\x02\x03"));
}

TEST(SioDecodeBinary, ReorderedPlaceholders) {
  // docs/PROTOCOL.md 2.3 `452-9[...]`: the event name comes first, then the re-ordered binaries.
  sio_decoder decoder;
  sio_packet p;
  ASSERT_EQ(decoder.feed_text(
                R"(52-9["echo",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}])", p),
            result::need_more);
  ASSERT_EQ(decoder.feed_binary("\x01", p), result::need_more);
  ASSERT_EQ(decoder.feed_binary("\x02", p), result::packet);
  EXPECT_EQ(p.type, sio_packet_type::binary_event);
  EXPECT_EQ(p.id, 9u);
  ASSERT_EQ(p.data.size(), 3u);
  EXPECT_EQ(p.data[0], "echo");
  EXPECT_EQ(p.data[1], bin("\x02"));
  EXPECT_EQ(p.data[2], bin("\x01"));
}

TEST(SioDecodeBinary, ReorderedPlaceholdersAck) {
  sio_decoder decoder;
  sio_packet p;
  ASSERT_EQ(
      decoder.feed_text(R"(62-9[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}])", p),
      result::need_more);
  ASSERT_EQ(decoder.feed_binary("\x01", p), result::need_more);
  ASSERT_EQ(decoder.feed_binary("\x02", p), result::packet);
  EXPECT_EQ(p.type, sio_packet_type::binary_ack);
  EXPECT_EQ(p.id, 9u);
  ASSERT_EQ(p.data.size(), 2u);
  EXPECT_EQ(p.data[0], bin("\x02"));
  EXPECT_EQ(p.data[1], bin("\x01"));
  // Echoing it re-numbers the placeholders in document order (docs/PROTOCOL.md 2.3).
  const auto encoded = encode_packet(p);
  EXPECT_EQ(encoded.text, R"(62-9[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  EXPECT_EQ(encoded.attachments, (std::vector<std::string>{"\x02", "\x01"}));
}

TEST(SioDecodeBinary, NamespaceIdAndNestedPlaceholders) {
  sio_packet p;
  ASSERT_EQ(decode(R"(53-/admin,4["ev",{"a":{"_placeholder":true,"num":2},)"
                   R"("b":[{"_placeholder":true,"num":0}]},{"_placeholder":true,"num":1}])",
                   p, {"zero", "one", "two"}),
            result::packet);
  EXPECT_EQ(p.nsp, "/admin");
  EXPECT_EQ(p.id, 4u);
  EXPECT_EQ(p.data[1]["a"], bin("two"));
  EXPECT_EQ(p.data[1]["b"][0], bin("zero"));
  EXPECT_EQ(p.data[2], bin("one"));
}

TEST(SioDecodeBinary, PlaceholderUsedTwiceAndAttachmentUnused) {
  sio_packet p;
  ASSERT_EQ(decode(R"(52-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}])", p,
                   {"a", "b"}),
            result::packet);
  EXPECT_EQ(p.data[1], bin("a"));
  EXPECT_EQ(p.data[2], bin("a"));
}

TEST(SioDecodeBinary, PlaceholderWithExtraKeysAndIntegralFloatNum) {
  sio_packet p;
  ASSERT_EQ(decode(R"(51-["e",{"num":0.0,"_placeholder":true,"extra":1}])", p, {"x"}),
            result::packet);
  EXPECT_EQ(p.data[1], bin("x"));
}

TEST(SioDecodeBinary, PlaceholderFalseIsPlainObject) {
  sio_packet p;
  ASSERT_EQ(decode(R"(51-["e",{"_placeholder":false,"num":5},{"_placeholder":"true"}])", p, {"x"}),
            result::packet);
  EXPECT_EQ(p.data[1].dump(), R"({"_placeholder":false,"num":5})");
  EXPECT_EQ(p.data[2].dump(), R"({"_placeholder":"true"})");
}

TEST(SioDecodeBinary, PlaceholdersInPlainEventAreNotSubstituted) {
  sio_packet p;
  ASSERT_EQ(decode(R"(2["e",{"_placeholder":true,"num":0}])", p), result::packet);
  EXPECT_TRUE(p.data[1].is_object());
}

TEST(SioDecodeBinary, EmptyAttachmentAndMaxCount) {
  std::string text = "510-[\"e\"";
  std::vector<std::string> attachments;
  for (int i = 0; i < 10; ++i) {
    text += ",{\"_placeholder\":true,\"num\":" + std::to_string(i) + "}";
    attachments.push_back(std::string(static_cast<std::size_t>(i), 'a'));
  }
  text += "]";
  sio_packet p;
  ASSERT_EQ(decode(text, p, attachments), result::packet);
  EXPECT_EQ(p.data[1], bin(""));
  EXPECT_EQ(p.data[10], bin("aaaaaaaaa"));
}

TEST(SioDecodeBinary, LeadingZeroCount) {
  sio_packet p;
  EXPECT_EQ(decode(R"(501-["e",{"_placeholder":true,"num":0}])", p, {"x"}), result::packet);
}

TEST(SioDecodeBinary, HeaderWithoutPayload) {
  // As in the reference: the attachments are still collected, then the empty packet is handed
  // over and ignored by the caller like a bare `42`.
  sio_packet p;
  ASSERT_EQ(decode("51-", p, {"x"}), result::packet);
  EXPECT_EQ(p.type, sio_packet_type::binary_event);
  EXPECT_TRUE(p.data.is_discarded());
}

TEST(SioDecodeBinary, CustomMaxAttachments) {
  sio_decoder decoder(2);
  sio_packet p;
  EXPECT_EQ(decoder.feed_text(R"(52-["e"])", p), result::need_more);
  sio_decoder strict(2);
  EXPECT_EQ(strict.feed_text(R"(53-["e"])", p), result::error);
}

TEST(SioDecodeBinary, DecoderReusableAfterBinaryPacket) {
  sio_decoder decoder;
  sio_packet p;
  ASSERT_EQ(decoder.feed_text(R"(51-["e",{"_placeholder":true,"num":0}])", p), result::need_more);
  ASSERT_EQ(decoder.feed_binary("x", p), result::packet);
  ASSERT_EQ(decoder.feed_text(R"(2["next"])", p), result::packet);
  EXPECT_EQ(p.data, json::array({"next"}));
  ASSERT_EQ(decoder.feed_text(R"(61-3[{"_placeholder":true,"num":0}])", p), result::need_more);
  ASSERT_EQ(decoder.feed_binary("y", p), result::packet);
  EXPECT_EQ(p.data[0], bin("y"));
  EXPECT_EQ(p.id, 3u);
}

// ---------------------------------------------------------------------------------------------
// Fatal inputs (docs/PROTOCOL.md 2.7): every row must yield result::error.

class SioFatalText : public ::testing::TestWithParam<std::string> {};

TEST_P(SioFatalText, IsError) {
  sio_decoder decoder;
  sio_packet p;
  EXPECT_EQ(decoder.feed_text(GetParam(), p), result::error);
}

std::string deep(std::size_t levels, bool close) {
  // Built with append: `"2" + std::string(n, c)` trips a GCC 12 -O3 false -Wrestrict.
  std::string text;
  text.reserve(1 + 2 * levels);
  text.push_back('2');
  text.append(levels, '[');
  if (close) text.append(levels, ']');
  return text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, SioFatalText,
    ::testing::Values(
        // unknown type
        "abc"s, "9"s, "7[\"x\"]"s, "9[\"x\"]"s, ""s, " 2[\"x\"]"s, "-2[\"x\"]"s,
        // EVENT must be a non-empty array starting with a string or a number
        "2{}"s, "2null"s, "2[]"s, "2[true]"s, "2[{\"a\":1}]"s, "2[null]"s, "2[[\"x\"]]"s, "2\"x\""s,
        "21"s + "{}", "2/admin,{}"s, "2/admin,[]"s,
        // reserved event names (docs/PROTOCOL.md 2.8)
        "2[\"connect\"]"s, "2[\"connect_error\"]"s, "2[\"disconnect\"]"s, "2[\"disconnecting\"]"s,
        "2[\"newListener\"]"s, "2[\"removeListener\"]"s, "2/admin,3[\"disconnect\",1]"s,
        // payload is not valid JSON after the id
        "2abc[\"x\"]"s, "2-1[\"x\"]"s, "2-1"s, "20.5[\"x\"]"s, "2[\"x\"]junk"s, "2[\"x\"]]"s,
        "2[\"x\""s, "2[\"x\","s, "2[\"x"s, "2[\"x\",{\"a\":}]"s, "2['x']"s, "2[\"x\",]"s,
        "2[\"x\",NaN]"s, "2[\"x\"] /* c */"s, "2\xEF\xBB\xBF[\"x\"]"s, "2[\"x\"]\x1e"s,
        // ack id overflow
        "218446744073709551616[\"x\"]"s, "299999999999999999999[\"x\"]"s,
        // DISCONNECT with a payload
        "1{}"s, "1/admin,{}"s, "1[]"s, "1null"s, "1 "s,
        // CONNECT payload that is not an object
        "0\"str\""s, "0/custom,null"s, "0[]"s, "01"s + "[]", "0true"s, "0{"s,
        // attachment count < 1, > 10, or malformed
        "50-[\"x\"]"s, "511-[\"x\"]"s, "51[\"x\"]"s, "5-[\"x\"]"s, "5"s, "51"s, "5a-[\"x\"]"s,
        "5 1-[\"x\"]"s, "599999999999999999999999-[\"x\"]"s, "61[]"s, "60-[]"s, "6-[]"s,
        // the type check applies to binary headers too
        "51-{}"s, "51-[\"connect\",{\"_placeholder\":true,\"num\":0}]"s,
        "51-[{\"_placeholder\":true,\"num\":0}]"s, "61-{}"s, "61-\"x\""s,
        // ACK payload that is not an array
        "3x"s, "3{}"s, "3null"s, "3\"a\""s, "31{}"s, "3/admin,1{}"s,
        // CONNECT_ERROR held to an object
        "4\"str\""s, "4[]"s,
        // nesting beyond 64 levels, including 100k unclosed and closed brackets
        deep(100000, false), deep(100000, true), deep(65, true),
        "2[\"x\"," + std::string(64, '[') + std::string(65, ']'),
        "2[\"x\"," + std::string(100000, '{')));

class SioFatalPlaceholder : public ::testing::TestWithParam<std::string> {};

TEST_P(SioFatalPlaceholder, IsError) {
  // Header accepted, error once the last attachment arrives and placeholders are resolved.
  sio_decoder decoder;
  sio_packet p;
  ASSERT_EQ(decoder.feed_text(GetParam(), p), result::need_more);
  EXPECT_EQ(decoder.feed_binary("x", p), result::error);
}

INSTANTIATE_TEST_SUITE_P(
    BadNum, SioFatalPlaceholder,
    ::testing::Values(R"(51-["e",{"_placeholder":true,"num":1}])"s,
                      R"(51-["e",{"_placeholder":true,"num":-1}])"s,
                      R"(51-["e",{"_placeholder":true,"num":"0"}])"s,
                      R"(51-["e",{"_placeholder":true,"num":null}])"s,
                      R"(51-["e",{"_placeholder":true,"num":0.5}])"s,
                      R"(51-["e",{"_placeholder":true,"num":[0]}])"s,
                      R"(51-["e",{"_placeholder":true}])"s,
                      R"(51-["e",{"_placeholder":true,"num":18446744073709551615}])"s,
                      R"(51-["e",{"_placeholder":true,"num":1e300}])"s,
                      R"(51-["e",[{"k":{"_placeholder":true,"num":3}}]])"s,
                      R"(61-[{"_placeholder":true,"num":1}])"s));

TEST(SioFatal, TextWhileAttachmentsPending) {
  sio_decoder decoder;
  sio_packet p;
  ASSERT_EQ(decoder.feed_text(R"(52-["e",{"_placeholder":true,"num":0}])", p), result::need_more);
  EXPECT_EQ(decoder.feed_text(R"(2["y"])", p), result::error);
}

TEST(SioFatal, TextWhileSecondAttachmentPending) {
  sio_decoder decoder;
  sio_packet p;
  ASSERT_EQ(decoder.feed_text(R"(52-["e",{"_placeholder":true,"num":0}])", p), result::need_more);
  ASSERT_EQ(decoder.feed_binary("a", p), result::need_more);
  EXPECT_EQ(decoder.feed_text(R"(51-["e"])", p), result::error);
}

TEST(SioFatal, BinaryWithNoHeader) {
  sio_decoder decoder;
  sio_packet p;
  EXPECT_EQ(decoder.feed_binary("x", p), result::error);
}

TEST(SioFatal, BinaryAfterPlainPacket) {
  sio_decoder decoder;
  sio_packet p;
  ASSERT_EQ(decoder.feed_text(R"(2["e"])", p), result::packet);
  EXPECT_EQ(decoder.feed_binary("x", p), result::error);
}

TEST(SioFatal, ExtraBinaryAfterCompletedPacket) {
  sio_decoder decoder;
  sio_packet p;
  ASSERT_EQ(decoder.feed_text(R"(51-["e",{"_placeholder":true,"num":0}])", p), result::need_more);
  ASSERT_EQ(decoder.feed_binary("x", p), result::packet);
  EXPECT_EQ(decoder.feed_binary("y", p), result::error);
}

// ---------------------------------------------------------------------------------------------
// Round trip encode -> decode with pseudo-random nested JSON and binaries

class value_generator {
 public:
  explicit value_generator(std::uint32_t seed) : rng_(seed) {}

  json value(int depth) {
    const int kind = pick(depth > 0 ? 9 : 6);
    switch (kind) {
      case 0:
        return nullptr;
      case 1:
        return pick(2) == 0;
      case 2:
        return static_cast<std::int64_t>(rng_()) - static_cast<std::int64_t>(rng_());
      case 3:
        return text();
      case 4:
        return static_cast<double>(pick(100000)) / 64.0 + 0.5;
      case 5:
        return bytes();
      case 6:
      case 7: {
        json array = json::array();
        const int n = pick(5);
        for (int i = 0; i < n; ++i)
          array.push_back(value(depth - 1));
        return array;
      }
      default: {
        json object = json::object();
        const int n = pick(5);
        for (int i = 0; i < n; ++i)
          object[key()] = value(depth - 1);
        return object;
      }
    }
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::string text() {
    static const char* const pieces[] = {
        "a",    "Z", " ", "\"", "\\", "/",        "\n",           "\t",
        "\x01", "[", "{", "}",  ",",  "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};
    std::string out;
    const int n = pick(8);
    for (int i = 0; i < n; ++i)
      out += pieces[pick(static_cast<int>(std::size(pieces)))];
    return out;
  }

  std::string key() {
    static const char* const keys[] = {"a", "b", "num", "_p", "\xC3\xA9", "", "k\"ey"};
    return keys[pick(static_cast<int>(std::size(keys)))];
  }

  json bytes() {
    json::binary_t::container_type data(static_cast<std::size_t>(pick(6)));
    for (auto& b : data)
      b = static_cast<std::uint8_t>(pick(256));
    return json::binary(std::move(data));
  }

  std::mt19937 rng_;
};

TEST(SioRoundTrip, RandomNestedJsonWithBinaries) {
  value_generator generator(20240611u);
  int binary_packets = 0;
  for (int iteration = 0; iteration < 500; ++iteration) {
    json args = json::array();
    args.push_back(iteration % 7 == 0 ? json(iteration) : json("ev" + std::to_string(iteration)));
    const int count = iteration % 4;
    for (int i = 0; i < count; ++i)
      args.push_back(generator.value(4));

    const bool is_ack = iteration % 3 == 0;
    sio_packet original = make_packet(is_ack ? sio_packet_type::ack : sio_packet_type::event,
                                      iteration % 2 == 0 ? "/" : "/n" + std::to_string(iteration),
                                      iteration % 5 == 0 ? std::optional<std::uint64_t>{}
                                                         : std::optional<std::uint64_t>(iteration),
                                      args);
    const encoded_packet encoded = encode_packet(original);
    if (encoded.attachments.size() > 10) continue;  // beyond the decoder's default limit
    if (!encoded.attachments.empty()) ++binary_packets;

    sio_decoder decoder;
    sio_packet decoded;
    ASSERT_EQ(decode(decoder, encoded.text, decoded, encoded.attachments), result::packet)
        << encoded.text;
    const bool binary = !encoded.attachments.empty();
    if (is_ack) {
      EXPECT_EQ(decoded.type, binary ? sio_packet_type::binary_ack : sio_packet_type::ack);
    } else {
      EXPECT_EQ(decoded.type, binary ? sio_packet_type::binary_event : sio_packet_type::event);
    }
    EXPECT_EQ(decoded.nsp, original.nsp);
    EXPECT_EQ(decoded.id, original.id);
    EXPECT_EQ(decoded.data, original.data) << encoded.text;

    // Re-encoding the decoded packet gives the same bytes.
    const encoded_packet again = encode_packet(decoded);
    EXPECT_EQ(again.text, encoded.text);
    EXPECT_EQ(again.attachments, encoded.attachments);
  }
  EXPECT_GT(binary_packets, 50);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Lone UTF-16 surrogates: JSON.stringify escapes them (`\ud83d`), and the reference accepts
// them; they arrive as U+FFFD instead of closing the connection.
// ---------------------------------------------------------------------------------------------

namespace {

json decoded_args(std::string_view text) {
  sio_packet p;
  EXPECT_EQ(decode(text, p), result::packet) << text;
  return p.data;
}

}  // namespace

TEST(SioDecodeSurrogates, LoneHighSurrogateBecomesReplacementCharacter) {
  EXPECT_EQ(decoded_args(R"(2["x","a\ud83d"])"), json::parse(R"(["x","a\ufffd"])"));
  EXPECT_EQ(decoded_args(R"(2["x","a\ud83d"])")[1].get<std::string>(), "a\xEF\xBF\xBD");
}

TEST(SioDecodeSurrogates, LoneLowSurrogateAndHighAtTheEnd) {
  EXPECT_EQ(decoded_args(R"(2["x","\ude00b","c\uD83D"])"),
            json::parse(R"(["x","\ufffdb","c\ufffd"])"));
}

TEST(SioDecodeSurrogates, ValidPairsAreKept) {
  EXPECT_EQ(decoded_args(R"(2["x","\ud83d\ude00"])")[1].get<std::string>(), "\xF0\x9F\x98\x80");
}

TEST(SioDecodeSurrogates, TwoHighSurrogatesInARowAreBothReplaced) {
  EXPECT_EQ(decoded_args(R"(2["x","\ud83d\ud83d\ude00"])")[1].get<std::string>(),
            "\xEF\xBF\xBD\xF0\x9F\x98\x80");
}

TEST(SioDecodeSurrogates, AnEscapedBackslashBeforeUIsNotAnEscape) {
  // `\\ud83d` is a backslash followed by the letters "ud83d": nothing to replace.
  EXPECT_EQ(decoded_args(R"(2["x","\\ud83d"])")[1].get<std::string>(), "\\ud83d");
}

TEST(SioDecodeSurrogates, MalformedEscapesAreStillErrors) {
  sio_packet p;
  EXPECT_EQ(decode(R"(2["x","\ud8"])", p), result::error);
  EXPECT_EQ(decode(R"(2["x","\uZZZZ"])", p), result::error);
}
