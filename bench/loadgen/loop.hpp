// What every connection of one generator process shares: the single-threaded io_context, the
// server's address, the pool of loopback source addresses and one read buffer. One thread
// runs everything (the harness pins the process to one core), so nothing here is locked.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace loadgen {

class loop {
 public:
  // `first_source` and `source_count`: connections bind to first_source, first_source+1, ...
  // round robin, so that the 4-tuples (and ephemeral ports) of many connections spread over
  // several local addresses.
  loop(boost::asio::ip::address_v4 server, std::uint16_t port,
       boost::asio::ip::address_v4 first_source, unsigned source_count);

  boost::asio::io_context& io() { return io_; }
  const boost::asio::ip::tcp::endpoint& server() const { return server_; }
  const std::string& host_header() const { return host_header_; }
  boost::asio::ip::address_v4 next_source();

  // Set (--tls): WebSocket connections speak TLS with this client context.
  void use_tls(boost::asio::ssl::context& tls) { tls_ = &tls; }
  boost::asio::ssl::context* tls() const { return tls_; }

  // Every socket reads into this one buffer and keeps only an incomplete tail of its own, so
  // that 19,000 idle connections do not each hold a read buffer.
  char* read_buffer() { return read_buffer_.data(); }
  std::size_t read_buffer_size() const { return read_buffer_.size(); }

  std::uint32_t random32();

  // Runs handlers until `done()` holds (true) or `deadline` passes (false). `done` is checked
  // after every handler, so a phase ends as soon as its last event arrives.
  bool run_until(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline);
  // Runs handlers for `d` (or until the deadline, whichever is sooner).
  void run_for(std::chrono::steady_clock::duration d,
               std::chrono::steady_clock::time_point deadline);

 private:
  boost::asio::io_context io_{1};
  // Keeps run_one_for() waiting for its timeout when no operation is pending (a soak run's
  // last stalled connections have none) instead of returning at once, which would spin.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  boost::asio::ip::tcp::endpoint server_;
  std::string host_header_;
  std::uint32_t first_source_;
  unsigned source_count_;
  unsigned next_source_ = 0;
  std::vector<char> read_buffer_;
  boost::asio::ssl::context* tls_ = nullptr;
  std::uint64_t rng_ = 0x9E3779B97F4A7C15ULL;
};

}  // namespace loadgen
