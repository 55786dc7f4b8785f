#include "engineio/detail/ws_frame.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using socketio::detail::is_valid_utf8;
using socketio::detail::make_ws_close_frame;
using socketio::detail::make_ws_frame_header;
using socketio::detail::ws_accept_key;
using socketio::detail::ws_frame_parser;
using socketio::detail::ws_frame_sink;
using socketio::detail::ws_opcode;
namespace close_code = socketio::detail::ws_close_code;

using mask_key = std::array<std::uint8_t, 4>;

// The masking key of the RFC 6455 section 5.7 examples.
constexpr mask_key rfc_key = {0x37, 0xfa, 0x21, 0x3d};

constexpr std::uint8_t fin = 0x80;
constexpr std::uint8_t op_continuation = 0x0;
constexpr std::uint8_t op_text = 0x1;
constexpr std::uint8_t op_binary = 0x2;
constexpr std::uint8_t op_close = 0x8;
constexpr std::uint8_t op_ping = 0x9;
constexpr std::uint8_t op_pong = 0xA;

// A client frame header: `first_byte` verbatim, then the shortest length encoding of
// `length`, the mask bit and key when `masked`.
std::string client_header(std::uint8_t first_byte, std::uint64_t length, bool masked = true,
                          const mask_key& key = rfc_key) {
  std::string out;
  out.push_back(static_cast<char>(first_byte));
  const std::uint8_t mask_flag = masked ? 0x80 : 0x00;
  if (length <= 125) {
    out.push_back(static_cast<char>(mask_flag | length));
  } else if (length <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_flag | 126));
    out.push_back(static_cast<char>((length >> 8) & 0xFF));
    out.push_back(static_cast<char>(length & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_flag | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((length >> shift) & 0xFF));
    }
  }
  if (masked) {
    for (const auto byte : key)
      out.push_back(static_cast<char>(byte));
  }
  return out;
}

// A complete client frame carrying `payload`, masked with `key` unless `masked` is false.
std::string client_frame(std::uint8_t first_byte, std::string_view payload, bool masked = true,
                         const mask_key& key = rfc_key) {
  std::string out = client_header(first_byte, payload.size(), masked, key);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    const auto byte = static_cast<std::uint8_t>(payload[i]);
    out.push_back(static_cast<char>(masked ? byte ^ key[i % 4] : byte));
  }
  return out;
}

std::string close_body(std::uint16_t code, std::string_view reason = {}) {
  std::string body;
  body.push_back(static_cast<char>(code >> 8));
  body.push_back(static_cast<char>(code & 0xFF));
  body.append(reason);
  return body;
}

struct event {
  std::string kind;  // "message", "ping", "pong" or "close"
  bool binary = false;
  std::string payload;
  std::uint16_t code = 0;
  bool operator==(const event&) const = default;
};

void PrintTo(const event& e, std::ostream* os) {
  *os << e.kind << "(binary=" << e.binary << ", payload=\"" << e.payload << "\" ["
      << e.payload.size() << " bytes], code=" << e.code << ")";
}

event text_message(std::string payload) {
  return {"message", false, std::move(payload), 0};
}
event binary_message(std::string payload) {
  return {"message", true, std::move(payload), 0};
}
event ping(std::string payload) {
  return {"ping", false, std::move(payload), 0};
}
event pong(std::string payload) {
  return {"pong", false, std::move(payload), 0};
}
event close_event(std::uint16_t code, std::string reason = {}) {
  return {"close", false, std::move(reason), code};
}

class recording_sink : public ws_frame_sink {
 public:
  std::vector<event> events;

  void on_ws_message(bool binary, std::string&& payload) override {
    events.push_back({"message", binary, std::move(payload), 0});
  }
  void on_ws_ping(std::string_view payload) override {
    events.push_back({"ping", false, std::string(payload), 0});
  }
  void on_ws_pong(std::string_view payload) override {
    events.push_back({"pong", false, std::string(payload), 0});
  }
  void on_ws_close(std::uint16_t code, std::string_view reason) override {
    events.push_back({"close", false, std::string(reason), code});
  }
};

