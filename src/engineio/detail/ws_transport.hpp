// The WebSocket transport: RFC 6455 framing written directly on the TCP socket (see
// docs/architecture.md for why not Beast's websocket::stream), or over a TLS stream. Everything
// runs on the owning session's strand.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/detail/token_bucket.hpp"
#include "engineio/detail/lane.hpp"
#include "engineio/detail/message.hpp"
#include "engineio/detail/packet.hpp"
#include "engineio/detail/tls_stream.hpp"
#include "engineio/detail/ws_frame.hpp"
#include "socketio/error.hpp"

namespace socketio::detail {

class ws_transport;

/// Told about a transport's traffic, on the session's strand.
class ws_transport_owner {
 public:
  virtual ~ws_transport_owner() = default;
  virtual void on_ws_packet(ws_transport& t, packet&& p) = 0;
  /// A batch handed to write() is on the wire.
  virtual void on_ws_written(ws_transport& t) = 0;
  /// The peer closed or failed; the transport is gone. Called at most once.
  virtual void on_ws_closed(ws_transport& t, disconnect_reason reason) = 0;
};

class ws_transport : public std::enable_shared_from_this<ws_transport>, private ws_frame_sink {
 public:
  /// Runs on `home`'s strand; the socket is re-homed there (its old executor, the HTTP
  /// connection's strand, is released).
  ws_transport(boost::asio::ip::tcp::socket socket, std::shared_ptr<lane> home,
               std::size_t max_message, std::string leftover);
  /// Over TLS: reads and writes go through `tls` (Asio's OpenSSL stream, asynchronous),
  /// the plain path's direct system calls are not used.
  ws_transport(std::unique_ptr<tls_stream> tls, std::shared_ptr<lane> home, std::size_t max_message,
               std::string leftover);
  ~ws_transport() override;

  /// Writes `handshake` (the 101 response). Nothing is read until start_reading().
  void start(std::shared_ptr<ws_transport_owner> owner, std::string handshake);
  /// Starts reading, beginning with the bytes that followed the upgrade request. Separate from
  /// start() so that the owner can queue the OPEN packet and install its handlers first: those
  /// bytes may already hold messages.
  void start_reading();
  /// Writes packets as frames, at once and without waiting: everything queued goes out in one
  /// gathered sendmsg. Returns true when all of it was written now; otherwise the rest waits
  /// for the socket to be writable and the owner gets on_ws_written() when it is out.
  bool write(std::span<const message_ptr> batch);
  /// Queues pre-framed bytes (a probe answer, a control frame).
  void write_raw(std::string bytes);
  /// Limits the ping frames the peer may send (engine_options::websocket_pings): over it the
  /// connection closes with 1008. Call before start_reading().
  void limit_pings(const rate_limit& limit);
  /// Closes after what is queued: a close frame with no status, then the TCP connection.
  /// The owner is not called again.
  void close();

 private:
  /// Writes what is pending until done or the kernel's buffer is full (then waits for
  /// writability). A failure is handled later, on the strand, never inside a caller's write.
  void pump();
  void wait_writable();
  /// Everything pending is written: releases the list, then queues the close frame when a close
  /// was asked for (or shuts down once it is out). False when nothing more is to be written.
  bool after_pending_written();
  /// One sendmsg of the pending frames from the write position; false when the socket failed.
  bool send_some(bool& blocked);
  void write_failed();
  void wait_readable();
  void on_readable(bool parse_tail_first);
  /// After a protocol error: reads and drops input until the peer closes (or the grace ends).
  void discard_input();
  void fail(std::uint16_t close_code, disconnect_reason reason);
  void notify_closed(disconnect_reason reason);
  void shutdown_after_close_frame();
  /// Drops the connection `after` from now unless it closed first.
  void arm_close_deadline(std::chrono::steady_clock::duration after);
  void close_socket();

  // --- TLS: one write in flight (everything pending, concatenated), one read always pending ---
  void tls_pump();
  void on_tls_written(const boost::system::error_code& ec);
  void tls_read();
  void on_tls_data(std::string_view data);

  // ws_frame_sink
  void on_ws_message(bool binary, std::string&& payload) override;
  void on_ws_ping(std::string_view payload) override;
  void on_ws_pong(std::string_view payload) override;
  void on_ws_close(std::uint16_t code, std::string_view reason) override;

  boost::asio::ip::tcp::socket socket_;
  std::shared_ptr<lane> lane_;
  ws_frame_parser parser_;
  std::string tail_;  // an incomplete frame header between reads (at most 14 bytes)
  std::shared_ptr<ws_transport_owner> owner_;
  std::vector<message_ptr> pending_;  // not yet written, from pending_[front_] at byte sent_
  std::size_t front_ = 0;
  std::size_t sent_ = 0;
  bool batch_outstanding_ = false;  // a write() returned false: the owner waits for on_ws_written
  bool waiting_writable_ = false;
  bool write_failed_ = false;
  bool close_after_write_ = false;  // server close: send a close frame once pending is out
  bool close_frame_sent_ = false;
  bool socket_closed_ = false;
  bool read_failed_ = false;
  bool read_wait_pending_ = false;
  std::unique_ptr<boost::asio::steady_timer> close_timer_;
  token_bucket ping_bucket_;  // unlimited unless limit_pings() was called
  // TLS only: null on a plain connection, which pays one pointer for it.
  struct tls_io {
    explicit tls_io(std::unique_ptr<tls_stream> s) : stream(std::move(s)) {}
    std::unique_ptr<tls_stream> stream;
    std::string out;             // the frames of the write in flight, back to back
    std::unique_ptr<char[]> in;  // decrypted input of the read in flight
    std::size_t backlog = 0;     // bytes queued behind the write in flight
    bool writing = false;
    bool reading = false;
  };
  std::unique_ptr<tls_io> tls_;
};

}  // namespace socketio::detail
