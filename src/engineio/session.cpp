#include "engineio/detail/session.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <exception>

#include "common/detail/user_call.hpp"

#include "engineio/detail/endpoint.hpp"

namespace socketio::detail {

namespace {

/// The endpoint's wheel; a wheel of its own for a session without one (none in the library).
std::shared_ptr<timer_wheel> wheel_of(const std::weak_ptr<endpoint>& owner,
                                      const strand_type& strand) {
  if (const auto ep = owner.lock()) return ep->timers();
  return std::make_shared<timer_wheel>(strand.get_inner_executor());
}

const message_ptr& probe_answer() {
  static const message_ptr pong = make_message(packet_type::pong, false, "probe");
  return pong;
}

http_reply text_reply(std::string body) {
  http_reply r;
  r.content_type = "text/plain; charset=UTF-8";
  r.body = std::move(body);
  r.headers.emplace_back("cache-control", "no-store");
  return r;
}

// Built in one expression: assigning the short literal member by member trips a GCC 12 -O3
// false "maybe-uninitialized" warning in std::string.
http_reply post_ok_reply() {
  return http_reply{200,   "text/html", std::string("ok"), {{"cache-control", "no-store"}},
                    false, std::nullopt};
}

}  // namespace

session::session(std::weak_ptr<endpoint> owner, std::shared_ptr<lane> home, std::string id,
                 transport_type initial, session_limits limits, request_info request)
    : owner_(std::move(owner)),
      log_(endpoint::log_of(owner_)),
      lane_(std::move(home)),
      id_(std::move(id)),
      request_(std::make_shared<const request_info>(std::move(request))),
      state_(*this, initial, limits),
      transport_(initial),
      wheel_(wheel_of(owner_, lane_->strand())),
      timers_{timer_wheel::entry(*this, 0), timer_wheel::entry(*this, 1)} {}

session::~session() {
  for (auto& t : timers_)
    wheel_->cancel(t);
}

void session::send(message_ptr m, bool is_volatile) {
  on_strand([m = std::move(m), is_volatile](session& s) mutable {
    s.state_.send(std::move(m), is_volatile);
  });
}

void session::send_all(std::shared_ptr<const std::vector<message_ptr>> group, bool is_volatile) {
  on_strand(
      [group = std::move(group), is_volatile](session& s) { s.send_all_now(*group, is_volatile); });
}

bool session::send_all_now(const std::vector<message_ptr>& group, bool is_volatile) {
  return state_.send_group(group, is_volatile);
}

void session::close() {
  on_strand([](session& s) { s.state_.close(); });
}

void session::close(disconnect_reason reason) {
  on_strand([reason](session& s) { s.state_.close(reason); });
}

void session::fail(disconnect_reason reason) {
  on_strand([reason](session& s) { s.state_.fail(reason); });
}

void session::start_polling(std::function<void()> on_open) {
  on_strand([on_open = std::move(on_open)](session& s) {
    s.state_.start();
    if (on_open) on_open();
  });
}

void session::start_websocket(std::shared_ptr<ws_transport> ws, std::string handshake,
                              message_ptr open_packet, std::function<void()> on_open) {
  on_strand([ws = std::move(ws), handshake = std::move(handshake),
             open_packet = std::move(open_packet), on_open = std::move(on_open)](session& s) {
    s.websocket_ = ws;
    ws->start(s.shared_from_this(), handshake);
    s.state_.send(open_packet);
    s.state_.start();
    if (on_open) on_open();
    // Only now: messages that came with the upgrade request go to the handlers on_open set,
    // and their answers follow the OPEN packet.
    ws->start_reading();
  });
}

void session::poll_get(std::shared_ptr<http_exchange> exchange) {
  on_strand([exchange = std::move(exchange)](session& s) mutable {
    if (s.state_.current_phase() == session_state::phase::closed) {
      exchange->reply(endpoint::error_reply(1));
      return;
    }
    if (s.state_.poll_parked()) {
      s.state_.on_poll_get();  // overlap: answers the parked GET `1` and closes the session
      http_reply r;
      r.status = 400;
      exchange->reply(std::move(r));
      return;
    }
    s.parked_get_ = exchange;
    s.state_.on_poll_get();
    if (s.parked_get_ == exchange) {
      exchange->watch_abort([weak = s.weak_from_this(), raw = exchange.get()] {
        if (auto self = weak.lock()) {
          self->on_strand([raw](session& s2) {
            if (s2.parked_get_.get() != raw) return;  // answered meanwhile
            s2.parked_get_.reset();
            s2.state_.on_poll_aborted();
          });
        }
      });
    }
  });
}

void session::poll_post(std::string body, std::shared_ptr<http_exchange> exchange) {
  on_strand([body = std::move(body), exchange = std::move(exchange)](session& s) {
    // What the packets of this body cause on this lane leaves in one write per session.
    const cork_scope cork(s.lane_.get());
    s.state_.on_poll_body(body);
    s.end_post();
    // docs/PROTOCOL.md 1.6: the body is dispatched before `ok` goes out, even when it closed the
    // session with a parse error.
    exchange->reply(post_ok_reply());
  });
}

void session::probe(std::shared_ptr<ws_transport> ws, std::string handshake) {
  on_strand([ws = std::move(ws), handshake = std::move(handshake)](session& s) {
    if (!s.state_.on_probe_opened()) {
      // Already upgrading or upgraded: the reference answers 101 and closes (docs/PROTOCOL.md 1.9).
      ws->start(nullptr, handshake);
      ws->start_reading();
      ws->close();
      return;
    }
    s.probe_ = ws;
    ws->start(s.shared_from_this(), handshake);
    ws->start_reading();
  });
}

void session::abandon() {
  websocket_.reset();
  probe_.reset();
  parked_get_.reset();
  on_message_ = nullptr;
  on_close_ = nullptr;
}

void session::arm_timer(timer_kind kind, std::chrono::milliseconds after) {
  const auto slot = slot_of(kind);
  const std::uint32_t generation = ++timer_generation_[slot];
  timer_armed_kind_[slot] = kind;
  wheel_->arm(timers_[slot], timer_wheel::clock::now() + after, generation);
}

void session::on_wheel_expiry(unsigned slot, std::uint32_t generation) {
  on_strand([slot, generation](session& s) {
    if (s.timer_generation_[slot] != generation) return;
    s.state_.on_timer(s.timer_armed_kind_[slot]);
  });
}

void session::cancel_timer(timer_kind kind) {
  const auto slot = slot_of(kind);
  // Cancelling a kind that is not the one armed in its slot leaves the slot alone.
  if (timer_armed_kind_[slot] != kind) return;
  ++timer_generation_[slot];
  wheel_->cancel(timers_[slot]);
}

void session::respond_poll(std::string body) {
  if (!parked_get_) return;
  auto exchange = std::move(parked_get_);
  parked_get_.reset();
  exchange->reply(text_reply(std::move(body)));
}

bool session::write_websocket(std::span<const message_ptr> batch) {
  return websocket_ && websocket_->write(batch);
}

bool session::defer_flush() {
  if (flush_deferred_) return true;
  if (!cork_scope::active_for(lane_.get())) return false;
  flush_deferred_ = true;
  cork_scope::defer(shared_from_this());
  return true;
}

void session::uncork() {
  flush_deferred_ = false;
  state_.flush_deferred();
}

void session::answer_probe() {
  if (!probe_) return;
  const auto& m = *probe_answer();
  std::string frame(m.ws_header.view());
  frame.append(type_digit(m.type));
  frame.append(m.data);
  probe_->write_raw(std::move(frame));
}

void session::promote_probe() {
  websocket_ = std::move(probe_);
  probe_.reset();
  transport_.store(transport_type::websocket, std::memory_order_release);
}

void session::drop_probe() {
  if (auto ws = std::move(probe_)) ws->close();
}

void session::close_websocket() {
  if (auto ws = std::move(websocket_)) ws->close();
}

void session::deliver(packet&& p) {
  if (!on_message_) return;
  // Its own reference runs: the handler may close the session or replace itself, which drops
  // on_message_ (and whatever its captures own) while it is still running.
  const auto handler = on_message_;
  user_call(
      *log_, [this] { return "message handler of session " + id_; }, *handler, p.binary,
      std::string_view(p.data));
}

void session::closed(disconnect_reason reason) {
  if (auto ep = owner_.lock()) ep->remove_session(id_);
  // The reason only: the id would let a reader of the log take over a polling session.
  if (log_->enabled(log_level::debug)) {
    log_->log(log_level::debug, "session closed: " + std::string(to_string(reason)));
  }
  if (parked_get_) {
    // A parked GET never answered by the state machine (its connection stays usable).
    respond_poll("1");
  }
  if (auto ws = std::move(probe_)) ws->close();
  auto handler = std::move(on_close_);
  on_message_ = nullptr;
  if (!handler) return;
  user_call(
      *log_, [this] { return "close handler of session " + id_; }, handler, to_string(reason));
}

void session::on_ws_packet(ws_transport& t, packet&& p) {
  if (&t == probe_.get()) {
    state_.on_probe_packet(p);
    return;
  }
  if (&t == websocket_.get()) state_.on_websocket_packet(std::move(p));
}

void session::on_ws_written(ws_transport& t) {
  if (&t == websocket_.get()) state_.on_websocket_written();
}

void session::on_ws_closed(ws_transport& t, disconnect_reason reason) {
  if (&t == probe_.get()) {
    probe_.reset();
    state_.on_probe_closed();
    return;
  }
  if (&t == websocket_.get()) {
    // What the read that ended here produced under the cork goes out first, as it would
    // have without the cork (the transport writes it before its close frame).
    if (flush_deferred_) uncork();
    websocket_.reset();
    state_.on_websocket_closed(reason);
  }
}

}  // namespace socketio::detail
