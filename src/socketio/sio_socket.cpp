#include <utility>

#include "common/detail/user_call.hpp"
#include "socketio/detail/core.hpp"

namespace socketio::detail {

sio_socket::sio_socket(std::string id, std::shared_ptr<sio_namespace> nsp,
                       std::weak_ptr<sio_client> client, std::weak_ptr<session> s,
                       socketio::handshake hs)
    : ref_(std::make_shared<socket_ref>(socket_ref{std::move(id), nsp->name(), {}})),
      nsp_(std::move(nsp)),
      client_(std::move(client)),
      session_(std::move(s)),
      handshake_(std::move(hs)) {
  const auto session = session_.lock();
  log_ = session ? session->log_ptr() : endpoint::log_of({});
}

std::shared_ptr<sio_socket> sio_socket::create(std::string id, std::shared_ptr<sio_namespace> nsp,
                                               std::weak_ptr<sio_client> client,
                                               std::weak_ptr<session> session,
                                               socketio::handshake hs) {
  auto s = std::make_shared<sio_socket>(std::move(id), std::move(nsp), std::move(client),
                                        std::move(session), std::move(hs));
  s->ref_->impl = s;
  return s;
}

json sio_socket::data() const {
  std::lock_guard lock(data_lock_);
  return data_;
}

void sio_socket::set_data(json v) {
  std::lock_guard lock(data_lock_);
  data_ = std::move(v);
}

std::string sio_socket::where(std::string_view kind, std::string_view event) const {
  std::string out(kind);
  if (!event.empty()) {
    out += " \"";
    out += event;
    out += '"';
  }
  out += " of socket ";
  out += id();
  out += " on ";
  out += nsp_->name();
  return out;
}

bool sio_socket::send_packet(const wire_packet_ptr& w, bool is_volatile) {
  if (!connected()) return false;
  const auto s = session_.lock();
  if (!s) return false;
  return s->send_all_now(w->messages, is_volatile);
}

bool sio_socket::send_packet(session& s, const wire_packet_ptr& w, bool is_volatile) {
  if (!connected()) return false;
  return s.send_all_now(w->messages, is_volatile);
}

bool sio_socket::emit_now(std::string_view event, args values,
                          std::optional<std::uint64_t> ack_id) {
  if (!connected()) return false;
  if (listeners_ && !listeners_->outgoing_any.empty()) {
    const std::string name(event);
    // A copy: a listener may add more while it runs.
    const auto outgoing = listeners_->outgoing_any;
    for (const auto& h : outgoing)
      user_call(
          *log_, [&] { return where("outgoing listener", name); }, h, name, values);
  }
  return send_packet(
      make_wire_packet(make_event_packet(nsp_->name(), event, std::move(values), ack_id)));
}

void sio_socket::expect_ack(std::uint64_t id, std::optional<std::chrono::milliseconds> timeout,
                            std::function<void(std::optional<ack_error>, args)> cb) {
  pending_ack entry;
  entry.callback = std::move(cb);
  if (timeout) {
    const auto s = session_.lock();
    if (s) {
      entry.timer = std::make_unique<boost::asio::steady_timer>(s->strand());
      entry.timer->expires_after(*timeout);
      entry.timer->async_wait([weak = weak_from_this(), id](boost::system::error_code ec) {
        if (ec) return;
        const auto self = weak.lock();
        if (!self) return;
        auto timed_out = self->take_ack(id);
        if (!timed_out) return;
        user_call(
            *self->log_, [&] { return self->where("ack callback (timed out)"); },
            timed_out->callback, ack_error{make_error_code(error::ack_timeout).message(), 0, 0, {}},
            args{});
      });
    }
  }
  if (!acks_) acks_ = std::make_unique<ack_table>();
  (*acks_)[id] = std::move(entry);
}

std::optional<sio_socket::pending_ack> sio_socket::take_ack(std::uint64_t id) {
  if (!acks_) return std::nullopt;
  const auto it = acks_->find(id);
  if (it == acks_->end()) return std::nullopt;
  std::optional<pending_ack> entry(std::move(it->second));
  acks_->erase(it);
  if (acks_->empty()) acks_.reset();
  return entry;
}

void sio_socket::dispatch_ack(std::uint64_t id, args values) {
  auto entry = take_ack(id);
  if (!entry) return;  // unknown ids are ignored (docs/PROTOCOL.md 2.6)
  if (entry->timer) entry->timer->cancel();
  user_call(
      *log_, [&] { return where("ack callback"); }, entry->callback, std::nullopt,
      std::move(values));
}

void sio_socket::dispatch_event(args values, std::optional<std::uint64_t> ack_id) {
  if (values.empty()) return;
  std::string event =
      values.front().is_string() ? values.front().get<std::string>() : values.front().dump();
  values.erase(values.begin());
  // Catch-all listeners see every event before per-packet middleware, as in the reference
  // (so they also see events a middleware rejects). Copied: a listener may change the list.
  if (listeners_ && !listeners_->any.empty()) {
    const auto any = listeners_->any;
    for (const auto& h : any)
      user_call(
          *log_, [&] { return where("any listener", event); }, h, event, values);
  }
  if (!listeners_ || listeners_->packet_middlewares.empty()) {
    run_handlers(event, values, ack_id);
    return;
  }
  run_middlewares(
      0, std::make_shared<std::pair<std::string, args>>(std::move(event), std::move(values)),
      ack_id);
}

void sio_socket::forget_ack(std::uint64_t id) {
  const auto entry = take_ack(id);
  if (entry && entry->timer) entry->timer->cancel();
}

void sio_socket::run_middlewares(std::size_t index,
                                 std::shared_ptr<std::pair<std::string, args>> packet,
                                 std::optional<std::uint64_t> ack_id) {
  if (!connected()) return;
  if (!listeners_ || index >= listeners_->packet_middlewares.size()) {
    run_handlers(packet->first, packet->second, ack_id);
    return;
  }
  auto next = [weak = weak_from_this(), index, packet, ack_id](std::optional<std::string> err) {
    const auto self = weak.lock();
    if (!self) return;
    self->on_strand([index, packet, ack_id, err = std::move(err)](sio_socket& s) {
      if (err) {
        if (s.listeners_ && s.listeners_->error) {
          // A copy: the handler may replace itself.
          const auto handler = s.listeners_->error;
          user_call(
              s.log(), [&] { return s.where("error handler"); }, handler, *err);
        }
        return;
      }
      s.run_middlewares(index + 1, packet, ack_id);
    });
  };
  // A copy: the middleware may add more while it runs. A throwing middleware drops the packet.
  const auto middleware = listeners_->packet_middlewares[index];
  user_call(
      *log_, [&] { return where("packet middleware", packet->first); }, middleware, packet->first,
      packet->second, std::move(next));
}

void sio_socket::run_handlers(const std::string& event, args& values,
                              std::optional<std::uint64_t> ack_id) {
  socketio::ack reply;
  if (ack_id) {
    reply = socketio::ack([weak = weak_from_this(), id = *ack_id](args response) {
      const auto self = weak.lock();
      if (!self) return;
      self->on_strand([id, response = std::move(response)](sio_socket& s) mutable {
        sio_packet p;
        p.type = sio_packet_type::ack;
        p.nsp = s.nsp()->name();
        p.id = id;
        p.data = json::array();
        for (auto& v : response)
          p.data.push_back(std::move(v));
        s.send_packet(make_wire_packet(p));
      });
    });
  }
  // A copy: a handler may add or remove handlers while it runs.
  const auto matching = handlers.take(event);
  for (const auto& handler : matching) {
    user_call(
        *log_, [&] { return where("event handler", event); }, handler, std::as_const(values),
        reply);
  }
}

void sio_socket::close(disconnect_reason reason, bool send_disconnect) {
  if (!connected()) return;
  if (send_disconnect) {
    sio_packet p;
    p.type = sio_packet_type::disconnect;
    p.nsp = nsp_->name();
    send_packet(make_wire_packet(p));
  }
  // Handlers keep receiving the reason's wire string (docs/PROTOCOL.md 2.9).
  const std::string text(to_string(reason));
  // Copies: a handler may add more while it runs.
  auto notify = [&](auto member, std::string_view kind) {
    if (!listeners_) return;
    const auto list = (*listeners_).*member;
    for (const auto& h : list)
      user_call(
          *log_, [&] { return where(kind); }, h, text);
  };
  // docs/PROTOCOL.md 2.9: "disconnecting" sees the rooms, then the rooms go, then "disconnect".
  notify(&listeners::disconnecting, "disconnecting handler");
  connected_.store(false);
  // Out of the socket table first: a concurrent join then finds it gone (sio_namespace::join).
  nsp_->remove_socket(id());
  nsp_->adapter_ptr()->del_all(id());
  if (const auto c = client_.lock()) c->remove_socket(nsp_->name());
  const auto pending = std::move(acks_);
  const std::string disconnected = make_error_code(error::socket_disconnected).message();
  if (pending) {
    for (auto& [id, entry] : *pending) {
      if (entry.timer) entry.timer->cancel();
      user_call(
          *log_, [&] { return where("ack callback (disconnected)"); }, entry.callback,
          ack_error{disconnected, 0, 0, {}}, args{});
    }
  }
  notify(&listeners::disconnect, "disconnect handler");
  handlers.clear();
  if (listeners_) {
    listeners_->any.clear();
    listeners_->outgoing_any.clear();
    listeners_->packet_middlewares.clear();
  }
  if (const auto srv = nsp_->server()) srv->remove_child_if_empty(nsp_);
}

}  // namespace socketio::detail
