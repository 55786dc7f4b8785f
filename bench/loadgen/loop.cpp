#include "loop.hpp"

namespace loadgen {

namespace {
constexpr std::size_t read_buffer_bytes = 256 * 1024;
}

loop::loop(boost::asio::ip::address_v4 server, std::uint16_t port,
           boost::asio::ip::address_v4 first_source, unsigned source_count)
    : server_(server, port),
      host_header_(server.to_string() + ":" + std::to_string(port)),
      first_source_(first_source.to_uint()),
      source_count_(source_count == 0 ? 1 : source_count),
      read_buffer_(read_buffer_bytes) {}

boost::asio::ip::address_v4 loop::next_source() {
  const auto addr = boost::asio::ip::address_v4(first_source_ + next_source_);
  next_source_ = (next_source_ + 1) % source_count_;
  return addr;
}

std::uint32_t loop::random32() {
  // xorshift64*: masking keys need no cryptographic quality for a load generator.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  return static_cast<std::uint32_t>((rng_ * 0x2545F4914F6CDD1DULL) >> 32);
}

bool loop::run_until(const std::function<bool()>& done,
                     std::chrono::steady_clock::time_point deadline) {
  while (!done()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    // Bounded wait so that the deadline is noticed even when nothing happens.
    io_.run_one_for(std::min<std::chrono::steady_clock::duration>(deadline - now,
                                                                  std::chrono::milliseconds(50)));
    if (io_.stopped()) io_.restart();
  }
  return true;
}

void loop::run_for(std::chrono::steady_clock::duration d,
                   std::chrono::steady_clock::time_point deadline) {
  const auto end = std::min(std::chrono::steady_clock::now() + d, deadline);
  run_until([] { return false; }, end);
}

}  // namespace loadgen
