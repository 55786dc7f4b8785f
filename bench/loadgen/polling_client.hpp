// Socket.IO over Engine.IO long-polling, as the real client does it: a handshake GET, then one
// GET parked at the server at all times (a new one as soon as the last returns) on one
// connection, and POSTs on another, packets that queue up while a POST is in flight are sent
// together, joined with \x1e.
#pragma once

#include <string>

#include "http_channel.hpp"
#include "loop.hpp"
#include "sio_client.hpp"

namespace loadgen {

class polling_client final : public sio_client {
 public:
  polling_client(loop& l, sio_sink& sink, std::size_t index);

  void start() override;
  void close() override;

  std::uint64_t polls() const { return polls_; }

 private:
  void send_sio(std::string_view packet) override;
  void send_pong() override;
  void on_open() override;

  void on_handshake(int status, std::string_view body, std::string_view error);
  void poll();
  void on_poll(int status, std::string_view body, std::string_view error);
  void enqueue(std::string_view engine_packet);
  void flush_posts();
  void fail(std::string_view why);

  http_channel get_;
  http_channel post_;
  std::string path_;     // /socket.io/?EIO=4&transport=polling&sid=...
  std::string pending_;  // Engine.IO packets waiting for the next POST, \x1e separated
  std::uint64_t polls_ = 0;
  bool opened_ = false;
};

}  // namespace loadgen
