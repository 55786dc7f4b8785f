#include "engineio/detail/ws_transport.hpp"

#include "engineio/detail/cork.hpp"

#include <sys/socket.h>
#include <sys/uio.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include <cerrno>

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

// Packets per sendmsg: each takes up to three iovecs, and Linux takes 1,024 per call.
constexpr std::size_t max_iov = 1024;

// TLS: decrypted bytes per read. The buffer lives as long as the connection (a read is always
// pending), so it is kept small for the many idle ones: a full 16 KB record takes four reads.
constexpr std::size_t tls_read_chunk = 4 * 1024;
// TLS: the most copied into one write. More waits for the next write (OpenSSL cuts a write
// into 16 KB records anyway; the bound keeps the copy of a large burst from doubling it).
constexpr std::size_t tls_max_write = 256 * 1024;
// TLS: bytes that may wait behind the write in flight while write() still reports the batch
// as written (the plain path's equivalent is the kernel's socket buffer). Past it, the state
// machine holds its packets (bounded by max_queued_*) until on_ws_written.
constexpr std::size_t tls_backlog_limit = 64 * 1024;

// The socket moves to the lane's inner executor (the io_context's, held inline in an
// any_io_executor): the one it was accepted with (the HTTP connection's strand) would
// otherwise stay allocated as long as the connection, and a strand as the socket's executor
// costs a heap copy in the socket and another in every pending wait. Handlers are bound to
// the lane's strand instead (on_lane).
boost::asio::ip::tcp::socket rehome(boost::asio::ip::tcp::socket socket, const lane& home) {
  const auto& executor = home.strand().get_inner_executor();
  boost::system::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  if (!ec) {
    const auto fd = socket.release(ec);
    if (!ec) return boost::asio::ip::tcp::socket(executor, protocol, fd);
  }
  // A socket that cannot move is dead already: a closed one on the lane fails its first
  // operation there, and the session closes as for any transport error.
  socket.close(ec);
  return boost::asio::ip::tcp::socket(executor);
}

}  // namespace

ws_transport::ws_transport(boost::asio::ip::tcp::socket socket, std::shared_ptr<lane> home,
                           std::size_t max_message, std::string leftover)
    : socket_(rehome(std::move(socket), *home)),
      lane_(std::move(home)),
      parser_(max_message),
      tail_(std::move(leftover)) {}

// The TLS stream keeps the socket on the executor it was accepted with (the HTTP
// connection's strand); its completions are bound to the lane's strand (tls_stream).
ws_transport::ws_transport(std::unique_ptr<tls_stream> tls, std::shared_ptr<lane> home,
                           std::size_t max_message, std::string leftover)
    : socket_(home->strand().get_inner_executor()),
      lane_(std::move(home)),
      parser_(max_message),
      tail_(std::move(leftover)),
      tls_(std::make_unique<tls_io>(std::move(tls))) {}

ws_transport::~ws_transport() = default;

void ws_transport::start(std::shared_ptr<ws_transport_owner> owner, std::string handshake) {
  owner_ = std::move(owner);
  if (!tls_) {
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  }
  write_raw(std::move(handshake));
}

void ws_transport::start_reading() {
  // Frames that arrived together with the upgrade request are parsed now: the peer may not
  // send anything else until they are answered.
  if (tls_) {
    if (!tail_.empty()) on_tls_data({});
    tls_read();
    return;
  }
  on_readable(!tail_.empty());
}

bool ws_transport::write(std::span<const message_ptr> batch) {
  if (socket_closed_ || close_after_write_ || write_failed_) {
    // Closing or closed: nothing more goes out, and the owner is told through its close.
    return false;
  }
  pending_.insert(pending_.end(), batch.begin(), batch.end());
  if (tls_) {
    for (const auto& m : batch)
      tls_->backlog += m->ws_size();
    tls_pump();
    if (tls_->backlog < tls_backlog_limit && !socket_closed_ && !write_failed_) return true;
    batch_outstanding_ = true;
    return false;
  }
  pump();
  if (front_ == pending_.size() && !socket_closed_ && !write_failed_) return true;
  batch_outstanding_ = true;
  return false;
}

void ws_transport::write_raw(std::string bytes) {
  if (socket_closed_ || close_frame_sent_ || write_failed_) return;
  pending_.push_back(make_framed(std::move(bytes)));
  pump();
}

