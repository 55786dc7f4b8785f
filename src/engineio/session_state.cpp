#include "engineio/detail/session_state.hpp"

#include <utility>

namespace socketio::detail {

namespace {

const message_ptr& ping_message() {
  static const message_ptr ping = make_message(packet_type::ping, false, {});
  return ping;
}

}  // namespace

session_state::session_state(session_host& host, transport_type initial, session_limits limits)
    : host_(host), limits_(limits), transport_(initial) {}

void session_state::start() {
  host_.arm_timer(timer_kind::ping_interval, limits_.ping_interval);
}

bool session_state::writable() const {
  if (transport_ == transport_type::polling) {
    return poll_parked_ && upgrade_ != upgrade_phase::upgrading;
  }
  return !ws_writing_;
}

bool session_state::send(message_ptr m, bool is_volatile) {
  return send_group(std::span<const message_ptr>(&m, 1), is_volatile);
}

bool session_state::send_group(std::span<const message_ptr> group, bool is_volatile) {
  if (phase_ != phase::open) return false;
  if (is_volatile && !writable()) return false;
  std::size_t weight = 0;
  for (const auto& m : group)
    weight += m->weight();
  if (queue_.size() + group.size() > limits_.max_queued_packets ||
      queued_bytes_ + weight > limits_.max_queued_bytes) {
    if (is_volatile) return false;
    // A reader this far behind is stalled; closing it bounds memory and spares the others.
    terminate(disconnect_reason::transport_error, "1");
    return false;
  }
  queued_bytes_ += weight;
  queue_.insert(queue_.end(), group.begin(), group.end());
  // One flush for the whole group: a packet and its attachments leave in one polling response
  // or one gathered WebSocket write. Under a cork the host flushes once, later, for every
  // packet queued meanwhile.
  if (!host_.defer_flush()) flush();
  return true;
}

void session_state::flush_deferred() {
  if (phase_ != phase::closed) flush();
}

void session_state::flush() {
  if (queue_.empty()) return;
  if (transport_ == transport_type::polling) {
    if (!poll_parked_ || upgrade_ == upgrade_phase::upgrading) return;
    std::string body;
    std::size_t size = 0;
    for (const auto& m : queue_)
      size += m->data.size() + 2;
    body.reserve(size);
    for (std::size_t i = 0; i < queue_.size(); ++i) {
      if (i != 0) body.push_back(payload_separator);
      append_polling_packet(body, queue_[i]->type, queue_[i]->binary, queue_[i]->data);
    }
    // Moving out (not clear()) releases the queue's capacity: idle sessions stay small.
    std::vector<message_ptr>().swap(queue_);
    queued_bytes_ = 0;
    poll_parked_ = false;
    host_.respond_poll(std::move(body));
    return;
  }
  if (ws_writing_) return;
  ws_writing_ = true;
  const bool written = host_.write_websocket(queue_);
  queue_.clear();
  // A burst's capacity is released; a slot stays for the next packet.
  if (queue_.capacity() > 2) std::vector<message_ptr>().swap(queue_);
  queued_bytes_ = 0;
  if (written) ws_writing_ = false;
}

void session_state::close(disconnect_reason reason) {
  if (phase_ != phase::open) return;
  phase_ = phase::closing;
  close_reason_ = reason;
  host_.cancel_timer(timer_kind::ping_interval);
  host_.cancel_timer(timer_kind::ping_timeout);
  if (upgrade_ != upgrade_phase::none) {
    host_.cancel_timer(timer_kind::upgrade_timeout);
    host_.drop_probe();
    upgrade_ = upgrade_phase::none;
  }
  if (transport_ == transport_type::websocket) {
    // docs/PROTOCOL.md 1.11: queued frames, then a close frame; no `1` packet on WebSocket. With a
    // write in flight, the rest of the queue goes out when it completes.
    if (!ws_writing_) finish_websocket_close();
    return;
  }
  // Polling (docs/PROTOCOL.md 1.11): queued data goes out in a response of its own and the `1` in a
  // later GET, as the reference does after draining. A client handles a payload's packets
  // after its close, so a `1` sharing a payload with data would hide that data's effect (a
  // DISCONNECT would read as "transport close"). With nothing queued, a parked GET gets `1`.
  if (poll_parked_ && queue_.empty()) {
    poll_parked_ = false;
    host_.respond_poll("1");
    finish(close_reason_);
    return;
  }
  flush();
  host_.arm_timer(timer_kind::close_linger, std::chrono::seconds(30));
}

void session_state::terminate(disconnect_reason reason, std::string_view poll_answer) {
  if (phase_ == phase::closed) return;
  // Output a cork held back goes first, as it would have without the cork.
  if (phase_ == phase::open) flush();
  if (transport_ == transport_type::polling) {
    if (poll_parked_) {
      poll_parked_ = false;
      host_.respond_poll(std::string(poll_answer));
    }
  } else {
    host_.close_websocket();
  }
  finish(reason);
}

void session_state::finish(disconnect_reason reason) {
  if (phase_ == phase::closed) return;
  phase_ = phase::closed;
  host_.cancel_timer(timer_kind::ping_interval);
  host_.cancel_timer(timer_kind::ping_timeout);
  host_.cancel_timer(timer_kind::upgrade_timeout);
  host_.cancel_timer(timer_kind::close_linger);
  if (upgrade_ != upgrade_phase::none) {
    upgrade_ = upgrade_phase::none;
    host_.drop_probe();
  }
  std::vector<message_ptr>().swap(queue_);
  queued_bytes_ = 0;
  host_.closed(reason);
}

bool session_state::on_poll_get() {
  if (phase_ == phase::closed) return false;
  if (poll_parked_) {
    // docs/PROTOCOL.md 1.6: overlapping GETs; the parked one gets `1`, the new one 400.
    terminate(disconnect_reason::transport_error, "1");
    return false;
  }
  poll_parked_ = true;
  if (upgrade_ == upgrade_phase::upgrading) {
    // The client waits for this GET to return before it sends `5` (docs/PROTOCOL.md 1.9).
    poll_parked_ = false;
    host_.respond_poll("6");
    return true;
  }
  if (phase_ == phase::closing && queue_.empty()) {
    poll_parked_ = false;
    host_.respond_poll("1");
    finish(close_reason_);
    return true;
  }
  flush();
  return true;
}

void session_state::on_poll_aborted() {
  if (!poll_parked_) return;
  poll_parked_ = false;
  terminate(disconnect_reason::transport_error, {});
}

void session_state::on_poll_body(std::string_view body) {
  if (phase_ != phase::open) return;
  decoded_payload decoded = decode_payload(body);
  for (auto& p : decoded.packets) {
    handle_packet(std::move(p));
    if (phase_ != phase::open) return;
  }
  if (!decoded.valid) terminate(disconnect_reason::parse_error, "1");
}

bool session_state::admit_packet() {
  if (!limits_.packet_rate.enabled()) return true;
  const auto now = host_.steady_now();
  if (!incoming_) incoming_ = std::make_unique<token_bucket>(limits_.packet_rate, now);
  return incoming_->try_take(now);
}

void session_state::handle_packet(packet&& p) {
  // Engine.IO pings from the client are not counted: the first one closes the session below.
  if (p.type != packet_type::ping && !admit_packet()) {
    terminate(disconnect_reason::rate_limit_exceeded, "1");
    return;
  }
  switch (p.type) {
    case packet_type::message:
      host_.deliver(std::move(p));
      break;
    case packet_type::pong:
      if (ping_outstanding_) {
        ping_outstanding_ = false;
        host_.cancel_timer(timer_kind::ping_timeout);
        host_.arm_timer(timer_kind::ping_interval, limits_.ping_interval);
      }
      break;
    case packet_type::ping:
      // EIO4 clients never ping (docs/PROTOCOL.md 1.8): "invalid heartbeat direction".
      terminate(disconnect_reason::transport_error, "1");
      break;
    case packet_type::close:
      // A client close over polling releases the parked GET with a noop (docs/PROTOCOL.md 1.11).
      terminate(disconnect_reason::transport_close, "6");
      break;
    case packet_type::open:
    case packet_type::upgrade:
    case packet_type::noop:
      break;
  }
}

void session_state::on_websocket_packet(packet&& p) {
  if (phase_ != phase::open) return;
  handle_packet(std::move(p));
}

void session_state::on_websocket_written() {
  ws_writing_ = false;
  if (phase_ == phase::open) {
    flush();
  } else if (phase_ == phase::closing) {
    finish_websocket_close();
  }
}

void session_state::finish_websocket_close() {
  flush();
  host_.close_websocket();
  finish(close_reason_);
}

void session_state::on_websocket_closed(disconnect_reason reason) {
  finish(reason);
}

bool session_state::on_probe_opened() {
  if (phase_ != phase::open || transport_ != transport_type::polling ||
      upgrade_ != upgrade_phase::none) {
    return false;
  }
  upgrade_ = upgrade_phase::probing;
  host_.arm_timer(timer_kind::upgrade_timeout, limits_.upgrade_timeout);
  return true;
}

void session_state::on_probe_packet(const packet& p) {
  if (upgrade_ == upgrade_phase::none || phase_ != phase::open) return;
  if (p.type == packet_type::ping && p.data == "probe" && upgrade_ == upgrade_phase::probing) {
    host_.answer_probe();
    upgrade_ = upgrade_phase::upgrading;
    if (poll_parked_) {
      poll_parked_ = false;
      host_.respond_poll("6");
    }
    return;
  }
  if (p.type == packet_type::upgrade) {
    host_.cancel_timer(timer_kind::upgrade_timeout);
    upgrade_ = upgrade_phase::none;
    if (poll_parked_) {
      poll_parked_ = false;
      host_.respond_poll("6");
    }
    transport_ = transport_type::websocket;
    host_.promote_probe();
    // Everything queued while upgrading goes out now, in order, over the WebSocket.
    flush();
    return;
  }
  // Anything else on a probing socket: drop the probe, keep polling (docs/PROTOCOL.md 1.9).
  host_.cancel_timer(timer_kind::upgrade_timeout);
  upgrade_ = upgrade_phase::none;
  host_.drop_probe();
  flush();
}

void session_state::on_probe_closed() {
  if (upgrade_ == upgrade_phase::none) return;
  upgrade_ = upgrade_phase::none;
  host_.cancel_timer(timer_kind::upgrade_timeout);
  flush();
}

void session_state::on_timer(timer_kind kind) {
  switch (kind) {
    case timer_kind::ping_interval:
      if (phase_ != phase::open || ping_outstanding_) return;
      ping_outstanding_ = true;
      // The deadline starts when the ping is queued, not when it is delivered (1.8).
      host_.arm_timer(timer_kind::ping_timeout, limits_.ping_timeout);
      send(ping_message());
      break;
    case timer_kind::ping_timeout:
      terminate(disconnect_reason::ping_timeout, "1");
      break;
    case timer_kind::upgrade_timeout:
      if (upgrade_ == upgrade_phase::none) return;
      upgrade_ = upgrade_phase::none;
      host_.drop_probe();
      flush();
      break;
    case timer_kind::close_linger:
      finish(close_reason_);
      break;
  }
}

void session_state::fail(disconnect_reason reason) {
  terminate(reason, "1");
}

}  // namespace socketio::detail
