// Unit tests for the Engine.IO v4 packet and polling payload codec (docs/PROTOCOL.md 1.2, 1.3) and
// for the outbound message helpers in message.hpp.
#include "engineio/detail/packet.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "engineio/detail/message.hpp"

namespace {

using socketio::detail::append_polling_packet;
using socketio::detail::decode_payload;
using socketio::detail::decode_text_packet;
using socketio::detail::make_message;
using socketio::detail::packet;
using socketio::detail::packet_type;
using socketio::detail::payload_separator;
using socketio::detail::type_digit;

using namespace std::string_literals;

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values)
    out.push_back(static_cast<char>(static_cast<unsigned char>(v)));
  return out;
}

std::string polling(packet_type type, bool binary, std::string_view data) {
  std::string out;
  append_polling_packet(out, type, binary, data);
  return out;
}

std::string all_byte_values() {
  std::string out;
  for (int i = 0; i < 256; ++i)
    out.push_back(static_cast<char>(static_cast<unsigned char>(i)));
  return out;
}

const packet_type all_types[] = {packet_type::open, packet_type::close,   packet_type::ping,
                                 packet_type::pong, packet_type::message, packet_type::upgrade,
                                 packet_type::noop};

// --- decode_text_packet ------------------------------------------------------------------

TEST(DecodeTextPacket, EveryTypeDigitWithoutData) {
  for (int digit = 0; digit <= 6; ++digit) {
    const std::string text(1, static_cast<char>('0' + digit));
    const auto p = decode_text_packet(text);
    ASSERT_TRUE(p.has_value()) << "input: " << text;
    EXPECT_EQ(static_cast<int>(p->type), digit) << "input: " << text;
    EXPECT_FALSE(p->binary) << "input: " << text;
    EXPECT_EQ(p->data, "") << "input: " << text;
  }
}

TEST(DecodeTextPacket, EveryTypeDigitWithData) {
  for (int digit = 0; digit <= 6; ++digit) {
    const std::string text = std::string(1, static_cast<char>('0' + digit)) + "probe data";
    const auto p = decode_text_packet(text);
    ASSERT_TRUE(p.has_value()) << "input: " << text;
    EXPECT_EQ(static_cast<int>(p->type), digit) << "input: " << text;
    EXPECT_FALSE(p->binary) << "input: " << text;
    EXPECT_EQ(p->data, "probe data") << "input: " << text;
  }
}

TEST(DecodeTextPacket, NamedTypes) {
  EXPECT_EQ(decode_text_packet("0")->type, packet_type::open);
  EXPECT_EQ(decode_text_packet("1")->type, packet_type::close);
  EXPECT_EQ(decode_text_packet("2")->type, packet_type::ping);
  EXPECT_EQ(decode_text_packet("3")->type, packet_type::pong);
  EXPECT_EQ(decode_text_packet("4")->type, packet_type::message);
  EXPECT_EQ(decode_text_packet("5")->type, packet_type::upgrade);
  EXPECT_EQ(decode_text_packet("6")->type, packet_type::noop);
}

TEST(DecodeTextPacket, ProbePing) {
  const auto p = decode_text_packet("2probe");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->type, packet_type::ping);
  EXPECT_FALSE(p->binary);
  EXPECT_EQ(p->data, "probe");
}

TEST(DecodeTextPacket, MessageKeepsDataVerbatim) {
  const auto p = decode_text_packet("42[\"chat\",\"hi\"]");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->type, packet_type::message);
  EXPECT_FALSE(p->binary);
  EXPECT_EQ(p->data, "2[\"chat\",\"hi\"]");
}

TEST(DecodeTextPacket, MessageDataMayContainEmbeddedNul) {
  const auto p = decode_text_packet("4a\0b"s);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->data, "a\0b"s);
}

TEST(DecodeTextPacket, BinaryBase64) {
  const auto p = decode_text_packet("bAQIDBA==");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->type, packet_type::message);
  EXPECT_TRUE(p->binary);
  EXPECT_EQ(p->data, bytes({0x01, 0x02, 0x03, 0x04}));
}

