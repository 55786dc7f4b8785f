// Error codes the library reports, and the disconnect reasons handlers receive.
#pragma once

#include <boost/system/error_code.hpp>

#include <optional>
#include <string_view>
#include <type_traits>

namespace socketio {

/// Everything the library reports as an error_code (category "socketio"). Where a message
/// reaches a client or a handler, message() is that exact text (noted per value).
enum class error {
  // Engine.IO handshake and request errors; message() is the `message` of the JSON error body
  // (docs/PROTOCOL.md 1.5), in the order of the protocol's error codes 0..5.
  transport_unknown = 1,         ///< "Transport unknown" (code 0)
  session_unknown,               ///< "Session ID unknown" (code 1)
  bad_handshake_method,          ///< "Bad handshake method" (code 2)
  bad_request,                   ///< "Bad request" (code 3)
  handshake_refused,             ///< "Forbidden" (code 4): allow_request refused the handshake
  unsupported_protocol_version,  ///< "Unsupported protocol version" (code 5)

  invalid_namespace,    ///< "Invalid namespace": CONNECT to a namespace nothing accepts
  payload_too_large,    ///< a POST body or WebSocket message over max_payload
  queue_full,           ///< a session's outbound queue reached max_queued_packets/bytes
  ack_timeout,          ///< "operation has timed out" (the reference's text)
  socket_disconnected,  ///< "socket has been disconnected"
  ack_needs_timeout,    ///< a broadcast with acks was emitted without timeout()
  reserved_event_name,  ///< emit of connect, disconnect, ... (docs/PROTOCOL.md 2.8)
  bad_packet,           ///< a packet that does not parse (docs/PROTOCOL.md 1.2, 2.7)
  invalid_state,        ///< a packet the connection's state does not allow (docs/PROTOCOL.md 2.7)
  connect_timeout,      ///< no namespace joined within connect_timeout (docs/PROTOCOL.md 2.10)
  adapter_request_timeout,  ///< a cluster adapter's request got no answer from every node in time
  adapter_unavailable,      ///< the adapter's backend (e.g. Redis) cannot be reached
  would_deadlock,           ///< a blocking wait on an I/O thread, which would complete it itself
  handler_threw,            ///< a user callback threw (reported through the logger, then ignored)
  server_closed,            ///< the server was closed
};

/// The category of socketio::error; name() is "socketio". Thread-safe (a static instance).
const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// Why a socket or an Engine.IO session closed. to_string() gives the reason strings of
/// docs/PROTOCOL.md 2.9 (and the library's own "rate limit exceeded"), which is what
/// disconnect/disconnecting and close handlers receive.
enum class disconnect_reason {
  transport_close,              ///< "transport close": the client closed the transport
  transport_error,              ///< "transport error": overlap, abort, WebSocket error, ...
  ping_timeout,                 ///< "ping timeout"
  parse_error,                  ///< "parse error": an invalid Engine.IO packet
  forced_close,                 ///< "forced close": the server closed the engine session
  forced_server_close,          ///< "forced server close": a deferred close by Socket.IO
  server_namespace_disconnect,  ///< "server namespace disconnect": socket.disconnect()
  client_namespace_disconnect,  ///< "client namespace disconnect": the client sent `41`
  server_shutting_down,         ///< "server shutting down": server::close()
  /// "rate limit exceeded" (not in Node): the client went over a rate limit whose action is
  /// to disconnect (server_options::event_rate_limit, engine_options::packet_rate, the
  /// WebSocket ping limit).
  rate_limit_exceeded,
};

/// The exact wire string of a reason (static storage).
std::string_view to_string(disconnect_reason r) noexcept;

/// The reason a string names, or nullopt if it names none (exact, case-sensitive match).
std::optional<disconnect_reason> parse_disconnect_reason(std::string_view text) noexcept;

}  // namespace socketio

namespace boost::system {
template <>
struct is_error_code_enum<socketio::error> : std::true_type {};
}  // namespace boost::system
