#include "engineio/detail/ws_transport.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>

namespace socketio::detail {

namespace {

// One read scratch buffer per thread: an idle connection holds no read buffer at all, only
// the few bytes of an incomplete frame header (tail_).
constexpr std::size_t read_chunk = 64 * 1024;
thread_local std::array<char, read_chunk> read_scratch;

// How long a closing server waits for the client's close frame before dropping TCP.
constexpr std::chrono::seconds close_grace{2};
// How long a close may wait for queued frames to be written: a peer that stopped reading
// would otherwise hold the connection (and the frames) forever.
constexpr std::chrono::seconds close_write_deadline{5};

}  // namespace

ws_transport::ws_transport(boost::asio::ip::tcp::socket socket, strand_type strand,
                           std::size_t max_message, std::string leftover)
    : socket_(std::move(socket)),
      strand_(std::move(strand)),
      parser_(max_message),
      tail_(std::move(leftover)) {}

ws_transport::~ws_transport() = default;

void ws_transport::start(std::shared_ptr<ws_transport_owner> owner, std::string handshake) {
  owner_ = std::move(owner);
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  write_raw(std::move(handshake));
}

void ws_transport::start_reading() {
  // Frames that arrived together with the upgrade request are parsed now: the peer may not
  // send anything else until they are answered.
  on_readable(!tail_.empty());
}

void ws_transport::write(std::vector<message_ptr> batch) {
  if (socket_closed_ || close_after_write_) {
    // Closing or closed: nothing more goes out, and the owner is told through its close.
    return;
  }
  pending_.reserve(pending_.size() + batch.size());
  for (auto& m : batch)
    pending_.push_back(item{std::move(m), {}});
  pending_has_batch_ = true;
  do_write();
}

void ws_transport::write_raw(std::string bytes) {
  if (socket_closed_ || close_frame_sent_) return;
  pending_.push_back(item{nullptr, std::move(bytes)});
  do_write();
}

void ws_transport::close() {
  owner_.reset();
  if (socket_closed_ || close_after_write_) return;
  close_after_write_ = true;
  arm_close_deadline(close_write_deadline);
  do_write();
}

void ws_transport::arm_close_deadline(std::chrono::steady_clock::duration after) {
  if (socket_closed_) return;
  if (!close_timer_) close_timer_ = std::make_unique<boost::asio::steady_timer>(strand_);
  close_timer_->expires_after(after);  // an earlier wait completes with operation_aborted
  close_timer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->close_socket();
  });
}

void ws_transport::do_write() {
  if (writing_ || socket_closed_) return;
  if (pending_.empty()) {
    if (close_after_write_ && !close_frame_sent_) {
      // docs/PROTOCOL.md 1.11: the reference's close frame has no status (the client sees 1005).
      close_frame_sent_ = true;
      pending_.push_back(item{nullptr, make_ws_close_frame(0)});
    } else {
      return;
    }
  }
  writing_ = true;
  in_flight_.swap(pending_);
  in_flight_has_batch_ = pending_has_batch_;
  pending_has_batch_ = false;
  buffers_.clear();
  buffers_.reserve(in_flight_.size() * 3);
  for (const auto& it : in_flight_) {
    if (!it.message) {
      buffers_.emplace_back(it.raw.data(), it.raw.size());
      continue;
    }
    const auto& m = *it.message;
    const auto header = m.ws_header.view();
    buffers_.emplace_back(header.data(), header.size());
    if (!m.binary) {
      const auto digit = type_digit(m.type);
      buffers_.emplace_back(digit.data(), digit.size());
    }
    buffers_.emplace_back(m.data.data(), m.data.size());
  }
  boost::asio::async_write(
      socket_, buffers_,
      boost::asio::bind_executor(
          strand_, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
            self->writing_ = false;
            self->in_flight_.clear();
            if (self->in_flight_.capacity() > 64) std::vector<item>().swap(self->in_flight_);
            if (self->buffers_.capacity() > 192) {
              std::vector<boost::asio::const_buffer>().swap(self->buffers_);
            }
            if (ec) {
              self->notify_closed(disconnect_reason::transport_error);
              self->close_socket();
              return;
            }
            const bool had_batch = self->in_flight_has_batch_;
            self->in_flight_has_batch_ = false;
            if (self->close_frame_sent_ && self->pending_.empty()) {
              self->shutdown_after_close_frame();
              return;
            }
            if (had_batch) {
              if (const auto owner = self->owner_) owner->on_ws_written(*self);
            }
            self->do_write();
          }));
}