TEST(DecodeTextPacket, BinaryBase64WithoutPadding) {
  const auto p = decode_text_packet("bAQID");
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->binary);
  EXPECT_EQ(p->data, bytes({0x01, 0x02, 0x03}));
}

TEST(DecodeTextPacket, BinaryOneByteTwoPads) {
  const auto p = decode_text_packet("b/w==");
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->binary);
  EXPECT_EQ(p->data, bytes({0xFF}));
}

TEST(DecodeTextPacket, BinaryEmpty) {
  const auto p = decode_text_packet("b");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->type, packet_type::message);
  EXPECT_TRUE(p->binary);
  EXPECT_EQ(p->data, "");
}

TEST(DecodeTextPacket, EmptyStringIsInvalid) {
  EXPECT_FALSE(decode_text_packet("").has_value());
  EXPECT_FALSE(decode_text_packet(std::string_view{}).has_value());
}

TEST(DecodeTextPacket, UnknownTypeCharactersAreInvalid) {
  for (const char* text : {"7", "9", "a", "x", "7data", "9x", "abc", "xyz", "B", "/", ":", " 4"}) {
    EXPECT_FALSE(decode_text_packet(text).has_value()) << "input: " << text;
  }
}

TEST(DecodeTextPacket, NonAsciiFirstByteIsInvalid) {
  EXPECT_FALSE(decode_text_packet("\xC3\xA9").has_value());
  EXPECT_FALSE(decode_text_packet("\x1e").has_value());
  EXPECT_FALSE(decode_text_packet("\0"s).has_value());
  EXPECT_FALSE(decode_text_packet("\xFF").has_value());
}

TEST(DecodeTextPacket, BadBase64AfterBIsInvalid) {
  for (const char* text : {"b!!!!", "bAQI", "bAQIDB", "bA===", "b====", "bAQ=D",
                           "bAQIDBA=", "b A==", "bAQ-_", "b=AQI"}) {
    EXPECT_FALSE(decode_text_packet(text).has_value()) << "input: " << text;
  }
}

// --- append_polling_packet ---------------------------------------------------------------

TEST(AppendPollingPacket, TextTypesWithAndWithoutData) {
  EXPECT_EQ(polling(packet_type::open, false, "{}"), "0{}");
  EXPECT_EQ(polling(packet_type::close, false, ""), "1");
  EXPECT_EQ(polling(packet_type::ping, false, ""), "2");
  EXPECT_EQ(polling(packet_type::pong, false, "probe"), "3probe");
  EXPECT_EQ(polling(packet_type::message, false, "hello"), "4hello");
  EXPECT_EQ(polling(packet_type::upgrade, false, ""), "5");
  EXPECT_EQ(polling(packet_type::noop, false, ""), "6");
}

TEST(AppendPollingPacket, AppendsToExistingContent) {
  std::string out = "prefix";
  append_polling_packet(out, packet_type::message, false, "x");
  EXPECT_EQ(out, "prefix4x");
  append_polling_packet(out, packet_type::message, true, bytes({0x01, 0x02, 0x03}));
  EXPECT_EQ(out, "prefix4xbAQID");
}

TEST(AppendPollingPacket, BinaryIsBPlusPaddedBase64) {
  EXPECT_EQ(polling(packet_type::message, true, bytes({0x01, 0x02, 0x03, 0x04})), "bAQIDBA==");
  EXPECT_EQ(polling(packet_type::message, true, bytes({0x01, 0x02, 0x03})), "bAQID");
  EXPECT_EQ(polling(packet_type::message, true, bytes({0x01, 0x02})), "bAQI=");
  EXPECT_EQ(polling(packet_type::message, true, bytes({0xFF})), "b/w==");
  EXPECT_EQ(polling(packet_type::message, true, bytes({0xFB, 0xFF})), "b+/8=");
  EXPECT_EQ(polling(packet_type::message, true, ""), "b");
}

TEST(AppendPollingPacket, TextIsNotReencoded) {
  const std::string utf8 = "4\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  EXPECT_EQ(polling(packet_type::message, false, utf8.substr(1)), utf8);
}