void ws_transport::close() {
  owner_.reset();
  if (socket_closed_ || close_after_write_) return;
  close_after_write_ = true;
  arm_close_deadline(close_write_deadline);
  pump();
}

void ws_transport::arm_close_deadline(std::chrono::steady_clock::duration after) {
  if (socket_closed_) return;
  if (!close_timer_) close_timer_ = std::make_unique<boost::asio::steady_timer>(lane_->strand());
  close_timer_->expires_after(after);  // an earlier wait completes with operation_aborted
  close_timer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->close_socket();
  });
}

void ws_transport::pump() {
  if (tls_) {
    tls_pump();
    return;
  }
  while (!waiting_writable_ && !socket_closed_ && !write_failed_) {
    if (front_ == pending_.size() && !after_pending_written()) return;
    bool blocked = false;
    if (!send_some(blocked)) {
      write_failed();
      return;
    }
    if (blocked) wait_writable();
  }
}

bool ws_transport::send_some(bool& blocked) {
  // One iovec per piece: [header][type digit][data] per packet, pointing into the shared
  // messages (no per-recipient copy), as many packets as one sendmsg takes.
  thread_local std::vector<iovec> iov;
  iov.clear();
  std::size_t skip = sent_;
  std::size_t total = 0;
  auto add = [&](const char* data, std::size_t size) {
    if (skip >= size) {
      skip -= size;
      return;
    }
    iov.push_back(iovec{const_cast<char*>(data) + skip, size - skip});
    total += size - skip;
    skip = 0;
  };
  for (std::size_t i = front_; i < pending_.size() && iov.size() + 3 <= max_iov; ++i) {
    const auto& m = *pending_[i];
    if (m.framed) {
      add(m.data.data(), m.data.size());
      continue;
    }
    const auto header = m.ws_header.view();
    add(header.data(), header.size());
    if (!m.binary) add(type_digit(m.type).data(), 1);
    add(m.data.data(), m.data.size());
  }
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  ssize_t n = 0;
  do {
    n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      blocked = true;
      return true;
    }
    return false;
  }
  // Advance the write position past what the kernel took.
  auto left = static_cast<std::size_t>(n);
  while (front_ < pending_.size()) {
    const std::size_t size = pending_[front_]->ws_size() - sent_;
    if (left < size) {
      sent_ += left;
      break;
    }
    left -= size;
    sent_ = 0;
    pending_[front_].reset();  // releases the message now
    ++front_;
  }
  // A short write means the socket buffer is full: wait instead of trying again at once.
  blocked = static_cast<std::size_t>(n) < total;
  return true;
}

void ws_transport::wait_writable() {
  waiting_writable_ = true;
  // Bound to the lane's strand: the socket's own executor is the plain inner one (rehome). The
  // binder's strand sits inline in the wait operation (no allocation of its own).
  socket_.async_wait(boost::asio::ip::tcp::socket::wait_write,
                     boost::asio::bind_executor(lane_->strand(), [self = shared_from_this()](
                                                                     boost::system::error_code ec) {
                       self->waiting_writable_ = false;
                       if (ec) {
                         if (!self->socket_closed_) {
                           self->notify_closed(disconnect_reason::transport_error);
                           self->close_socket();
                         }
                         return;
                       }
                       self->pump();
                       if (self->front_ == self->pending_.size() && self->batch_outstanding_ &&
                           !self->socket_closed_ && !self->write_failed_) {
                         self->batch_outstanding_ = false;
                         if (const auto owner = self->owner_) owner->on_ws_written(*self);
                       }
                     }));
}

void ws_transport::write_failed() {
  write_failed_ = true;
  // Not inside the caller's write: it may be the owner's flush, in the middle of its state.
  boost::asio::post(lane_->strand(), [self = shared_from_this()] {
    self->notify_closed(disconnect_reason::transport_error);
    self->close_socket();
  });
}

