// A group of Socket.IO clients of one transport that a scenario connects together (with a
// bounded number of handshakes in flight) and whose events it receives through two hooks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loop.hpp"
#include "sio_client.hpp"

namespace loadgen {

class client_set final : public sio_sink {
 public:
  using event_hook = std::function<void(sio_client&, std::string_view array)>;
  using ack_hook = std::function<void(sio_client&, std::uint64_t id, std::string_view array)>;

  client_set(loop& l, std::string_view transport, std::size_t count);

  // Connects every client, at most `in_flight` at a time. True when all connected before the
  // deadline; otherwise `error` says how far it got and the first failure.
  bool connect_all(std::size_t in_flight, std::chrono::steady_clock::time_point deadline,
                   std::string& error);
  // Closes every client (the server sees the connections go).
  void close_all();

  sio_client& operator[](std::size_t i) { return *clients_[i]; }
  std::size_t size() const { return clients_.size(); }

  // Events other than "auth" (which both fixtures emit on connect) go to `event_handler`.
  event_hook event_handler;
  ack_hook ack_handler;

  std::size_t connected() const { return connected_; }
  std::size_t failed() const { return failed_; }
  // Clients that lost their connection after connecting.
  std::size_t dropped() const { return dropped_; }
  std::size_t unexpected_events() const { return unexpected_; }
  const std::string& first_error() const { return first_error_; }

 private:
  void on_connected(sio_client& c) override;
  void on_event(sio_client& c, std::string_view array) override;
  void on_ack(sio_client& c, std::uint64_t id, std::string_view array) override;
  void on_closed(sio_client& c, std::string_view why) override;
  void start_next();

  loop& loop_;
  std::vector<std::unique_ptr<sio_client>> clients_;
  std::vector<bool> was_connected_;
  std::size_t next_ = 0;
  std::size_t connected_ = 0;
  std::size_t failed_ = 0;
  std::size_t dropped_ = 0;
  std::size_t unexpected_ = 0;
  std::string first_error_;
};

}  // namespace loadgen
