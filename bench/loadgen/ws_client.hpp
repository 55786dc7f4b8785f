// Socket.IO over a WebSocket opened directly (no polling first), as `transports: ["websocket"]`
// clients do: upgrade request, Engine.IO OPEN "0{...}", "40" -> "40{"sid":...}".
#pragma once

#include <memory>
#include <string>

#include "loop.hpp"
#include "sio_client.hpp"
#include "stream_link.hpp"
#include "ws_codec.hpp"

namespace loadgen {

class ws_client final : public sio_client, private stream_link::handler {
 public:
  // Over TLS when the loop has a TLS context (--tls).
  ws_client(loop& l, sio_sink& sink, std::size_t index);

  void start() override;
  void close() override;

  // The ways a connection ends in the soak scenario. disconnect(): as a client's
  // socket.disconnect(), Socket.IO DISCONNECT then a WebSocket close (1000); the server's close
  // frame or end of stream then ends the client as usual. abort(): a TCP reset, no goodbye.
  // stall(): stops reading and answering (pings included) with the connection left open.
  void disconnect();
  void abort();
  void stall();
  // After stall(): true when the server has closed the connection meanwhile (reads and drops
  // what is queued), and the same without reading anything.
  bool server_closed_after_stall();
  bool server_closed_unread();

 private:
  void send_sio(std::string_view packet) override;
  void send_pong() override;
  void on_open() override;

  void on_link_connected() override;
  void on_link_data(std::string_view data) override;
  void on_link_closed(std::string_view why) override;

  // Consumes complete frames from `data`; returns how many bytes were used, or npos after a
  // fatal error (the client is then closed).
  std::size_t consume(std::string_view data);
  void on_message(std::string_view text);
  void send_frame(ws_op op, std::string_view prefix, std::string_view body);
  void fail(std::string_view why);

  loop& loop_;
  std::unique_ptr<stream_link> link_;
  std::string in_;         // an incomplete tail of what was read (empty most of the time)
  std::string fragments_;  // a fragmented message being reassembled
  std::string frame_out_;
  // One masking key per connection: servers only unmask, and a new key per frame would cost a
  // random number per message for nothing the measurement needs.
  std::uint32_t mask_key_;
  bool upgraded_ = false;
  bool opened_ = false;
};

}  // namespace loadgen
