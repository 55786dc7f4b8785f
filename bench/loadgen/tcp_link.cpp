#include "tcp_link.hpp"

#include <boost/asio/error.hpp>

#include "source_socket.hpp"

namespace loadgen {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
// Reads per readiness wake-up before yielding to other sockets; a socket that keeps filling
// the shared buffer must not starve the others.
constexpr int reads_per_wakeup = 4;
}  // namespace

tcp_link::tcp_link(loop& l, handler& h) : loop_(l), handler_(h), socket_(l.io()) {}

void tcp_link::connect() {
  stalled_ = false;
  const std::string failed = open_bound_to(socket_, loop_.next_source());
  open_ = socket_.is_open();
  if (!failed.empty()) return fail(failed);
  connecting_ = true;
  const auto gen = ++generation_;
  socket_.async_connect(loop_.server(), [this, gen](const boost::system::error_code& error) {
    if (gen != generation_) return;
    connecting_ = false;
    if (error) return fail("connect: " + error.message());
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    socket_.non_blocking(true, ignored);
    wait_readable();
    handler_.on_link_connected();
    flush();
  });
}

void tcp_link::write(std::string_view bytes) {
  if (stalled_) return;
  out_.append(bytes);
  if (!in_read_ && !connecting_) flush();
}

void tcp_link::close() {
  if (!open_) return;
  open_ = false;
  connecting_ = false;
  write_waiting_ = false;
  stalled_ = false;
  ++generation_;
  out_.clear();
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void tcp_link::stall() {
  if (!open_) return;
  stalled_ = true;
  out_.clear();
  // Pending waits complete as stale; nothing reads or writes this socket any more.
  ++generation_;
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

int tcp_link::native_handle() {
  return open_ ? socket_.native_handle() : -1;
}

void tcp_link::fail(std::string_view why) {
  const std::string reason(why);
  close();
  handler_.on_link_closed(reason);
}

void tcp_link::wait_readable() {
  const auto gen = generation_;
  socket_.async_wait(tcp::socket::wait_read, [this, gen](const boost::system::error_code& error) {
    if (gen != generation_) return;
    if (error) return fail("wait: " + error.message());
    on_readable();
  });
}

void tcp_link::on_readable() {
  const auto gen = generation_;
  in_read_ = true;
  for (int i = 0; i < reads_per_wakeup; ++i) {
    boost::system::error_code ec;
    const std::size_t n =
        socket_.read_some(asio::buffer(loop_.read_buffer(), loop_.read_buffer_size()), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) {
      in_read_ = false;
      return fail(ec == asio::error::eof ? "closed by the server" : "read: " + ec.message());
    }
    handler_.on_link_data(std::string_view(loop_.read_buffer(), n));
    // The handler may have closed (or closed and reopened) the link.
    if (gen != generation_) {
      in_read_ = false;
      return;
    }
    if (n < loop_.read_buffer_size()) break;
  }
  in_read_ = false;
  flush();
  if (gen == generation_) wait_readable();
}

void tcp_link::flush() {
  if (!open_ || connecting_ || write_waiting_ || out_.empty()) return;
  boost::system::error_code ec;
  const std::size_t n = socket_.write_some(asio::buffer(out_), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    return fail("write: " + ec.message());
  }
  out_.erase(0, n);
  if (!out_.empty()) wait_writable();
}

void tcp_link::wait_writable() {
  write_waiting_ = true;
  const auto gen = generation_;
  socket_.async_wait(tcp::socket::wait_write, [this, gen](const boost::system::error_code& error) {
    if (gen != generation_) return;
    write_waiting_ = false;
    if (error) return fail("wait for write: " + error.message());
    flush();
  });
}

}  // namespace loadgen