// Feeds `stream` the way a connection would: `chunk` bytes per read appended to a buffer,
// which keeps whatever the parser did not consume. Returns the largest leftover seen.
std::size_t feed_in_chunks(ws_frame_parser& parser, recording_sink& sink, std::string_view stream,
                           std::size_t chunk) {
  std::string buffer;
  std::size_t max_leftover = 0;
  for (std::size_t pos = 0; pos < stream.size(); pos += chunk) {
    buffer.append(stream.substr(pos, chunk));
    const auto r = parser.parse(buffer, sink);
    EXPECT_EQ(r.error, 0) << "chunk size " << chunk << ", offset " << pos;
    if (r.error != 0) break;
    buffer.erase(0, r.consumed);
    max_leftover = std::max(max_leftover, buffer.size());
  }
  EXPECT_TRUE(buffer.empty()) << "chunk size " << chunk;
  return max_leftover;
}

std::string pattern(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    out[i] = static_cast<char>('a' + i % 26);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Server frame construction

TEST(WsFrameHeader, LengthEncodingBoundaries) {
  const auto h0 = make_ws_frame_header(ws_opcode::text, 0);
  EXPECT_EQ(h0.view(), std::string_view("\x81\x00", 2));

  const auto h125 = make_ws_frame_header(ws_opcode::text, 125);
  EXPECT_EQ(h125.view(), std::string_view("\x81\x7d", 2));

  const auto h126 = make_ws_frame_header(ws_opcode::text, 126);
  EXPECT_EQ(h126.view(), std::string_view("\x81\x7e\x00\x7e", 4));

  const auto h65535 = make_ws_frame_header(ws_opcode::binary, 65535);
  EXPECT_EQ(h65535.view(), std::string_view("\x82\x7e\xff\xff", 4));

  const auto h65536 = make_ws_frame_header(ws_opcode::binary, 65536);
  EXPECT_EQ(h65536.view(), std::string_view("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));
}

TEST(WsFrameHeader, LargeLengthAndOpcodes) {
  const auto big = make_ws_frame_header(ws_opcode::binary, 0x0102030405060708ULL);
  EXPECT_EQ(big.size, 10);
  EXPECT_EQ(big.view(), std::string_view("\x82\x7f\x01\x02\x03\x04\x05\x06\x07\x08", 10));

  EXPECT_EQ(make_ws_frame_header(ws_opcode::ping, 3).view(), std::string_view("\x89\x03", 2));
  EXPECT_EQ(make_ws_frame_header(ws_opcode::pong, 0).view(), std::string_view("\x8a\x00", 2));
  EXPECT_EQ(make_ws_frame_header(ws_opcode::close, 2).view(), std::string_view("\x88\x02", 2));
}

TEST(WsCloseFrame, Bytes) {
  EXPECT_EQ(make_ws_close_frame(1000), std::string_view("\x88\x02\x03\xe8", 4));
  EXPECT_EQ(make_ws_close_frame(close_code::protocol_error),
            std::string_view("\x88\x02\x03\xea", 4));
  EXPECT_EQ(make_ws_close_frame(close_code::too_big), std::string_view("\x88\x02\x03\xf1", 4));
  EXPECT_EQ(make_ws_close_frame(4999), std::string_view("\x88\x02\x13\x87", 4));
  EXPECT_EQ(make_ws_close_frame(0), std::string_view("\x88\x00", 2));
}

TEST(WsAcceptKey, Rfc6455Example) {
  // RFC 6455 section 1.3.
  EXPECT_EQ(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

// ---------------------------------------------------------------------------------------------
// UTF-8 validation

TEST(Utf8, ValidInputs) {
  const std::vector<std::string> valid = {
      "",
      "hello",
      std::string("nul\0inside", 10),
      "\x7f",
      "\xc2\x80",                                      // U+0080
      "\xdf\xbf",                                      // U+07FF
      "\xe0\xa0\x80",                                  // U+0800
      "\xed\x9f\xbf",                                  // U+D7FF, just below the surrogates
      "\xee\x80\x80",                                  // U+E000, just above the surrogates
      "\xef\xbf\xbf",                                  // U+FFFF
      "\xf0\x90\x80\x80",                              // U+10000
      "\xf4\x8f\xbf\xbf",                              // U+10FFFF
      "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",  // "kosme" in Greek
      "abcdefgh\xe2\x82\xac",                          // multi-byte right after a full ASCII block
      "abcdefg\xe2\x82\xac"
      "abcdefghijklmnop",
      "\xf0\x9f\x98\x80"
      "0123456789abcdef\xc3\xa9",
  };
  for (const auto& text : valid)
    EXPECT_TRUE(is_valid_utf8(text)) << "input: " << text;
}

TEST(Utf8, InvalidInputs) {
  const std::vector<std::string> invalid = {
      "\x80",                      // lone continuation
      "\xbf",                      // lone continuation
      "\xc0\x80",                  // overlong NUL
      "\xc1\xbf",                  // overlong U+007F
      "\xe0\x80\x80",              // overlong NUL
      "\xe0\x9f\xbf",              // overlong U+07FF
      "\xf0\x80\x80\x80",          // overlong NUL
      "\xf0\x8f\xbf\xbf",          // overlong U+FFFF
      "\xed\xa0\x80",              // U+D800
      "\xed\xbf\xbf",              // U+DFFF
      "\xed\xa0\x80\xed\xb0\x80",  // surrogate pair encoded as CESU-8
      "\xf4\x90\x80\x80",          // U+110000
      "\xf5\x80\x80\x80",          // lead byte beyond U+10FFFF
      "\xf8\x88\x80\x80\x80",      // 5-byte form
      "\xfe",
      "\xff",
      "\xc2",              // truncated
      "\xe2\x82",          // truncated
      "\xf0\x9f\x98",      // truncated
      "\xc2\x41",          // bad continuation
      "\xe2\x28\xa1",      // bad continuation
      "\xe2\x82\x28",      // bad continuation
      "\xf0\x9f\x98\x28",  // bad continuation
      "abcdefghi\x80",     // error after a full ASCII block
      "abcdefgh\xc2",      // truncated after a full ASCII block
      "abcdefghijklmnop\xed\xa0\x80xyz",
      "\xe2\x82\xac\x80",  // stray continuation after a valid sequence
  };
  for (const auto& text : invalid)
    EXPECT_FALSE(is_valid_utf8(text)) << "input: " << text;
}

// Encodes a code point the naive way, without any validity checks.
std::string encode_code_point(std::uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return out;
}

TEST(Utf8, EveryCodePoint) {
  int failures = 0;
  for (std::uint32_t cp = 0; cp <= 0x10FFFF && failures < 10; ++cp) {
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    const std::string encoded = encode_code_point(cp);
    if (is_valid_utf8(encoded) == surrogate) {
      ADD_FAILURE() << "code point " << cp;
      ++failures;
    }
    // Also inside an ASCII run, so the 8-byte path hands over at an odd offset.
    if (cp % 97 == 0 && is_valid_utf8("abcde" + encoded + "fghijklmn") == surrogate) {
      ADD_FAILURE() << "code point " << cp << " inside ASCII";
      ++failures;
    }
  }
  EXPECT_EQ(failures, 0);
}

// ---------------------------------------------------------------------------------------------
// Parser

TEST(WsFrameParser, HelperMatchesRfcExample) {
  // RFC 6455 section 5.7: a single-frame masked text message containing "Hello".
  EXPECT_EQ(client_frame(fin | op_text, "Hello"),
            std::string_view("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11));
}

TEST(WsFrameParser, SingleMaskedTextFrame) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const std::string frame("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11);
  const auto r = parser.parse(frame, sink);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.consumed, 11u);
  EXPECT_EQ(sink.events, std::vector<event>{text_message("Hello")});
  EXPECT_FALSE(parser.closed());
}

TEST(WsFrameParser, SeveralFramesInOneRead) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const mask_key other = {0x01, 0x02, 0x03, 0x04};
  const std::string stream = client_frame(fin | op_text, "one") +
                             client_frame(fin | op_binary, std::string("\x00\xff\x80", 3)) +
                             client_frame(fin | op_pong, "p", true, other) +
                             client_frame(fin | op_text, "two", true, other);
  const auto r = parser.parse(stream, sink);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.consumed, stream.size());
  EXPECT_EQ(sink.events,
            (std::vector<event>{text_message("one"), binary_message(std::string("\x00\xff\x80", 3)),
                                pong("p"), text_message("two")}));
}

TEST(WsFrameParser, ByteByByteFeeding) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const std::string frame = client_frame(fin | op_text, "Hello, byte by byte!");
  std::string buffer;
  for (std::size_t i = 0; i < frame.size(); ++i) {
    buffer.push_back(frame[i]);
    const auto r = parser.parse(buffer, sink);
    ASSERT_EQ(r.error, 0);
    buffer.erase(0, r.consumed);
    // The 6-byte header stays in the buffer until complete; payload bytes are taken at once.
    EXPECT_EQ(buffer.size(), i < 5 ? i + 1 : 0u) << "after byte " << i;
    if (i + 1 < frame.size()) {
      EXPECT_TRUE(sink.events.empty());
    }
  }
  EXPECT_EQ(sink.events, std::vector<event>{text_message("Hello, byte by byte!")});
}

TEST(WsFrameParser, EveryChunkSizeOverAMixedStream) {
  const std::string medium = pattern(300);
  const std::string large = pattern(70000);
  const mask_key other = {0xde, 0xad, 0xbe, 0xef};
  const std::string stream =
      client_frame(fin | op_text, "first") + client_frame(op_text, "frag-", true, other) +
      client_frame(fin | op_ping, "are you there") + client_frame(op_continuation, "ment") +
      client_frame(fin | op_continuation, "ed", true, other) +
      client_frame(fin | op_binary, medium, true, other) + client_frame(fin | op_text, "") +
      client_frame(fin | op_binary, large) + client_frame(fin | op_close, close_body(1001, "bye"));
  const std::vector<event> expected = {
      text_message("first"),   ping("are you there"), text_message("frag-mented"),
      binary_message(medium),  text_message(""),      binary_message(large),
      close_event(1001, "bye")};
  for (std::size_t chunk : {1u, 2u, 3u, 5u, 7u, 13u, 14u, 64u, 4096u, 1000000u}) {
    ws_frame_parser parser(100000);
    recording_sink sink;
    const std::size_t max_leftover = feed_in_chunks(parser, sink, stream, chunk);
    // Only an incomplete header (at most 13 of 14 bytes) is ever left behind.
    EXPECT_LE(max_leftover, 13u) << "chunk size " << chunk;
    EXPECT_EQ(sink.events, expected) << "chunk size " << chunk;
    EXPECT_TRUE(parser.closed());
  }
}

TEST(WsFrameParser, IncompleteHeaderIsNotConsumed) {
  ws_frame_parser parser(100000);
  recording_sink sink;
  const std::string frame = client_frame(fin | op_binary, pattern(200));  // 8-byte header
  for (std::size_t n = 0; n < 8; ++n) {
    const auto r = parser.parse(std::string_view(frame).substr(0, n), sink);
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.consumed, 0u) << "with " << n << " bytes";
  }
  const auto partial = parser.parse(std::string_view(frame).substr(0, 100), sink);
  EXPECT_EQ(partial.error, 0);
  EXPECT_EQ(partial.consumed, 100u);
  EXPECT_TRUE(sink.events.empty());
  const auto rest = parser.parse(std::string_view(frame).substr(100), sink);
  EXPECT_EQ(rest.error, 0);
  EXPECT_EQ(rest.consumed, frame.size() - 100);
  EXPECT_EQ(sink.events, std::vector<event>{binary_message(pattern(200))});
}

TEST(WsFrameParser, FragmentedMessageWithInterleavedPing) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const std::string stream = client_frame(op_text, "Hel") + client_frame(fin | op_ping, "p") +
                             client_frame(op_continuation, "lo ") +
                             client_frame(fin | op_continuation, "world");
  const auto r = parser.parse(stream, sink);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.consumed, stream.size());
  EXPECT_EQ(sink.events, (std::vector<event>{ping("p"), text_message("Hello world")}));
}

