// One TCP connection from a loopback source address to the server, read and written without
// per-connection buffers in the common case: it waits for readability, then reads with a
// non-blocking read into the loop's shared buffer; writes go out at once with a non-blocking
// write and are queued only for what the kernel did not take.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "loop.hpp"
#include "stream_link.hpp"

namespace loadgen {

class tcp_link final : public stream_link {
 public:
  tcp_link(loop& l, handler& h);
  tcp_link(const tcp_link&) = delete;
  tcp_link& operator=(const tcp_link&) = delete;

  void connect() override;
  // Bytes are written now unless the link is inside its own read handler, in which case
  // everything queued there goes out in one write when the handler returns.
  void write(std::string_view bytes) override;
  void close() override;
  bool is_open() const override { return open_; }
  void stall() override;

 private:
  int native_handle() override;
  void wait_readable();
  void on_readable();
  void flush();
  void wait_writable();
  void fail(std::string_view why);

  loop& loop_;
  handler& handler_;
  boost::asio::ip::tcp::socket socket_;
  std::string out_;
  std::uint32_t generation_ = 0;  // tells a stale completion from the current connection's
  bool open_ = false;
  bool connecting_ = false;
  bool in_read_ = false;
  bool write_waiting_ = false;
  bool stalled_ = false;
};

}  // namespace loadgen