// --- decode_payload ----------------------------------------------------------------------

TEST(DecodePayload, SinglePacket) {
  const auto d = decode_payload("4hello");
  EXPECT_TRUE(d.valid);
  ASSERT_EQ(d.packets.size(), 1u);
  EXPECT_EQ(d.packets[0].type, packet_type::message);
  EXPECT_FALSE(d.packets[0].binary);
  EXPECT_EQ(d.packets[0].data, "hello");
}

TEST(DecodePayload, SingleControlPacket) {
  const auto d = decode_payload("3");
  EXPECT_TRUE(d.valid);
  ASSERT_EQ(d.packets.size(), 1u);
  EXPECT_EQ(d.packets[0].type, packet_type::pong);
  EXPECT_EQ(d.packets[0].data, "");
}

TEST(DecodePayload, SeveralPacketsJoinedBySeparator) {
  EXPECT_EQ(payload_separator, '\x1e');
  const auto d = decode_payload(
      "4hello\x1e"
      "4world\x1e"
      "bAQID");
  EXPECT_TRUE(d.valid);
  ASSERT_EQ(d.packets.size(), 3u);
  EXPECT_EQ(d.packets[0].type, packet_type::message);
  EXPECT_FALSE(d.packets[0].binary);
  EXPECT_EQ(d.packets[0].data, "hello");
  EXPECT_EQ(d.packets[1].type, packet_type::message);
  EXPECT_FALSE(d.packets[1].binary);
  EXPECT_EQ(d.packets[1].data, "world");
  EXPECT_EQ(d.packets[2].type, packet_type::message);
  EXPECT_TRUE(d.packets[2].binary);
  EXPECT_EQ(d.packets[2].data, bytes({0x01, 0x02, 0x03}));
}

TEST(DecodePayload, MixedTypesInOrder) {
  const auto d = decode_payload(
      "3\x1e"
      "4a\x1e"
      "1");
  EXPECT_TRUE(d.valid);
  ASSERT_EQ(d.packets.size(), 3u);
  EXPECT_EQ(d.packets[0].type, packet_type::pong);
  EXPECT_EQ(d.packets[1].type, packet_type::message);
  EXPECT_EQ(d.packets[1].data, "a");
  EXPECT_EQ(d.packets[2].type, packet_type::close);
}

TEST(DecodePayload, InvalidPacketInTheMiddleKeepsThoseBefore) {
  const auto d = decode_payload(
      "4one\x1e"
      "4two\x1e"
      "abc\x1e"
      "4three");
  EXPECT_FALSE(d.valid);
  ASSERT_EQ(d.packets.size(), 2u);
  EXPECT_EQ(d.packets[0].data, "one");
  EXPECT_EQ(d.packets[1].data, "two");
}

TEST(DecodePayload, InvalidFirstPacketKeepsNothing) {
  const auto d = decode_payload(
      "abc\x1e"
      "4ok");
  EXPECT_FALSE(d.valid);
  EXPECT_TRUE(d.packets.empty());
}

TEST(DecodePayload, BadBase64InTheMiddle) {
  const auto d = decode_payload(
      "4a\x1e"
      "b!!\x1e"
      "4b");
  EXPECT_FALSE(d.valid);
  ASSERT_EQ(d.packets.size(), 1u);
  EXPECT_EQ(d.packets[0].data, "a");
}

TEST(DecodePayload, EmptyBodyIsInvalidWithNoPackets) {
  const auto d = decode_payload("");
  EXPECT_FALSE(d.valid);
  EXPECT_TRUE(d.packets.empty());
}

TEST(DecodePayload, TrailingSeparatorMakesEmptySegmentInvalid) {
  const auto d = decode_payload("4a\x1e");
  EXPECT_FALSE(d.valid);
  ASSERT_EQ(d.packets.size(), 1u);
  EXPECT_EQ(d.packets[0].type, packet_type::message);
  EXPECT_EQ(d.packets[0].data, "a");
}