TEST(WsFrameParser, FragmentedBinaryMessage) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const std::string stream = client_frame(op_binary, std::string("\x00\x01", 2)) +
                             client_frame(op_continuation, "") +
                             client_frame(fin | op_continuation, std::string("\xff", 1));
  const auto r = parser.parse(stream, sink);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.consumed, stream.size());
  EXPECT_EQ(sink.events, std::vector<event>{binary_message(std::string("\x00\x01\xff", 3))});
}

TEST(WsFrameParser, CodePointSplitAcrossFragmentsIsValid) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const std::string stream =
      client_frame(op_text, "\xe2\x82") + client_frame(fin | op_continuation, "\xac");
  const auto r = parser.parse(stream, sink);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(sink.events, std::vector<event>{text_message("\xe2\x82\xac")});
}

TEST(WsFrameParser, ZeroLengthFrames) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const std::string stream = client_frame(fin | op_text, "") + client_frame(fin | op_binary, "") +
                             client_frame(fin | op_ping, "") + client_frame(fin | op_pong, "") +
                             client_frame(op_text, "") + client_frame(fin | op_continuation, "");
  const auto r = parser.parse(stream, sink);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.consumed, stream.size());
  EXPECT_EQ(sink.events, (std::vector<event>{text_message(""), binary_message(""), ping(""),
                                             pong(""), text_message("")}));
}

