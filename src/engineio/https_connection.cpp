// HTTP over TLS: the handshake (and, on a shared port, telling TLS from plain HTTP by the
// first byte), then the HTTP connection of http_connection_impl.hpp over an OpenSSL stream.
#include <sys/socket.h>

#include <cerrno>

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/detect_ssl.hpp>

#include "engineio/detail/http_connection.hpp"
#include "engineio/detail/http_connection_impl.hpp"
#include "engineio/detail/tls_stream_impl.hpp"

namespace socketio::detail {

namespace http_impl {

namespace ssl = boost::asio::ssl;
using tls_http_connection = http_connection<tls_socket_stream>;

template <>
bool tls_http_connection::secure() const {
  return true;
}

template <>
tls_http_connection::readable tls_http_connection::check_readable() {
  char byte = 0;
  const auto n = ::recv(socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return readable::closed;
  if (n < 0) {
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? readable::nothing
                                                                     : readable::closed;
  }
  // Bytes, but of TLS records: the peer's close_notify (in TLS 1.3 an encrypted record like any
  // other), a pipelined request, or part of either. Decrypt what has arrived without blocking;
  // request bytes stay in buffer_ for the next request head, as a plain connection's stay in the
  // socket. No write is in flight while a request is parked, so the read cannot interleave one.
  boost::system::error_code ec;
  socket().non_blocking(true, ec);
  auto result = readable::nothing;
  for (int round = 0; round < 16; ++round) {
    const auto got = stream_.read_some(buffer_.prepare(4096), ec);
    buffer_.commit(got);
    if (got > 0) {
      result = readable::request;
      break;
    }
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) break;
    if (ec) {
      result = readable::closed;
      break;
    }
  }
  socket().non_blocking(false, ec);
  return result;
}

template <>
bool tls_http_connection::peer_closed(const beast::error_code& ec) const {
  // A TCP close without close_notify, or a broken record: no HTTP answer can reach the peer.
  return ec == ssl::error::stream_truncated ||
         ec.category() == boost::asio::error::get_ssl_category() ||
         ec.category() == ssl::error::get_stream_category();
}

template <>
void tls_http_connection::shutdown() {
  if (closed_ || released_) return;
  closed_ = true;
  // close_notify (the peer knows the response was not truncated), then the TCP close. The
  // peer's own close_notify is waited for briefly at most.
  lowest().expires_after(std::chrono::seconds(2));
  stream_.async_shutdown(
      [self = this->shared_from_this()](const beast::error_code&) { self->lowest().close(); });
}

template <>
boost::asio::ip::tcp::socket tls_http_connection::take_socket(std::string&) {
  // Never called: the endpoint takes a TLS connection with take_tls_stream.
  return boost::asio::ip::tcp::socket(stream_.get_executor());
}

template <>
std::unique_ptr<tls_stream> tls_http_connection::take_tls_stream(std::string& leftover) {
  const auto data = buffer_.data();
  leftover.assign(static_cast<const char*>(data.data()), data.size());
  buffer_.consume(buffer_.size());
  lowest().expires_never();
  released_ = true;
  return std::make_unique<tls_stream>(std::make_unique<tls_stream::impl>(
      std::move(stream_), std::static_pointer_cast<ssl::context>(keep_)));
}

template class http_connection<tls_socket_stream>;

namespace {

// From the accept to the first request: detection (on a shared port) and the handshake, both
// within the request timeout.
class tls_accept : public std::enable_shared_from_this<tls_accept> {
 public:
  tls_accept(boost::asio::ip::tcp::socket socket, std::shared_ptr<const http_listener> listener,
             std::chrono::milliseconds request_timeout, std::shared_ptr<ssl::context> context,
             tls_listen_mode mode)
      : stream_(std::move(socket)),
        listener_(std::move(listener)),
        request_timeout_(request_timeout),
        context_(std::move(context)),
        mode_(mode) {}

  void start() {
    boost::system::error_code ignored;
    // Records are written one by one: Nagle would hold the last small one back for an ACK.
    stream_.socket().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    stream_.expires_after(request_timeout_);
    if (mode_ == tls_listen_mode::tls_only) {
      handshake();
      return;
    }
    // A TLS connection starts with a handshake record (type 0x16); an HTTP request with a
    // method name. The bytes read to tell stay in buffer_ for whichever comes next.
    beast::async_detect_ssl(stream_, buffer_,
                            [self = shared_from_this()](beast::error_code ec, bool is_tls) {
                              self->on_detected(ec, is_tls);
                            });
  }

 private:
  void on_detected(const beast::error_code& ec, bool is_tls) {
    if (ec) {
      failed("before the first byte", ec);
      return;
    }
    if (!is_tls) {
      stream_.expires_never();
      serve_plain(std::move(stream_), std::move(buffer_), listener_, request_timeout_);
      return;
    }
    handshake();
  }

  void handshake() {
    tls_.emplace(std::move(stream_), *context_);
    tls_->async_handshake(ssl::stream_base::server, buffer_.data(),
                          [self = shared_from_this()](beast::error_code ec, std::size_t used) {
                            self->on_handshake(ec, used);
                          });
  }

  void on_handshake(const beast::error_code& ec, std::size_t used) {
    if (ec) {
      failed("in the TLS handshake", ec);
      return;
    }
    buffer_.consume(used);
    auto& lowest = beast::get_lowest_layer(*tls_);
    lowest.expires_never();
    std::make_shared<tls_http_connection>(std::move(*tls_), listener_, request_timeout_,
                                          std::move(buffer_), context_)
        ->start();
  }

  void failed(const char* where, const beast::error_code& ec) {
    auto& lowest = tls_ ? beast::get_lowest_layer(*tls_) : stream_;
    const auto& log = listener_->log();
    if (log.enabled(log_level::debug)) {
      boost::system::error_code ignored;
      const auto peer = lowest.socket().remote_endpoint(ignored);
      log.log(log_level::debug, "connection from " + peer.address().to_string() + " closed " +
                                    where + ": " + ec.message());
    }
    lowest.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<tls_socket_stream> tls_;
  std::shared_ptr<const http_listener> listener_;
  std::chrono::milliseconds request_timeout_;
  std::shared_ptr<ssl::context> context_;
  tls_listen_mode mode_;
};

}  // namespace

}  // namespace http_impl

void serve_tls_connection(boost::asio::ip::tcp::socket socket,
                          std::shared_ptr<const http_listener> listener,
                          std::chrono::milliseconds request_timeout,
                          std::shared_ptr<boost::asio::ssl::context> context,
                          tls_listen_mode mode) {
  std::make_shared<http_impl::tls_accept>(std::move(socket), std::move(listener), request_timeout,
                                          std::move(context), mode)
      ->start();
}

}  // namespace socketio::detail
