// What the Engine.IO endpoint sees of one HTTP request and its connection. Beast stays behind
// this interface, in http_connection.cpp, so the engine logic compiles without it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "engineio/detail/tls_stream.hpp"

namespace socketio::detail {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_reply {
  unsigned status = 200;
  std::string content_type;  // omitted when empty
  std::string body;
  header_list headers;
  /// Close the connection after this reply (used when the request body was not read).
  bool close_connection = false;
  /// A reply to HEAD: the Content-Length the GET's body would have; `body` stays empty.
  std::optional<std::uint64_t> head_content_length;
};

/// One request on a connection. Every member is safe from any thread: calls are posted to
/// the connection's strand.
class http_exchange {
 public:
  virtual ~http_exchange() = default;

  virtual std::string_view method() const = 0;
  virtual std::string_view target() const = 0;
  /// First header with that name (case-insensitive), empty when absent.
  virtual std::string_view header(std::string_view name) const = 0;
  virtual bool has_header(std::string_view name) const = 0;
  /// Every header, names in lower case.
  virtual header_list all_headers() const = 0;
  virtual std::optional<std::uint64_t> content_length() const = 0;
  virtual bool is_websocket_upgrade() const = 0;
  virtual std::string remote_address() const = 0;
  /// True over TLS (request_info::secure).
  virtual bool secure() const = 0;

  /// Headers added to every reply of this request (CORS).
  virtual void set_common_headers(header_list headers) = 0;
  /// Sends the reply; the connection then reads its next request (or closes).
  virtual void reply(http_reply r) = 0;
  /// Reads the body, refusing more than `limit` bytes without buffering them. The callback
  /// runs on the connection's strand with the body, or nullopt and `too_large` on failure.
  virtual void read_body(std::size_t limit,
                         std::function<void(std::optional<std::string> body, bool too_large)>) = 0;
  /// Calls `on_abort` (on the connection's strand) if the peer closes the connection while
  /// the request waits for its reply. Used for parked polling GETs.
  virtual void watch_abort(std::function<void()> on_abort) = 0;
  /// Hands the TCP socket over for a WebSocket; the connection is finished afterwards.
  /// `leftover` receives bytes already read past the request head.
  /// Plain connections only (secure() is false).
  virtual boost::asio::ip::tcp::socket take_socket(std::string& leftover) = 0;
  /// The same over TLS: the TLS stream (with the TCP socket inside). Null when not secure().
  virtual std::unique_ptr<tls_stream> take_tls_stream(std::string& leftover) = 0;
};

}  // namespace socketio::detail