TEST(WsFrameParser, UnmaskedFrameIsProtocolError) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const std::string frame = client_frame(fin | op_text, "hi", false);
  ASSERT_EQ(frame, std::string_view("\x81\x02hi", 4));
  const auto r = parser.parse(frame, sink);
  EXPECT_EQ(r.error, close_code::protocol_error);
  EXPECT_EQ(r.consumed, 0u);
  EXPECT_TRUE(sink.events.empty());
  // Detected from the first two bytes alone.
  ws_frame_parser early(1024);
  EXPECT_EQ(early.parse(std::string_view(frame).substr(0, 2), sink).error,
            close_code::protocol_error);
}

TEST(WsFrameParser, ErrorIsSticky) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  EXPECT_EQ(parser.parse(client_frame(fin | op_text, "hi", false), sink).error,
            close_code::protocol_error);
  const auto again = parser.parse(client_frame(fin | op_text, "ok"), sink);
  EXPECT_EQ(again.error, close_code::protocol_error);
  EXPECT_EQ(again.consumed, 0u);
  EXPECT_TRUE(sink.events.empty());
}

TEST(WsFrameParser, ReservedBitsAreProtocolErrors) {
  for (const std::uint8_t rsv : std::array<std::uint8_t, 4>{0x40, 0x20, 0x10, 0x70}) {
    ws_frame_parser parser(1024);
    recording_sink sink;
    const auto r =
        parser.parse(client_frame(static_cast<std::uint8_t>(fin | rsv | op_text), "x"), sink);
    EXPECT_EQ(r.error, close_code::protocol_error) << "rsv " << int{rsv};
    EXPECT_EQ(r.consumed, 0u);
    EXPECT_TRUE(sink.events.empty());
  }
}

