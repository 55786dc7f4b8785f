#include "engineio/detail/http_connection.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "engineio/detail/http_connection_impl.hpp"

namespace socketio::detail {

namespace http_impl {

template <>
bool plain_http_connection::secure() const {
  return false;
}

template <>
plain_http_connection::readable plain_http_connection::check_readable() {
  // A wait can complete without the socket being readable; peek to tell EOF (0), nothing yet
  // (EAGAIN: wait again) and a pipelined request (bytes: not an abort).
  char byte = 0;
  const auto n = ::recv(socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return readable::request;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    return readable::nothing;
  }
  return readable::closed;
}

template <>
bool plain_http_connection::peer_closed(const beast::error_code&) const {
  return false;
}

template <>
void plain_http_connection::shutdown() {
  if (closed_ || released_) return;
  closed_ = true;
  beast::error_code ec;
  socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  stream_.close();
}

template <>
boost::asio::ip::tcp::socket plain_http_connection::take_socket(std::string& leftover) {
  const auto data = buffer_.data();
  leftover.assign(static_cast<const char*>(data.data()), data.size());
  buffer_.consume(buffer_.size());
  stream_.expires_never();
  released_ = true;
  return stream_.release_socket();
}

template <>
std::unique_ptr<tls_stream> plain_http_connection::take_tls_stream(std::string&) {
  return nullptr;  // a plain connection hands over its socket (take_socket)
}

template class http_connection<beast::tcp_stream>;

void serve_plain(beast::tcp_stream stream, beast::flat_buffer buffer,
                 std::shared_ptr<const http_listener> listener,
                 std::chrono::milliseconds request_timeout) {
  std::make_shared<plain_http_connection>(std::move(stream), std::move(listener), request_timeout,
                                          std::move(buffer))
      ->start();
}

}  // namespace http_impl

void serve_http_connection(boost::asio::ip::tcp::socket socket,
                           std::shared_ptr<const http_listener> listener,
                           std::chrono::milliseconds request_timeout) {
  auto c = std::make_shared<http_impl::plain_http_connection>(std::move(socket),
                                                              std::move(listener), request_timeout);
  c->start();
}

}  // namespace socketio::detail
