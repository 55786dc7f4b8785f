// The Engine.IO session state machine, without any I/O: heartbeat, outbound queue, polling
// request bookkeeping, upgrade and close. The Asio session drives it and performs what it
// asks through session_host; unit tests drive it with a fake host and a fake clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/detail/token_bucket.hpp"
#include "engineio/detail/message.hpp"
#include "engineio/detail/packet.hpp"
#include "socketio/error.hpp"
#include "socketio/options.hpp"

namespace socketio::detail {

enum class timer_kind { ping_interval, ping_timeout, upgrade_timeout, close_linger };
enum class transport_type { polling, websocket };

/// What the state machine asks its owner to do. Called synchronously from its methods.
class session_host {
 public:
  virtual ~session_host() = default;
  virtual void arm_timer(timer_kind kind, std::chrono::milliseconds after) = 0;
  virtual void cancel_timer(timer_kind kind) = 0;
  /// Answer the parked polling GET with this body.
  virtual void respond_poll(std::string body) = 0;
  /// Write these packets over the current WebSocket as one gathered write. Returns true when
  /// they are all written already; otherwise session_state::on_websocket_written() follows
  /// once they are (never from inside this call).
  /// The host keeps references to what it still has to write.
  virtual bool write_websocket(std::span<const message_ptr> batch) = 0;
  /// Asked before a send's flush: return true to flush later instead (the host then calls
  /// session_state::flush_deferred() once), false to flush now. Output is corked this way
  /// while the host handles a read, so that what the read produces leaves in one write.
  virtual bool defer_flush() = 0;
  /// Send `3probe` over the probing WebSocket.
  virtual void answer_probe() = 0;
  /// The probing WebSocket becomes the session's transport.
  virtual void promote_probe() = 0;
  /// Close the probing WebSocket; the session stays on polling.
  virtual void drop_probe() = 0;
  /// Close the current WebSocket after what was handed to write_websocket() is out.
  virtual void close_websocket() = 0;
  /// A message for the application.
  virtual void deliver(packet&& p) = 0;
  /// The session is over; forget its id.
  virtual void closed(disconnect_reason reason) = 0;
  /// The time rate limits are measured against (a fake clock in tests).
  virtual std::chrono::steady_clock::time_point steady_now() const {
    return std::chrono::steady_clock::now();
  }
};

/// The engine options a session needs. The defaults are engine_options' own, so each default
/// is written once (in socketio/options.hpp).
struct session_limits {
  session_limits() : session_limits(engine_options{}) {}
  explicit session_limits(const engine_options& options)
      : ping_interval(options.ping_interval),
        ping_timeout(options.ping_timeout),
        upgrade_timeout(options.upgrade_timeout),
        max_queued_packets(options.max_queued_packets),
        max_queued_bytes(options.max_queued_bytes),
        packet_rate(options.packet_rate) {}

  std::chrono::milliseconds ping_interval;
  std::chrono::milliseconds ping_timeout;
  std::chrono::milliseconds upgrade_timeout;
  std::size_t max_queued_packets;
  std::size_t max_queued_bytes;
  rate_limit packet_rate;
};

class session_state {
 public:
  enum class phase { open, closing, closed };
  enum class upgrade_phase { none, probing, upgrading };

  session_state(session_host& host, transport_type initial, session_limits limits);

  /// Arms the first ping. Call once, after the OPEN packet is queued or written.
  void start();

  // --- outbound ---
  /// Queues a packet. Volatile packets are dropped when the transport cannot write now.
  /// Returns false when the session is not open (or the packet was dropped).
  bool send(message_ptr m, bool is_volatile = false);
  /// Queues packets that belong together (a Socket.IO packet and its attachments) and flushes
  /// once; all or none are queued.
  bool send_group(std::span<const message_ptr> group, bool is_volatile = false);
  /// The flush a defer_flush() held back.
  void flush_deferred();
  /// Server-initiated close: flush what is queued, then close ("forced close").
  void close(disconnect_reason reason = disconnect_reason::forced_close);

  // --- polling transport events ---
  /// A GET arrived. Returns false for an overlapping GET: the caller answers it 400 and the
  /// session closes with "transport error" (the parked GET is answered `1`).
  bool on_poll_get();
  /// The parked GET's connection went away before it was answered.
  void on_poll_aborted();
  /// A POST body, fully read. Packets are handled in order.
  void on_poll_body(std::string_view body);

  // --- websocket transport events ---
  void on_websocket_packet(packet&& p);
  void on_websocket_written();
  void on_websocket_closed(disconnect_reason reason);

  // --- upgrade ---
  /// A WebSocket asks to upgrade this session. Returns false when it must be refused
  /// (already upgrading or upgraded, or the session is not open).
  bool on_probe_opened();
  void on_probe_packet(const packet& p);
  void on_probe_closed();

  /// A host timer fired.
  void on_timer(timer_kind kind);

  /// A transport failed (overlap, bad content type, socket error): close with that reason.
  void fail(disconnect_reason reason);

  /// True when a packet sent now would be written at once (volatile packets need this).
  bool writable() const;
  phase current_phase() const { return phase_; }
  transport_type transport() const { return transport_; }
  upgrade_phase upgrade() const { return upgrade_; }
  bool poll_parked() const { return poll_parked_; }
  std::size_t queued_packets() const { return queue_.size(); }

 private:
  void handle_packet(packet&& p);
  /// False when the client is over limits_.packet_rate.
  bool admit_packet();
  void flush();
  void finish(disconnect_reason reason);
  /// Hands the rest of the queue to the WebSocket, closes it, and ends the session.
  void finish_websocket_close();
  /// Closes at once: a parked GET gets `poll_answer` (if non-empty), a WebSocket is closed.
  void terminate(disconnect_reason reason, std::string_view poll_answer);

  session_host& host_;
  session_limits limits_;
  transport_type transport_;
  phase phase_ = phase::open;
  upgrade_phase upgrade_ = upgrade_phase::none;
  std::vector<message_ptr> queue_;
  std::size_t queued_bytes_ = 0;
  bool poll_parked_ = false;
  bool ws_writing_ = false;
  bool ping_outstanding_ = false;
  disconnect_reason close_reason_ = disconnect_reason::forced_close;
  // Only with a packet rate limit, from the first packet on (it starts full).
  std::unique_ptr<token_bucket> incoming_;
};

}  // namespace socketio::detail