TEST(WsFrameParser, ReservedOpcodesAreProtocolErrors) {
  for (const std::uint8_t op :
       std::array<std::uint8_t, 10>{0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    ws_frame_parser parser(1024);
    recording_sink sink;
    const auto r = parser.parse(client_frame(static_cast<std::uint8_t>(fin | op), ""), sink);
    EXPECT_EQ(r.error, close_code::protocol_error) << "opcode " << int{op};
    EXPECT_TRUE(sink.events.empty());
  }
}

TEST(WsFrameParser, OversizedAnnouncedLengthIsRefusedBeforePayload) {
  ws_frame_parser parser(100);
  recording_sink sink;
  const std::string ok = client_frame(fin | op_text, pattern(100));  // exactly at the limit
  const std::string too_big = client_frame(fin | op_text, pattern(101));
  const auto r = parser.parse(ok + too_big, sink);
  EXPECT_EQ(r.error, close_code::too_big);
  EXPECT_EQ(r.consumed, ok.size());  // none of the oversized frame is consumed
  EXPECT_EQ(sink.events, std::vector<event>{text_message(pattern(100))});
}

TEST(WsFrameParser, OversizedHeaderAloneIsEnough) {
  ws_frame_parser parser(1 << 20);
  recording_sink sink;
  // A 64-bit length near the top of the range must not overflow the size check.
  const std::string header = client_header(fin | op_binary, 0x7FFFFFFFFFFFFFFFULL);
  ASSERT_EQ(header.size(), 14u);
  const auto r = parser.parse(header, sink);
  EXPECT_EQ(r.error, close_code::too_big);
  EXPECT_EQ(r.consumed, 0u);
  EXPECT_TRUE(sink.events.empty());
}

TEST(WsFrameParser, FragmentedMessageExceedingLimit) {
  {
    ws_frame_parser parser(10);
    recording_sink sink;
    const std::string first = client_frame(op_text, "12345");
    const std::string second = client_frame(fin | op_continuation, "123456");
    const auto r = parser.parse(first + second, sink);
    EXPECT_EQ(r.error, close_code::too_big);
    EXPECT_EQ(r.consumed, first.size());
    EXPECT_TRUE(sink.events.empty());
  }
  {
    // Exactly at the limit across fragments is fine.
    ws_frame_parser parser(10);
    recording_sink sink;
    const std::string stream =
        client_frame(op_text, "12345") + client_frame(fin | op_continuation, "67890");
    const auto r = parser.parse(stream, sink);
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(sink.events, std::vector<event>{text_message("1234567890")});
  }
}

TEST(WsFrameParser, LimitAppliesPerMessage) {
  ws_frame_parser parser(10);
  recording_sink sink;
  const std::string stream =
      client_frame(fin | op_text, "1234567890") + client_frame(fin | op_text, "abcdefghij");
  const auto r = parser.parse(stream, sink);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(sink.events,
            (std::vector<event>{text_message("1234567890"), text_message("abcdefghij")}));
}

TEST(WsFrameParser, InvalidUtf8TextIsInvalidPayload) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const std::string frame = client_frame(fin | op_text, "ok\xc0\x80");
  const auto r = parser.parse(frame, sink);
  EXPECT_EQ(r.error, close_code::invalid_payload);
  EXPECT_EQ(r.consumed, frame.size());
  EXPECT_TRUE(sink.events.empty());
}

