// A TLS session over an accepted TCP connection, as the WebSocket transport uses it once the
// HTTP connection hands it over. OpenSSL and Beast stay inside tls_stream.cpp (and the HTTPS
// connection that creates it): this header has neither.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

namespace socketio::detail {

class tls_stream {
 public:
  struct impl;  // the OpenSSL stream and its context (tls_stream.cpp)
  using strand_type = boost::asio::strand<boost::asio::any_io_executor>;
  using read_handler = std::function<void(const boost::system::error_code&, std::size_t)>;
  using write_handler = std::function<void(const boost::system::error_code&)>;

  explicit tls_stream(std::unique_ptr<impl> i);
  ~tls_stream();
  tls_stream(const tls_stream&) = delete;
  tls_stream& operator=(const tls_stream&) = delete;

  /// Reads decrypted bytes into `into` (at most one TLS record's worth); `done` runs on
  /// `strand`. One read at a time; `into` stays valid until `done`.
  void async_read_some(std::span<char> into, const strand_type& strand, read_handler done);
  /// Encrypts and writes all of `bytes` (kept valid by the caller until `done`): one SSL_write
  /// per TLS record of up to 16 KB, each record written to the socket as it is made. One write
  /// at a time, which may run beside the read.
  void async_write(std::string_view bytes, const strand_type& strand, write_handler done);
  /// Stops sending (TCP FIN after what was written); reads go on.
  void shutdown_send();
  /// Closes the TCP connection; pending operations complete with operation_aborted.
  void close();

  /// True when `ec` is the peer ending the connection (close_notify, or the TCP connection
  /// closed without one), rather than a failure.
  static bool is_peer_close(const boost::system::error_code& ec);

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace socketio::detail