TEST(DecodePayload, LeadingAndDoubleSeparatorsAreInvalid) {
  const auto leading = decode_payload(
      "\x1e"
      "4a");
  EXPECT_FALSE(leading.valid);
  EXPECT_TRUE(leading.packets.empty());

  const auto doubled = decode_payload(
      "4a\x1e\x1e"
      "4b");
  EXPECT_FALSE(doubled.valid);
  ASSERT_EQ(doubled.packets.size(), 1u);
  EXPECT_EQ(doubled.packets[0].data, "a");
}

TEST(DecodePayload, Utf8TextPreservedByteExact) {
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xE4\xB8\xAD";
  const auto d = decode_payload("4" + text + "\x1e" + "4" + text);
  EXPECT_TRUE(d.valid);
  ASSERT_EQ(d.packets.size(), 2u);
  EXPECT_EQ(d.packets[0].data, text);
  EXPECT_EQ(d.packets[0].data.size(), text.size());
  EXPECT_EQ(d.packets[1].data, text);
}

TEST(DecodePayload, AllByteValuesRoundTripAsBinary) {
  const std::string data = all_byte_values();
  std::string body;
  append_polling_packet(body, packet_type::message, true, data);
  ASSERT_EQ(body.front(), 'b');
  EXPECT_EQ(body.size(), 1u + (256u + 2u) / 3u * 4u);
  EXPECT_EQ(body.find(payload_separator), std::string::npos);

  const auto d = decode_payload(body);
  EXPECT_TRUE(d.valid);
  ASSERT_EQ(d.packets.size(), 1u);
  EXPECT_EQ(d.packets[0].type, packet_type::message);
  EXPECT_TRUE(d.packets[0].binary);
  EXPECT_EQ(d.packets[0].data, data);
}

TEST(DecodePayload, RoundTripOfEveryPrefixLength) {
  // Covers all three base64 tail shapes (no padding, one '=', two '=').
  const std::string data = all_byte_values();
  for (std::size_t n = 0; n <= data.size(); ++n) {
    const std::string chunk = data.substr(data.size() - n);
    std::string body;
    append_polling_packet(body, packet_type::message, true, chunk);
    const auto d = decode_payload(body);
    ASSERT_TRUE(d.valid) << "length " << n;
    ASSERT_EQ(d.packets.size(), 1u) << "length " << n;
    EXPECT_TRUE(d.packets[0].binary) << "length " << n;
    EXPECT_EQ(d.packets[0].data, chunk) << "length " << n;
  }
}

TEST(DecodePayload, MixedRoundTripJoinedBySeparator) {
  const std::string bin = all_byte_values();
  std::string body;
  append_polling_packet(body, packet_type::message, false, "first");
  body.push_back(payload_separator);
  append_polling_packet(body, packet_type::message, true, bin);
  body.push_back(payload_separator);
  append_polling_packet(body, packet_type::ping, false, "");
  body.push_back(payload_separator);
  append_polling_packet(body, packet_type::message, true, bytes({0x00}));

  const auto d = decode_payload(body);
  EXPECT_TRUE(d.valid);
  ASSERT_EQ(d.packets.size(), 4u);
  EXPECT_EQ(d.packets[0].type, packet_type::message);
  EXPECT_FALSE(d.packets[0].binary);
  EXPECT_EQ(d.packets[0].data, "first");
  EXPECT_TRUE(d.packets[1].binary);
  EXPECT_EQ(d.packets[1].data, bin);
  EXPECT_EQ(d.packets[2].type, packet_type::ping);
  EXPECT_FALSE(d.packets[2].binary);
  EXPECT_EQ(d.packets[2].data, "");
  EXPECT_TRUE(d.packets[3].binary);
  EXPECT_EQ(d.packets[3].data, bytes({0x00}));
}

TEST(DecodePayload, TextRoundTripForEveryType) {
  for (const packet_type type : all_types) {
    const auto d = decode_payload(polling(type, false, "xyz"));
    EXPECT_TRUE(d.valid);
    ASSERT_EQ(d.packets.size(), 1u);
    EXPECT_EQ(d.packets[0].type, type);
    EXPECT_FALSE(d.packets[0].binary);
    EXPECT_EQ(d.packets[0].data, "xyz");
  }
}