TEST(WsFrameParser, InvalidUtf8AcrossFragments) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const std::string stream =
      client_frame(op_text, "\xed\xa0") + client_frame(fin | op_continuation, "\x80");
  EXPECT_EQ(parser.parse(stream, sink).error, close_code::invalid_payload);
  EXPECT_TRUE(sink.events.empty());
}

TEST(WsFrameParser, BinaryIsNotUtf8Checked) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const auto r = parser.parse(client_frame(fin | op_binary, "\xc0\x80"), sink);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(sink.events, std::vector<event>{binary_message("\xc0\x80")});
}

TEST(WsFrameParser, CloseWithCodeAndReason) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const std::string frame = client_frame(fin | op_close, close_body(1000, "going away \xc3\xa9"));
  const auto r = parser.parse(frame, sink);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.consumed, frame.size());
  EXPECT_EQ(sink.events, std::vector<event>{close_event(1000, "going away \xc3\xa9")});
  EXPECT_TRUE(parser.closed());
}

TEST(WsFrameParser, CloseWithEmptyBodyReportsNoStatus) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const auto r = parser.parse(client_frame(fin | op_close, ""), sink);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.consumed, 6u);
  EXPECT_EQ(sink.events, std::vector<event>{close_event(close_code::no_status)});
  EXPECT_TRUE(parser.closed());
}