void ws_transport::wait_readable() {
  if (socket_closed_) return;
  socket_.async_wait(boost::asio::ip::tcp::socket::wait_read,
                     boost::asio::bind_executor(
                         strand_, [self = shared_from_this()](boost::system::error_code ec) {
                           if (ec) {
                             if (!self->socket_closed_) {
                               self->notify_closed(disconnect_reason::transport_error);
                               self->close_socket();
                             }
                             return;
                           }
                           self->on_readable(false);
                         }));
}

void ws_transport::on_readable(bool parse_tail_first) {
  auto& scratch = read_scratch;
  // Bounded work per wakeup so one busy peer cannot starve the others on this thread.
  for (int round = 0; round < 16 && !socket_closed_ && !read_failed_; ++round) {
    std::size_t have = tail_.size();
    if (have >= read_chunk) {
      // More carried over than the scratch buffer holds (bytes that followed the upgrade
      // request can be any size): parse them where they are before reading again.
      const std::string pending = std::move(tail_);
      tail_.clear();
      const auto result = parser_.parse(pending, *this);
      if (socket_closed_ || parser_.closed()) return;
      if (result.error != 0 || result.consumed == 0) {
        read_failed_ = true;
        fail(result.error != 0 ? result.error : 1002, disconnect_reason::transport_error);
        return;
      }
      tail_.assign(std::string_view(pending).substr(result.consumed));
      continue;
    }
    if (have != 0) std::copy(tail_.begin(), tail_.end(), scratch.begin());
    boost::system::error_code ec;
    std::size_t n = 0;
    if (round != 0 || !parse_tail_first) {
      n = socket_.read_some(boost::asio::buffer(scratch.data() + have, read_chunk - have), ec);
      if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
        wait_readable();
        return;
      }
      if (ec) {
        notify_closed(ec == boost::asio::error::eof ? disconnect_reason::transport_close
                                                    : disconnect_reason::transport_error);
        close_socket();
        return;
      }
    }
    const std::string_view input(scratch.data(), have + n);
    const auto result = parser_.parse(input, *this);
    if (socket_closed_ || parser_.closed()) return;
    if (result.error != 0) {
      read_failed_ = true;
      fail(result.error, disconnect_reason::transport_error);
      return;
    }
    tail_.assign(input.substr(result.consumed));
  }
  wait_readable();
}

void ws_transport::on_ws_message(bool binary, std::string&& payload) {
  // A local reference: the owner may close this transport (and drop owner_) from inside.
  const auto owner = owner_;
  if (!owner) return;
  if (binary) {
    owner->on_ws_packet(*this, packet{packet_type::message, true, std::move(payload)});
    return;
  }
  auto decoded = decode_text_packet(payload);
  if (!decoded) {
    // An invalid Engine.IO packet closes the session with "parse error" (docs/PROTOCOL.md 1.2).
    notify_closed(disconnect_reason::parse_error);
    close();
    return;
  }
  owner->on_ws_packet(*this, std::move(*decoded));
}

void ws_transport::on_ws_ping(std::string_view payload) {
  std::string frame(make_ws_frame_header(ws_opcode::pong, payload.size()).view());
  frame.append(payload);
  write_raw(std::move(frame));
}

void ws_transport::on_ws_pong(std::string_view) {}

void ws_transport::on_ws_close(std::uint16_t code, std::string_view) {
  notify_closed(disconnect_reason::transport_close);
  if (close_frame_sent_) {
    close_socket();
    return;
  }
  // Echo the status (RFC 6455 5.5.1); an empty close answers an empty close.
  close_after_write_ = true;
  close_frame_sent_ = true;
  pending_.push_back(
      item{nullptr, make_ws_close_frame(code == ws_close_code::no_status ? 0 : code)});
  arm_close_deadline(close_write_deadline);
  do_write();
}

void ws_transport::fail(std::uint16_t close_code, disconnect_reason reason) {
  notify_closed(reason);
  if (close_frame_sent_) {
    close_socket();
    return;
  }
  close_after_write_ = true;
  close_frame_sent_ = true;
  pending_.clear();
  pending_.push_back(item{nullptr, make_ws_close_frame(close_code)});
  arm_close_deadline(close_write_deadline);
  do_write();
}

void ws_transport::notify_closed(disconnect_reason reason) {
  if (auto owner = std::move(owner_)) owner->on_ws_closed(*this, reason);
}

void ws_transport::shutdown_after_close_frame() {
  boost::system::error_code ec;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  if (parser_.closed() || read_failed_) {
    close_socket();
    return;
  }
  // Wait briefly for the client's close frame or EOF, then drop the connection.
  arm_close_deadline(close_grace);
  wait_readable();
}

void ws_transport::close_socket() {
  if (socket_closed_) return;
  socket_closed_ = true;
  owner_.reset();
  if (close_timer_) close_timer_->cancel();
  boost::system::error_code ec;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  pending_.clear();
}

}  // namespace socketio::detail
