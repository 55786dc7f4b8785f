// One TLS connection to the server (socketio-loadgen --tls): TCP from a loopback source address
// as tcp_link, then a TLS client handshake with no certificate check (the server is ours, on
// loopback; the point is to measure what TLS costs it). Reads and writes are Asio's
// asynchronous SSL operations, each connection with its own small read buffer: TLS has
// decrypted bytes of its own buffered, so "wait until the socket is readable, then read"
// would miss data that already left the socket.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "loop.hpp"
#include "stream_link.hpp"

namespace loadgen {

class tls_link final : public stream_link {
 public:
  tls_link(loop& l, handler& h);
  ~tls_link() override;
  tls_link(const tls_link&) = delete;
  tls_link& operator=(const tls_link&) = delete;

  void connect() override;
  void write(std::string_view bytes) override;
  void close() override;
  bool is_open() const override { return open_; }
  void stall() override;

 private:
  // What pending operations use; they hold it too, so that closing (or reconnecting, or
  // deleting) the link never frees a buffer or stream an operation still touches. An SSL
  // operation can outlive the socket's close (one waiting for the other direction's read is
  // woken by that read, not by the close), so completions reach the link only through `owner`,
  // which is cleared when the link is done with the session.
  struct session {
    session(boost::asio::io_context& io, boost::asio::ssl::context& tls, tls_link* o)
        : stream(io, tls), owner(o) {}
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream;
    tls_link* owner;
    std::string sending;
    std::array<char, 4096> buffer;
  };

  int native_handle() override;
  void read();
  void flush();
  void fail(std::string_view why);

  loop& loop_;
  handler& handler_;
  std::shared_ptr<session> session_;
  std::string out_;
  bool open_ = false;
  bool ready_ = false;  // handshake done
  bool in_read_ = false;
  bool writing_ = false;
};

}  // namespace loadgen
