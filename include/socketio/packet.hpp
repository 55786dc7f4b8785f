// Socket.IO packets as adapters and other extensions see them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace socketio {

/// Socket.IO v5 packet types (the first digit of a packet on the wire).
enum class packet_type : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

/// A decoded packet. Binary values stay inline in `data` as `json::binary_t` (no
/// placeholders): the library turns them into attachments when it writes to a client.
struct packet {
  packet_type type = packet_type::event;
  /// The namespace, "/" for the main one.
  std::string nsp = "/";
  /// The ack id, when the sender wants an answer.
  std::optional<std::uint64_t> id;
  /// EVENT: `[name, args...]`; ACK: `[args...]`; CONNECT: the auth object. Discarded
  /// (`json::value_t::discarded`) when the packet has no payload.
  nlohmann::ordered_json data = nlohmann::ordered_json(nlohmann::ordered_json::value_t::discarded);
};

/// A packet encoded once for this node's clients (text and attachments), shared by every
/// recipient of a broadcast. Cheap to copy; immutable. Adapters get one from
/// adapter_host::encode() and hand it back to adapter_host::deliver*().
class outgoing_packet {
 public:
  /// The encoded form; defined inside the library.
  struct encoded;

  outgoing_packet() = default;
  explicit outgoing_packet(std::shared_ptr<const encoded> e) : encoded_(std::move(e)) {}

  /// The packet that was encoded.
  const packet& view() const;
  explicit operator bool() const { return encoded_ != nullptr; }
  const std::shared_ptr<const encoded>& encoded_form() const { return encoded_; }

 private:
  std::shared_ptr<const encoded> encoded_;
};

}  // namespace socketio
