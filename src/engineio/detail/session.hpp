// One Engine.IO session on Asio: owns the state machine, its timers and transports, and runs
// all of them on one strand.
#pragma once

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "common/detail/logger.hpp"
#include "engineio/detail/cork.hpp"
#include "engineio/detail/http_exchange.hpp"
#include "engineio/detail/lane.hpp"
#include "engineio/detail/session_state.hpp"
#include "engineio/detail/timer_wheel.hpp"
#include "engineio/detail/ws_transport.hpp"
#include "socketio/options.hpp"

namespace socketio::detail {

class endpoint;

class session : public std::enable_shared_from_this<session>,
                private session_host,
                private timer_wheel::client,
                public ws_transport_owner,
                public corked_writer {
 public:
  using message_handler = std::function<void(bool binary, std::string_view data)>;
  using close_handler = std::function<void(std::string_view reason)>;

  session(std::weak_ptr<endpoint> owner, std::shared_ptr<lane> home, std::string id,
          transport_type initial, session_limits limits, request_info request);
  ~session() override;

  const std::string& id() const { return id_; }
  const request_info& request() const { return *request_; }
  const std::shared_ptr<const request_info>& request_ptr() const { return request_; }
  const strand_type& strand() const { return lane_->strand(); }
  /// The lane this session lives on (shared with other sessions).
  const std::shared_ptr<lane>& home() const { return lane_; }
  /// The endpoint's log (shared, so that it outlives the endpoint for late callbacks).
  const logger& log() const { return *log_; }
  const std::shared_ptr<const logger>& log_ptr() const { return log_; }
  /// The current transport; readable from any thread (for request validation).
  transport_type current_transport() const { return transport_.load(std::memory_order_acquire); }

  // --- from any thread (posted to the strand) ---
  void send(message_ptr m, bool is_volatile = false);
  /// Queues several packets back to back (a Socket.IO packet and its attachments); a volatile
  /// group is dropped whole when the transport cannot write now.
  void send_all(std::shared_ptr<const std::vector<message_ptr>> group, bool is_volatile);
  void close();
  /// Closes with this reason (the close handler's argument), e.g. "server shutting down".
  void close(disconnect_reason reason);
  /// Starts a polling session whose OPEN packet went out in the handshake response.
  void start_polling(std::function<void()> on_open);
  /// Starts a WebSocket-only session over `ws`, writing `handshake` (the 101) and OPEN first.
  void start_websocket(std::shared_ptr<ws_transport> ws, std::string handshake,
                       message_ptr open_packet, std::function<void()> on_open);
  void poll_get(std::shared_ptr<http_exchange> exchange);
  void poll_post(std::string body, std::shared_ptr<http_exchange> exchange);
  void probe(std::shared_ptr<ws_transport> ws, std::string handshake);
  void fail(disconnect_reason reason);

  /// A POST is being read; a second concurrent one is refused (docs/PROTOCOL.md 1.6).
  bool begin_post() { return !posting_.exchange(true); }
  void end_post() { posting_.store(false); }

  /// Drops transports, the parked GET and the handlers, breaking reference cycles. Only for
  /// teardown when no thread runs the io_context any more.
  void abandon();

  // --- on the strand only ---
  void set_message_handler(message_handler h) {
    on_message_ = h ? std::make_shared<const message_handler>(std::move(h)) : nullptr;
  }
  void set_close_handler(close_handler h) { on_close_ = std::move(h); }
  bool is_open() const { return state_.current_phase() == session_state::phase::open; }
  /// The state machine's send, for code already on the strand.
  bool send_now(message_ptr m, bool is_volatile = false) {
    return state_.send(std::move(m), is_volatile);
  }
  bool send_all_now(const std::vector<message_ptr>& group, bool is_volatile);
  /// Runs `f` on this session's strand: inline when already there, else posted.
  template <class F>
  void run_on_strand(F&& f) {
    on_strand([f = std::forward<F>(f)](session&) mutable { f(); });
  }

 private:
  template <class F>
  void on_strand(F&& f) {
    boost::asio::dispatch(lane_->strand(), [self = shared_from_this(),
                                            f = std::forward<F>(f)]() mutable { f(*self); });
  }

  // session_host
  void arm_timer(timer_kind kind, std::chrono::milliseconds after) override;
  void cancel_timer(timer_kind kind) override;
  void respond_poll(std::string body) override;
  bool write_websocket(std::span<const message_ptr> batch) override;
  bool defer_flush() override;
  void answer_probe() override;
  void promote_probe() override;
  void drop_probe() override;
  void close_websocket() override;
  void deliver(packet&& p) override;
  void closed(disconnect_reason reason) override;

  // timer_wheel::client
  std::shared_ptr<void> wheel_keep_alive() override { return weak_from_this().lock(); }
  void on_wheel_expiry(unsigned slot, std::uint32_t generation) override;

  // ws_transport_owner
  void on_ws_packet(ws_transport& t, packet&& p) override;
  void on_ws_written(ws_transport& t) override;
  void on_ws_closed(ws_transport& t, disconnect_reason reason) override;
  // corked_writer
  void uncork() override;

  std::weak_ptr<endpoint> owner_;
  std::shared_ptr<const logger> log_;
  std::shared_ptr<lane> lane_;
  std::string id_;
  std::shared_ptr<const request_info> request_;  // shared with the Socket.IO handshakes
  session_state state_;
  std::atomic<transport_type> transport_;
  std::atomic<bool> posting_{false};
  bool flush_deferred_ = false;  // handed to the current cork; it calls uncork()
  // Two slots serve the four kinds: the state machine never has both kinds of a slot armed at
  // once (ping interval/ping timeout alternate; the upgrade timeout is cancelled before the
  // close linger starts). The deadlines live on the endpoint's timer wheel, so a slot is an
  // intrusive entry, not a timer of its own. Each arm bumps the slot's generation, so an
  // expiry that was already under way when the slot was cancelled or re-armed is ignored.
  static unsigned slot_of(timer_kind kind) {
    return kind == timer_kind::ping_interval || kind == timer_kind::ping_timeout ? 0 : 1;
  }
  std::shared_ptr<timer_wheel> wheel_;
  std::array<timer_wheel::entry, 2> timers_;
  std::array<std::uint32_t, 2> timer_generation_{};
  std::array<timer_kind, 2> timer_armed_kind_{timer_kind::ping_interval,
                                              timer_kind::upgrade_timeout};
  std::shared_ptr<http_exchange> parked_get_;
  std::shared_ptr<ws_transport> websocket_;
  std::shared_ptr<ws_transport> probe_;
  // Shared so that delivery runs from its own reference (a reference count, not a copy of
  // the function): the handler may close the session or replace itself while it runs.
  std::shared_ptr<const message_handler> on_message_;
  close_handler on_close_;
};

}  // namespace socketio::detail
