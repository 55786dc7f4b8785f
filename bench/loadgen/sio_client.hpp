// The Socket.IO v5 client the scenarios drive, over either Engine.IO v4 transport. It connects
// to the "/" namespace, answers pings, sends events with ack ids and hands events and acks to a
// sink. Nothing is parsed as JSON: the scenarios compare the packet text they expect.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace loadgen {

class sio_client;

class sio_sink {
 public:
  virtual void on_connected(sio_client&) {}
  // An EVENT without ack id; `array` is the JSON array text, e.g. `["msg","..."]`.
  virtual void on_event(sio_client&, std::string_view array) = 0;
  // An ACK; `array` is the arguments' JSON array text.
  virtual void on_ack(sio_client&, std::uint64_t id, std::string_view array) = 0;
  // The connection or session ended (also when connecting failed).
  virtual void on_closed(sio_client&, std::string_view why) = 0;

 protected:
  ~sio_sink() = default;
};

class sio_client {
 public:
  explicit sio_client(sio_sink& sink, std::size_t index) : sink_(sink), index_(index) {}
  virtual ~sio_client() = default;
  sio_client(const sio_client&) = delete;
  sio_client& operator=(const sio_client&) = delete;

  virtual void start() = 0;
  virtual void close() = 0;

  // Sends EVENT `array` (the JSON array text, event name first) with a new ack id; returns it.
  std::uint64_t emit_with_ack(std::string_view array);

  std::size_t index() const { return index_; }
  bool connected() const { return connected_; }
  bool closed() const { return closed_; }
  const std::string& close_reason() const { return close_reason_; }
  // Engine.IO pings answered since the last reset.
  std::uint64_t pings() const { return pings_; }
  void reset_pings() { pings_ = 0; }

 protected:
  // Sends one Socket.IO packet (its text without the Engine.IO "4").
  virtual void send_sio(std::string_view packet) = 0;
  // Handles one Engine.IO packet's text; `pong` is how the transport sends "3".
  void on_engine_packet(std::string_view packet);
  virtual void send_pong() = 0;
  // Called when the Engine.IO OPEN arrived; the transport then sends "40".
  virtual void on_open() = 0;
  void mark_closed(std::string_view why);

  sio_sink& sink_;

 private:
  void on_sio_packet(std::string_view packet);

  std::size_t index_;
  std::uint64_t next_ack_ = 0;
  std::uint64_t pings_ = 0;
  bool connected_ = false;
  bool closed_ = false;
  std::string close_reason_;
};

}  // namespace loadgen