TEST(WsFrameParser, CloseWithOneByteBodyIsProtocolError) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const auto r = parser.parse(client_frame(fin | op_close, "\x03"), sink);
  EXPECT_EQ(r.error, close_code::protocol_error);
  EXPECT_TRUE(sink.events.empty());
  EXPECT_FALSE(parser.closed());
}

TEST(WsFrameParser, CloseCodesInvalidOnTheWire) {
  for (const std::uint16_t code :
       std::array<std::uint16_t, 10>{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999}) {
    ws_frame_parser parser(1024);
    recording_sink sink;
    const auto r = parser.parse(client_frame(fin | op_close, close_body(code)), sink);
    EXPECT_EQ(r.error, close_code::protocol_error) << "code " << code;
    EXPECT_TRUE(sink.events.empty()) << "code " << code;
  }
}

TEST(WsFrameParser, CloseCodesValidOnTheWire) {
  for (const std::uint16_t code : std::array<std::uint16_t, 12>{
           1000, 1001, 1002, 1003, 1007, 1008, 1011, 1014, 3000, 3999, 4000, 4999}) {
    ws_frame_parser parser(1024);
    recording_sink sink;
    const auto r = parser.parse(client_frame(fin | op_close, close_body(code)), sink);
    EXPECT_EQ(r.error, 0) << "code " << code;
    EXPECT_EQ(sink.events, std::vector<event>{close_event(code)}) << "code " << code;
  }
}

TEST(WsFrameParser, CloseReasonMustBeUtf8) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const auto r = parser.parse(client_frame(fin | op_close, close_body(1000, "\xff")), sink);
  EXPECT_EQ(r.error, close_code::invalid_payload);
  EXPECT_TRUE(sink.events.empty());
  EXPECT_FALSE(parser.closed());
}

TEST(WsFrameParser, InputAfterCloseIsIgnored) {
  ws_frame_parser parser(1024);
  recording_sink sink;
  const std::string close = client_frame(fin | op_close, close_body(1000));
  const std::string text = client_frame(fin | op_text, "late");
  const auto r = parser.parse(close + text, sink);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.consumed, close.size());
  EXPECT_TRUE(parser.closed());
  const auto later = parser.parse(text, sink);
  EXPECT_EQ(later.error, 0);
  EXPECT_EQ(later.consumed, text.size());  // swallowed, not processed
  // Even garbage that would otherwise be an error is ignored.
  const auto garbage = parser.parse(client_frame(fin | op_text, "x", false), sink);
  EXPECT_EQ(garbage.error, 0);
  EXPECT_EQ(sink.events, std::vector<event>{close_event(1000)});
}

TEST(WsFrameParser, ControlFrameLongerThan125IsProtocolError) {
  {
    ws_frame_parser parser(100000);
    recording_sink sink;
    const auto r = parser.parse(client_frame(fin | op_ping, pattern(126)), sink);
    EXPECT_EQ(r.error, close_code::protocol_error);
    EXPECT_EQ(r.consumed, 0u);
    EXPECT_TRUE(sink.events.empty());
  }
  {
    ws_frame_parser parser(100000);
    recording_sink sink;
    const auto r = parser.parse(client_frame(fin | op_pong, pattern(125)), sink);
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(sink.events, std::vector<event>{pong(pattern(125))});
  }
}

TEST(WsFrameParser, FragmentedControlFrameIsProtocolError) {
  for (std::uint8_t op : {op_ping, op_pong, op_close}) {
    ws_frame_parser parser(1024);
    recording_sink sink;
    EXPECT_EQ(parser.parse(client_frame(op, ""), sink).error, close_code::protocol_error)
        << "opcode " << int{op};
  }
}