void ws_transport::wait_readable() {
  if (socket_closed_ || read_wait_pending_) return;
  read_wait_pending_ = true;
  // Completes on the lane's strand (see wait_writable).
  socket_.async_wait(boost::asio::ip::tcp::socket::wait_read,
                     boost::asio::bind_executor(lane_->strand(), [self = shared_from_this()](
                                                                     boost::system::error_code ec) {
                       self->read_wait_pending_ = false;
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

void ws_transport::discard_input() {
  // After a protocol error the close frame is out and the peer may still be sending (a message
  // over the limit, in fragments): its bytes are read and dropped until it closes or the grace
  // period ends. Closing with unread data would reset the connection, and the peer could lose
  // the close frame (seeing 1006 instead of the code).
  auto& scratch = read_scratch;
  for (int round = 0; round < 16 && !socket_closed_; ++round) {
    boost::system::error_code ec;
    socket_.read_some(boost::asio::buffer(scratch.data(), read_chunk), ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) break;
    if (ec) {
      close_socket();
      return;
    }
  }
  wait_readable();
}

void ws_transport::on_readable(bool parse_tail_first) {
  auto& scratch = read_scratch;
  if (read_failed_) {
    discard_input();
    return;
  }
  // Everything these reads cause on this lane (answers, broadcasts to the lane's other
  // sessions) is written once per session, when the reads are handled.
  const cork_scope cork(lane_.get());
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
    bool drained = false;
    if (round != 0 || !parse_tail_first) {
      n = socket_.read_some(boost::asio::buffer(scratch.data() + have, read_chunk - have), ec);
      // Less than asked for: the receive queue was empty when the kernel returned, so another
      // read would only say EAGAIN (one system call per message, for nothing). Waiting instead
      // is safe: Asio starts every wait with EPOLL_CTL_MOD, and the kernel reports a socket
      // that became readable in between at once.
      drained = !ec && n < read_chunk - have;
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
    if (drained) break;
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

void ws_transport::limit_pings(const rate_limit& limit) {
  ping_bucket_ = token_bucket(limit, std::chrono::steady_clock::now());
}

void ws_transport::on_ws_ping(std::string_view payload) {
  // After a failure the parser may still hand over the rest of the read: nothing more is
  // answered (a close frame is already queued).
  if (read_failed_ || close_frame_sent_) return;
  if (ping_bucket_.limited() && !ping_bucket_.try_take(std::chrono::steady_clock::now())) {
    // Every ping costs a pong write: a peer over its rate is refused (RFC 6455 7.4.1, 1008).
    read_failed_ = true;
    fail(ws_close_code::policy_violation, disconnect_reason::rate_limit_exceeded);
    return;
  }
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
  pending_.push_back(make_framed(make_ws_close_frame(code == ws_close_code::no_status ? 0 : code)));
  arm_close_deadline(close_write_deadline);
  pump();
}

void ws_transport::fail(std::uint16_t close_code, disconnect_reason reason) {
  notify_closed(reason);
  if (close_frame_sent_) {
    close_socket();
    return;
  }
  close_after_write_ = true;
  close_frame_sent_ = true;
  // Queued frames are dropped, but a frame partly written must be finished first.
  if (sent_ != 0) {
    message_ptr partial = std::move(pending_[front_]);
    pending_.clear();
    pending_.push_back(std::move(partial));
  } else {
    pending_.clear();
  }
  front_ = 0;
  pending_.push_back(make_framed(make_ws_close_frame(close_code)));
  arm_close_deadline(close_write_deadline);
  pump();
}

void ws_transport::notify_closed(disconnect_reason reason) {
  if (auto owner = std::move(owner_)) owner->on_ws_closed(*this, reason);
}

void ws_transport::shutdown_after_close_frame() {
  if (tls_) {
    // The close frame is out: no close_notify follows (it would need a TLS shutdown beside the
    // read in flight); the TCP FIN ends the stream, as in the plain case.
    tls_->stream->shutdown_send();
    if (parser_.closed()) {
      close_socket();
      return;
    }
    arm_close_deadline(close_grace);
    tls_read();
    return;
  }
  boost::system::error_code ec;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  if (parser_.closed()) {
    close_socket();
    return;
  }
  // Wait briefly for the client's close frame or EOF (after a protocol error: drop what it
  // still sends), then drop the connection.
  arm_close_deadline(close_grace);
  wait_readable();
}

void ws_transport::close_socket() {
  if (socket_closed_) return;
  socket_closed_ = true;
  owner_.reset();
  if (close_timer_) close_timer_->cancel();
  if (tls_) {
    tls_->stream->close();  // the write and read in flight complete with operation_aborted
  } else {
    boost::system::error_code ec;
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }
  pending_.clear();
  front_ = 0;
  sent_ = 0;
}

// --- TLS ---

bool ws_transport::after_pending_written() {
  pending_.clear();
  front_ = 0;
  // A burst's capacity is released; one or two slots stay for the next packet or answer.
  if (pending_.capacity() > 2) std::vector<message_ptr>().swap(pending_);
  if (close_frame_sent_) {
    shutdown_after_close_frame();
    return false;
  }
  if (!close_after_write_) return false;
  // docs/PROTOCOL.md 1.11: the reference's close frame has no status (the client sees 1005).
  close_frame_sent_ = true;
  pending_.push_back(make_framed(make_ws_close_frame(0)));
  return true;
}

void ws_transport::tls_pump() {
  if (tls_->writing || socket_closed_ || write_failed_) return;
  if (front_ == pending_.size()) {
    tls_->backlog = 0;
    if (!after_pending_written()) return;
  }
  // Every pending frame goes into one buffer and one SSL_write: frames queued together share
  // TLS records (a record per frame would cost a MAC, a header and a socket write each).
  std::size_t size = 0;
  std::size_t end = front_;
  while (end < pending_.size() &&
         (end == front_ || size + pending_[end]->ws_size() <= tls_max_write))
    size += pending_[end++]->ws_size();
  tls_->out.clear();
  tls_->out.reserve(size);
  for (std::size_t i = front_; i < end; ++i) {
    const auto& m = *pending_[i];
    if (!m.framed) {
      tls_->out.append(m.ws_header.view());
      if (!m.binary) tls_->out.append(type_digit(m.type));
    }
    tls_->out.append(m.data);
    pending_[i].reset();  // the bytes are copied: the shared message is released now
  }
  front_ = end;
  tls_->backlog = 0;
  for (std::size_t i = front_; i < pending_.size(); ++i)
    tls_->backlog += pending_[i]->ws_size();
  tls_->writing = true;
  tls_->stream->async_write(tls_->out, lane_->strand(),
                            [self = shared_from_this()](const boost::system::error_code& ec) {
                              self->on_tls_written(ec);
                            });
}

void ws_transport::on_tls_written(const boost::system::error_code& ec) {
  tls_->writing = false;
  if (socket_closed_) return;
  if (ec) {
    write_failed_ = true;
    notify_closed(disconnect_reason::transport_error);
    close_socket();
    return;
  }
  // A burst's buffer is released; an ordinary one is kept for the next write.
  if (tls_->out.capacity() > tls_read_chunk) std::string().swap(tls_->out);
  tls_pump();
  if (batch_outstanding_ && tls_->backlog < tls_backlog_limit && !socket_closed_ &&
      !write_failed_) {
    batch_outstanding_ = false;
    if (const auto owner = owner_) owner->on_ws_written(*this);
  }
}

void ws_transport::tls_read() {
  if (socket_closed_ || tls_->reading) return;
  tls_->reading = true;
  if (!tls_->in) tls_->in = std::make_unique<char[]>(tls_read_chunk);
  tls_->stream->async_read_some(
      std::span<char>(tls_->in.get(), tls_read_chunk), lane_->strand(),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        self->tls_->reading = false;
        if (self->socket_closed_) return;
        if (ec) {
          // close_notify or a TCP close is the peer leaving ("transport close"); anything else
          // (a bad record, a reset) is a transport error. Logged nowhere: it concerns one client.
          self->notify_closed(tls_stream::is_peer_close(ec) ? disconnect_reason::transport_close
                                                            : disconnect_reason::transport_error);
          self->close_socket();
          return;
        }
        // After a protocol error, input is read and dropped until the peer closes (discard_input).
        if (!self->read_failed_) self->on_tls_data(std::string_view(self->tls_->in.get(), n));
        self->tls_read();
      });
}

void ws_transport::on_tls_data(std::string_view data) {
  // What this read causes on the lane is written once per session, as on the plain path.
  const cork_scope cork(lane_.get());
  std::string joined;
  std::string_view input = data;
  if (!tail_.empty()) {
    // An incomplete frame header from the previous read (or the bytes after the upgrade).
    joined = std::move(tail_);
    tail_.clear();
    joined.append(data);
    input = joined;
  }
  const auto result = parser_.parse(input, *this);
  if (socket_closed_ || parser_.closed()) return;
  if (result.error != 0) {
    read_failed_ = true;
    fail(result.error, disconnect_reason::transport_error);
    return;
  }
  tail_.assign(input.substr(result.consumed));
}

}  // namespace socketio::detail
