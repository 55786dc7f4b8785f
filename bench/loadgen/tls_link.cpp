#include "tls_link.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace loadgen {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

tls_link::tls_link(loop& l, handler& h) : loop_(l), handler_(h) {}

void tls_link::connect() {
  session_ = std::make_shared<session>(loop_.io(), *loop_.tls());
  auto& socket = session_->stream.next_layer();
  boost::system::error_code ec;
  socket.open(tcp::v4(), ec);
  if (ec) return fail("socket: " + ec.message());
  open_ = true;
  ready_ = false;
  writing_ = false;
  // As tcp_link: the ephemeral port is chosen per 4-tuple at connect time.
  const int one = 1;
  ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  socket.bind(tcp::endpoint(loop_.next_source(), 0), ec);
  if (ec) return fail("bind: " + ec.message());
  const auto gen = ++generation_;
  socket.async_connect(
      loop_.server(), [this, gen, s = session_](const boost::system::error_code& error) {
        if (gen != generation_) return;
        if (error) return fail("connect: " + error.message());
        boost::system::error_code ignored;
        s->stream.next_layer().set_option(tcp::no_delay(true), ignored);
        s->stream.async_handshake(asio::ssl::stream_base::client,
                                  [this, gen, s](const boost::system::error_code& e) {
                                    if (gen != generation_) return;
                                    if (e) return fail("TLS handshake: " + e.message());
                                    ready_ = true;
                                    read();
                                    handler_.on_link_connected();
                                    if (gen == generation_) flush();
                                  });
      });
}

void tls_link::read() {
  const auto gen = generation_;
  auto s = session_;
  s->stream.async_read_some(
      asio::buffer(s->buffer),
      [this, gen, s](const boost::system::error_code& error, std::size_t n) {
        if (gen != generation_) return;
        if (error) {
          const bool ended =
              error == asio::error::eof || error == asio::ssl::error::stream_truncated;
          return fail(ended ? "closed by the server" : "read: " + error.message());
        }
        in_read_ = true;
        handler_.on_link_data(std::string_view(s->buffer.data(), n));
        in_read_ = false;
        // The handler may have closed (or closed and reopened) the link.
        if (gen != generation_) return;
        flush();
        read();
      });
}

void tls_link::write(std::string_view bytes) {
  if (!open_) return;
  out_.append(bytes);
  if (!in_read_) flush();
}

void tls_link::flush() {
  if (!open_ || !ready_ || writing_ || out_.empty()) return;
  auto s = session_;
  s->sending.swap(out_);
  out_.clear();
  writing_ = true;
  const auto gen = generation_;
  asio::async_write(s->stream, asio::buffer(s->sending),
                    [this, gen, s](const boost::system::error_code& error, std::size_t) {
                      if (gen != generation_) return;
                      writing_ = false;
                      s->sending.clear();
                      if (error) return fail("write: " + error.message());
                      flush();
                    });
}

void tls_link::close() {
  if (!open_) return;
  open_ = false;
  ready_ = false;
  writing_ = false;
  ++generation_;
  out_.clear();
  // No TLS close_notify: the WebSocket close handshake above it is the goodbye that matters,
  // and a load generator need not wait for the server's.
  boost::system::error_code ignored;
  session_->stream.next_layer().close(ignored);
  session_.reset();
}

void tls_link::stall() {
  if (!open_) return;
  ++generation_;
  out_.clear();
  ready_ = false;  // nothing is written any more
  boost::system::error_code ignored;
  session_->stream.next_layer().cancel(ignored);
}

int tls_link::native_handle() {
  return open_ ? session_->stream.next_layer().native_handle() : -1;
}

void tls_link::fail(std::string_view why) {
  const std::string reason(why);
  close();
  handler_.on_link_closed(reason);
}

}  // namespace loadgen
