#include "tls_link.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include "source_socket.hpp"

namespace loadgen {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

tls_link::tls_link(loop& l, handler& h) : loop_(l), handler_(h) {}

tls_link::~tls_link() {
  close();
}

void tls_link::connect() {
  session_ = std::make_shared<session>(loop_.io(), *loop_.tls(), this);
  auto& socket = session_->stream.next_layer();
  ready_ = false;
  writing_ = false;
  const std::string failed = open_bound_to(socket, loop_.next_source());
  open_ = socket.is_open();
  if (!failed.empty()) return fail(failed);
  socket.async_connect(loop_.server(), [s = session_](const boost::system::error_code& error) {
    if (s->owner == nullptr) return;
    tls_link& self = *s->owner;
    if (error) return self.fail("connect: " + error.message());
    boost::system::error_code ignored;
    s->stream.next_layer().set_option(tcp::no_delay(true), ignored);
    s->stream.async_handshake(asio::ssl::stream_base::client,
                              [s](const boost::system::error_code& e) {
                                if (s->owner == nullptr) return;
                                tls_link& link = *s->owner;
                                if (e) return link.fail("TLS handshake: " + e.message());
                                link.ready_ = true;
                                link.read();
                                link.handler_.on_link_connected();
                                if (s->owner != nullptr) link.flush();
                              });
  });
}

void tls_link::read() {
  auto s = session_;
  s->stream.async_read_some(asio::buffer(s->buffer), [s](const boost::system::error_code& error,
                                                         std::size_t n) {
    if (s->owner == nullptr) return;
    tls_link& self = *s->owner;
    if (error) {
      const bool ended = error == asio::error::eof || error == asio::ssl::error::stream_truncated;
      return self.fail(ended ? "closed by the server" : "read: " + error.message());
    }
    self.in_read_ = true;
    self.handler_.on_link_data(std::string_view(s->buffer.data(), n));
    // The handler may have closed (or closed and reopened, or deleted) the link.
    if (s->owner == nullptr) return;
    self.in_read_ = false;
    self.flush();
    self.read();
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
  asio::async_write(s->stream, asio::buffer(s->sending),
                    [s](const boost::system::error_code& error, std::size_t) {
                      if (s->owner == nullptr) return;
                      tls_link& self = *s->owner;
                      self.writing_ = false;
                      s->sending.clear();
                      if (error) return self.fail("write: " + error.message());
                      self.flush();
                    });
}

void tls_link::close() {
  if (!open_) return;
  open_ = false;
  ready_ = false;
  writing_ = false;
  in_read_ = false;
  out_.clear();
  session_->owner = nullptr;
  // No TLS close_notify: the WebSocket close handshake above it is the goodbye that matters,
  // and a load generator need not wait for the server's.
  boost::system::error_code ignored;
  session_->stream.next_layer().close(ignored);
  session_.reset();
}

void tls_link::stall() {
  if (!open_) return;
  session_->owner = nullptr;  // nothing pending reaches the link any more
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
