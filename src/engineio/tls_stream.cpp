#include "engineio/detail/tls_stream.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include "engineio/detail/tls_stream_impl.hpp"

namespace socketio::detail {

tls_stream::tls_stream(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

tls_stream::~tls_stream() = default;

void tls_stream::async_read_some(std::span<char> into, const strand_type& strand,
                                 read_handler done) {
  impl_->stream.async_read_some(
      boost::asio::buffer(into.data(), into.size()),
      boost::asio::bind_executor(
          strand, [done = std::move(done)](const boost::system::error_code& ec, std::size_t n) {
            done(ec, n);
          }));
}

void tls_stream::async_write(std::string_view bytes, const strand_type& strand,
                             write_handler done) {
  // One contiguous buffer: Asio's SSL stream hands it to SSL_write whole (a sequence of several
  // buffers would be copied into 8 KB pieces first), and OpenSSL (in partial-write mode) cuts
  // it into records of up to 16 KB, each written to the socket once it is encrypted.
  boost::asio::async_write(impl_->stream, boost::asio::buffer(bytes.data(), bytes.size()),
                           boost::asio::bind_executor(
                               strand, [done = std::move(done)](const boost::system::error_code& ec,
                                                                std::size_t) { done(ec); }));
}

void tls_stream::shutdown_send() {
  boost::system::error_code ec;
  boost::beast::get_lowest_layer(impl_->stream)
      .socket()
      .shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
}

void tls_stream::close() {
  auto& socket = boost::beast::get_lowest_layer(impl_->stream).socket();
  boost::system::error_code ec;
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

bool tls_stream::is_peer_close(const boost::system::error_code& ec) {
  return ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated;
}

}  // namespace socketio::detail
