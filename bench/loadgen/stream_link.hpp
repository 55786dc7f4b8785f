// A byte stream to the server that a protocol client drives: plain TCP (tcp_link) or TLS
// (tls_link). Besides the ordinary open/write/close, it can end a connection the ways a real
// client sometimes does, which the soak scenario injects on purpose: a reset without any
// goodbye, and a stall (the client stops reading but keeps the connection open).
#pragma once

#include <string_view>

namespace loadgen {

class stream_link {
 public:
  class handler {
   public:
    virtual void on_link_connected() = 0;
    // `data` is only valid during the call.
    virtual void on_link_data(std::string_view data) = 0;
    virtual void on_link_closed(std::string_view why) = 0;

   protected:
    ~handler() = default;
  };

  virtual ~stream_link() = default;

  // Opens a new connection (the previous one, if any, must be closed).
  virtual void connect() = 0;
  // Queues `bytes`; they go out as soon as the connection can take them.
  virtual void write(std::string_view bytes) = 0;
  // Closes without notifying the handler.
  virtual void close() = 0;
  virtual bool is_open() const = 0;

  // Closes with a TCP reset (SO_LINGER 0): the server gets no close handshake, as from a
  // client that crashed. The handler is not notified.
  void reset();
  // Stops reading (so nothing is answered any more, pings included) and sending, but keeps the
  // connection open. The handler is not notified of anything after this.
  virtual void stall() = 0;
  // After stall(): reads and drops what arrived meanwhile; true when the server has closed the
  // connection (end of stream or reset), false when it is still open.
  bool server_closed_after_stall();
  // After stall(), without reading: true once the server has closed its end (the kernel saw its
  // FIN or reset: TCP state CLOSE_WAIT or CLOSE), whatever unread data is still queued.
  bool server_closed_unread();

 protected:
  // The connection's descriptor, or -1 when closed.
  virtual int native_handle() = 0;
};

}  // namespace loadgen
