// Socket.IO v5 packets: text encoding with binary attachments, and an incremental decoder
// that validates client input (docs/PROTOCOL.md 2.1-2.3, 2.7). No I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "socketio/packet.hpp"

namespace socketio::detail {

/// Key order is on the wire (a client's object comes back as it was sent).
using json = nlohmann::ordered_json;

// The packet model is public (socketio/packet.hpp): adapters see the same type.
using sio_packet_type = socketio::packet_type;
using sio_packet = socketio::packet;

struct encoded_packet {
  /// The text message (without the Engine.IO `4`).
  std::string text;
  /// Binary attachments, sent as separate Engine.IO binary messages after `text`.
  std::vector<std::string> attachments;
};

/// Encodes a server packet. EVENT/ACK whose data holds binary values (json::binary_t, at any
/// depth) become BINARY_EVENT/BINARY_ACK with `{"_placeholder":true,"num":i}` numbered
/// depth-first from 0. The main namespace is never written; others are followed by ','.
/// JSON is compact with invalid UTF-8 replaced (never throws).
encoded_packet encode_packet(const sio_packet& packet);

/// Decodes what one Engine.IO session receives, message by message, and validates it as the
/// reference does; any error means the whole connection must close.
class sio_decoder {
 public:
  enum class result { need_more, packet, error };

  explicit sio_decoder(std::size_t max_attachments = 10) : max_attachments_(max_attachments) {}

  /// A text message. `packet` yields a complete packet in `out`; `need_more` means a binary
  /// header announced attachments that must follow. Text while attachments are pending is
  /// an error.
  result feed_text(std::string_view text, sio_packet& out);
  /// A binary message: the next attachment. Binary with no pending header is an error.
  result feed_binary(std::string_view bytes, sio_packet& out);

 private:
  // Only while a binary packet's attachments are arriving: an idle connection's decoder is
  // then 16 bytes instead of ~120 (a packet, a vector and a count it almost never uses).
  struct assembly {
    sio_packet packet;
    std::size_t expected = 0;
    std::vector<std::string> attachments;
  };
  std::size_t max_attachments_;
  std::unique_ptr<assembly> pending_;
};

}  // namespace socketio::detail