TEST(WsFrameParser, ContinuationWithoutMessageIsProtocolError) {
  for (std::uint8_t first : {static_cast<std::uint8_t>(fin | op_continuation), op_continuation}) {
    ws_frame_parser parser(1024);
    recording_sink sink;
    const auto r = parser.parse(client_frame(first, "x"), sink);
    EXPECT_EQ(r.error, close_code::protocol_error);
    EXPECT_TRUE(sink.events.empty());
  }
  // Also after a complete message has ended.
  ws_frame_parser parser(1024);
  recording_sink sink;
  const std::string done = client_frame(fin | op_text, "done");
  const auto r = parser.parse(done + client_frame(fin | op_continuation, "x"), sink);
  EXPECT_EQ(r.error, close_code::protocol_error);
  EXPECT_EQ(r.consumed, done.size());
  EXPECT_EQ(sink.events, std::vector<event>{text_message("done")});
}

TEST(WsFrameParser, NewMessageDuringFragmentedMessageIsProtocolError) {
  for (std::uint8_t op : {op_text, op_binary}) {
    ws_frame_parser parser(1024);
    recording_sink sink;
    const std::string first = client_frame(op_text, "a");
    const auto r =
        parser.parse(first + client_frame(static_cast<std::uint8_t>(fin | op), "b"), sink);
    EXPECT_EQ(r.error, close_code::protocol_error) << "opcode " << int{op};
    EXPECT_EQ(r.consumed, first.size());
    EXPECT_TRUE(sink.events.empty());
  }
}

TEST(WsFrameParser, SixteenBitLengthFrames) {
  for (std::size_t size : {126u, 1000u, 65535u}) {
    ws_frame_parser parser(1 << 20);
    recording_sink sink;
    const std::string payload = pattern(size);
    const std::string frame = client_frame(fin | op_text, payload);
    ASSERT_EQ(static_cast<unsigned char>(frame[1]), 0xFE);
    ASSERT_EQ(frame.size(), 8 + size);
    const auto r = parser.parse(frame, sink);
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.consumed, frame.size());
    EXPECT_EQ(sink.events, std::vector<event>{text_message(payload)});
  }
}

TEST(WsFrameParser, SixtyFourBitLengthFrame) {
  ws_frame_parser parser(1 << 20);
  recording_sink sink;
  const std::string payload = pattern(65536);
  const std::string frame = client_frame(fin | op_binary, payload);
  ASSERT_EQ(static_cast<unsigned char>(frame[1]), 0xFF);
  ASSERT_EQ(frame.size(), 14 + payload.size());
  const auto r = parser.parse(frame, sink);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.consumed, frame.size());
  EXPECT_EQ(sink.events, std::vector<event>{binary_message(payload)});
}

TEST(WsFrameParser, SixtyFourBitLengthWithHighBitIsProtocolError) {
  ws_frame_parser parser(1 << 20);
  recording_sink sink;
  const auto r = parser.parse(client_header(fin | op_binary, 0x8000000000000001ULL), sink);
  EXPECT_EQ(r.error, close_code::protocol_error);
  EXPECT_EQ(r.consumed, 0u);
}

TEST(WsFrameParser, UnmasksWithEveryKeyOffset) {
  // Payload lengths around the 8-byte unmasking stride, split so every chunk starts at a
  // different key offset.
  const mask_key key = {0x11, 0x22, 0x33, 0x44};
  for (std::size_t size = 0; size <= 40; ++size) {
    std::string payload(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
      payload[i] = static_cast<char>(i * 37 + 5);
    const std::string frame = client_frame(fin | op_binary, payload, true, key);
    for (std::size_t split = 6; split <= frame.size(); ++split) {
      ws_frame_parser parser(1024);
      recording_sink sink;
      const auto first = parser.parse(std::string_view(frame).substr(0, split), sink);
      ASSERT_EQ(first.error, 0);
      ASSERT_EQ(first.consumed, split);
      const auto second = parser.parse(std::string_view(frame).substr(split), sink);
      ASSERT_EQ(second.error, 0);
      ASSERT_EQ(second.consumed, frame.size() - split);
      ASSERT_EQ(sink.events, std::vector<event>{binary_message(payload)})
          << "size " << size << ", split " << split;
    }
  }
}

}  // namespace
