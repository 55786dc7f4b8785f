#include "socketio/error.hpp"

#include <array>
#include <string>

namespace socketio {

namespace {

// boost::system::error_category's destructor is protected and non-virtual by design (categories
// are never deleted through a base pointer); -Wnon-virtual-dtor does not know that.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "socketio"; }

  std::string message(int value) const override {
    switch (static_cast<error>(value)) {
      case error::transport_unknown:
        return "Transport unknown";
      case error::session_unknown:
        return "Session ID unknown";
      case error::bad_handshake_method:
        return "Bad handshake method";
      case error::bad_request:
        return "Bad request";
      case error::handshake_refused:
        return "Forbidden";
      case error::unsupported_protocol_version:
        return "Unsupported protocol version";
      case error::invalid_namespace:
        return "Invalid namespace";
      case error::payload_too_large:
        return "payload too large";
      case error::queue_full:
        return "outbound queue full";
      case error::ack_timeout:
        return "operation has timed out";
      case error::socket_disconnected:
        return "socket has been disconnected";
      case error::ack_needs_timeout:
        return "a broadcast with acks needs a timeout (timeout(ms))";
      case error::reserved_event_name:
        return "reserved event name";
      case error::bad_packet:
        return "bad packet";
      case error::invalid_state:
        return "packet not allowed in this state";
      case error::connect_timeout:
        return "no namespace joined in time";
      case error::adapter_request_timeout:
        return "adapter request timed out";
      case error::adapter_unavailable:
        return "adapter unavailable";
      case error::would_deadlock:
        return "blocking wait on an I/O thread would deadlock";
      case error::handler_threw:
        return "user callback threw";
      case error::server_closed:
        return "server closed";
    }
    return "unknown socketio error";
  }
};
#pragma GCC diagnostic pop

// Indexed by disconnect_reason; docs/PROTOCOL.md 2.9, then the library's own.
constexpr std::array<std::string_view, 10> reason_strings{
    "transport close",
    "transport error",
    "ping timeout",
    "parse error",
    "forced close",
    "forced server close",
    "server namespace disconnect",
    "client namespace disconnect",
    "server shutting down",
    "rate limit exceeded",
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

std::string_view to_string(disconnect_reason r) noexcept {
  const auto i = static_cast<std::size_t>(r);
  return i < reason_strings.size() ? reason_strings[i] : std::string_view("transport error");
}

std::optional<disconnect_reason> parse_disconnect_reason(std::string_view text) noexcept {
  for (std::size_t i = 0; i < reason_strings.size(); ++i) {
    if (reason_strings[i] == text) return static_cast<disconnect_reason>(i);
  }
  return std::nullopt;
}

}  // namespace socketio