// --- message.hpp -------------------------------------------------------------------------

TEST(Message, MakeMessageKeepsFields) {
  const auto m = make_message(packet_type::message, false, "hello");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->type, packet_type::message);
  EXPECT_FALSE(m->binary);
  EXPECT_EQ(m->data, "hello");
  EXPECT_EQ(m->weight(), 5u + 16u);
}

TEST(Message, TextHeaderCoversTypeDigitAndData) {
  const auto m = make_message(packet_type::message, false, "hello");
  // FIN + text opcode, unmasked, length 6 = "4" + "hello".
  EXPECT_EQ(m->ws_header.view(), bytes({0x81, 0x06}));
  EXPECT_EQ(m->ws_header.size, 2u);
}

TEST(Message, EmptyTextHeaderCoversTypeDigit) {
  const auto m = make_message(packet_type::ping, false, "");
  EXPECT_EQ(m->ws_header.view(), bytes({0x81, 0x01}));
}

TEST(Message, BinaryHeaderCoversDataOnly) {
  const auto m = make_message(packet_type::message, true, bytes({0x01, 0x02, 0x03, 0x04}));
  EXPECT_TRUE(m->binary);
  EXPECT_EQ(m->ws_header.view(), bytes({0x82, 0x04}));
}

TEST(Message, EmptyBinaryHeader) {
  const auto m = make_message(packet_type::message, true, "");
  EXPECT_EQ(m->ws_header.view(), bytes({0x82, 0x00}));
}

TEST(Message, TextHeaderSwitchesToExtendedLengthAtDataSize125) {
  // 124 data bytes + the type digit = 125: still the short form.
  const auto short_form = make_message(packet_type::message, false, std::string(124, 'x'));
  EXPECT_EQ(short_form->ws_header.view(), bytes({0x81, 125}));
  // 125 data bytes + the type digit = 126: the 16-bit extended form.
  const auto extended = make_message(packet_type::message, false, std::string(125, 'x'));
  EXPECT_EQ(extended->ws_header.view(), bytes({0x81, 126, 0x00, 126}));
}

TEST(Message, BinaryHeaderSwitchesToExtendedLengthAtDataSize126) {
  const auto short_form = make_message(packet_type::message, true, std::string(125, 'x'));
  EXPECT_EQ(short_form->ws_header.view(), bytes({0x82, 125}));
  const auto extended = make_message(packet_type::message, true, std::string(126, 'x'));
  EXPECT_EQ(extended->ws_header.view(), bytes({0x82, 126, 0x00, 126}));
}

TEST(Message, TextHeader64BitLength) {
  // 65535 data bytes + the type digit = 65536: needs the 64-bit form.
  const auto m = make_message(packet_type::message, false, std::string(65535, 'x'));
  EXPECT_EQ(m->ws_header.view(), bytes({0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}));
  const auto b = make_message(packet_type::message, true, std::string(65535, 'x'));
  EXPECT_EQ(b->ws_header.view(), bytes({0x82, 126, 0xFF, 0xFF}));
}

TEST(Message, TypeDigit) {
  EXPECT_EQ(type_digit(packet_type::open), "0");
  EXPECT_EQ(type_digit(packet_type::close), "1");
  EXPECT_EQ(type_digit(packet_type::ping), "2");
  EXPECT_EQ(type_digit(packet_type::pong), "3");
  EXPECT_EQ(type_digit(packet_type::message), "4");
  EXPECT_EQ(type_digit(packet_type::upgrade), "5");
  EXPECT_EQ(type_digit(packet_type::noop), "6");
  for (const packet_type type : all_types) {
    EXPECT_EQ(type_digit(type).size(), 1u);
  }
}

TEST(Message, TextFrameIsHeaderDigitData) {
  const auto m = make_message(packet_type::pong, false, "probe");
  std::string frame(m->ws_header.view());
  frame.append(type_digit(m->type));
  frame.append(m->data);
  EXPECT_EQ(frame, bytes({0x81, 0x06}) + "3probe");
}

}  // namespace
