#include <algorithm>

#include "common/detail/user_call.hpp"
#include "engineio/detail/random_id.hpp"
#include "socketio/detail/core.hpp"
#include "socketio/detail/handle_access.hpp"

namespace socketio::detail {

sio_client::sio_client(std::shared_ptr<sio_server> server, std::shared_ptr<session> s)
    : server_(std::move(server)),
      session_(s),
      log_(s->log_ptr()),
      connect_timer_(std::make_unique<boost::asio::steady_timer>(s->strand())) {}

std::shared_ptr<sio_socket> sio_client::socket_of(std::string_view nsp) const {
  for (const auto& s : sockets_) {
    if (s->nsp()->name() == nsp) return s;
  }
  return nullptr;
}

bool sio_client::is_connecting(std::string_view nsp) const {
  return std::find(connecting_.begin(), connecting_.end(), nsp) != connecting_.end();
}

void sio_client::done_connecting(const std::string& nsp) {
  std::erase(connecting_, nsp);
  if (connecting_.empty()) connecting_ = {};  // frees the capacity
}

void sio_client::start() {
  const auto s = session_.lock();
  if (!s) return;
  // The session's handlers own the client; the client only refers back weakly.
  s->set_message_handler([self = shared_from_this()](bool binary, std::string_view data) {
    self->on_message(binary, data);
  });
  s->set_close_handler(
      [self = shared_from_this()](std::string_view reason) { self->on_close(reason); });
  const auto server = server_.lock();
  if (!server) return;
  // docs/PROTOCOL.md 2.10: a connection that joins no namespace in time is closed.
  connect_timer_->expires_after(server->options().connect_timeout);
  connect_timer_->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    const auto self = weak.lock();
    if (ec || !self || !self->sockets_.empty()) return;
    if (const auto session = self->session_.lock()) session->close();
  });
}

void sio_client::send(const wire_packet_ptr& w, bool is_volatile) {
  if (const auto s = session_.lock()) s->send_all_now(w->messages, is_volatile);
}

void sio_client::remove_socket(const std::string& nsp) {
  std::erase_if(sockets_, [&](const auto& s) { return s->nsp()->name() == nsp; });
}

void sio_client::fatal() {
  // Any protocol violation ends the whole connection (docs/PROTOCOL.md 2.7).
  if (const auto s = session_.lock()) s->close();
}

void sio_client::close_invalid_state() {
  // Closing the session drops its handlers, which own this client.
  const auto self = shared_from_this();
  fatal();
  // As the reference's Client.close(): when the session could close at once its close handler
  // has already given the sockets "forced close" (and this does nothing); otherwise (no GET
  // parked, frames still queued) the sockets go now, before the session, with this reason.
  on_close("forced server close");
}

void sio_client::on_message(bool binary, std::string_view data) {
  if (closed_) return;
  sio_packet p;
  const auto r = binary ? decoder_.feed_binary(data, p) : decoder_.feed_text(data, p);
  if (r == sio_decoder::result::error) {
    // Never the packet itself: it may hold auth or event payloads.
    log_->log(log_level::debug, "malformed Socket.IO packet, closing the connection");
    return fatal();
  }
  if (r == sio_decoder::result::need_more) return;
  on_packet(std::move(p));
}

void sio_client::on_packet(sio_packet&& p) {
  if (p.type == sio_packet_type::connect) return on_connect(std::move(p));
  if (p.type == sio_packet_type::connect_error) return close_invalid_state();
  const auto socket = socket_of(p.nsp);
  if (!socket) return close_invalid_state();  // not joined
  switch (p.type) {
    case sio_packet_type::disconnect:
      socket->close(disconnect_reason::client_namespace_disconnect, false);
      return;
    case sio_packet_type::event:
    case sio_packet_type::binary_event: {
      if (p.data.is_discarded()) return;         // a bare `2` does nothing (reference quirk)
      if (!socket->admit_event(p.data)) return;  // server_options::event_rate_limit
      args values;
      values.reserve(p.data.size());
      for (auto& v : p.data)
        values.push_back(std::move(v));
      socket->dispatch_event(std::move(values), p.id);
      return;
    }
    case sio_packet_type::ack:
    case sio_packet_type::binary_ack: {
      if (!p.id || p.data.is_discarded()) return;
      args values;
      for (auto& v : p.data)
        values.push_back(std::move(v));
      socket->dispatch_ack(*p.id, std::move(values));
      return;
    }
    default:
      return fatal();
  }
}

void sio_client::send_connect_error(const std::string& nsp, const connect_error& e) {
  sio_packet p;
  p.type = sio_packet_type::connect_error;
  p.nsp = nsp;
  p.data = json::object();
  p.data["message"] = e.message;
  if (e.data) p.data["data"] = *e.data;
  send(make_wire_packet(p));
}

void sio_client::on_connect(sio_packet&& p) {
  if (socket_of(p.nsp) || is_connecting(p.nsp)) return close_invalid_state();
  json auth = p.data.is_discarded() ? json::object() : std::move(p.data);
  const auto server = server_.lock();
  if (!server) return;
  const auto nsp = server->lookup(p.nsp, auth);
  if (!nsp) {
    log_->log(log_level::debug, "CONNECT to an unknown namespace refused");
    send_connect_error(
        p.nsp, connect_error{make_error_code(error::invalid_namespace).message(), std::nullopt});
    return;
  }
  const auto s = session_.lock();
  if (!s) return;
  socketio::handshake hs;
  hs.request = s->request_ptr();
  hs.auth = std::move(auth);
  auto sock = sio_socket::create(make_random_id(), nsp, weak_from_this(), session_, std::move(hs));
  sock->limit_events(server->options().event_rate_limit);
  connecting_.push_back(p.nsp);
  auto middlewares = std::make_shared<std::vector<connect_middleware>>(nsp->middlewares());
  auto run = std::make_shared<std::function<void(std::size_t)>>();
  // The chain holds itself through `run` only while a step is pending; it ends by clearing it.
  *run = [weak = weak_from_this(), sock, middlewares, run](std::size_t index) {
    const auto self = weak.lock();
    if (!self || self->closed_) {
      *run = nullptr;
      return;
    }
    if (index >= middlewares->size()) {
      const auto finish = std::move(*run);
      self->done_connecting(sock->nsp()->name());
      self->sockets_.push_back(sock);
      sock->mark_connected();
      sock->nsp()->add_socket(sock);
      sock->nsp()->adapter_ptr()->add_all(sock->id(), {sock->id()});
      sio_packet reply;
      reply.type = sio_packet_type::connect;
      reply.nsp = sock->nsp()->name();
      reply.data = json::object();
      reply.data["sid"] = sock->id();
      // The CONNECT reply goes out before anything the connection handler emits (2.4).
      self->send(make_wire_packet(reply));
      self->connect_timer_.reset();  // destroying it cancels the wait
      // Each handler runs even when an earlier one threw.
      for (const auto& h : sock->nsp()->connection_handlers()) {
        user_call(
            *self->log_, [&] { return sock->where("connection handler"); }, h,
            handle_access::make_socket(sock));
      }
      // Most handlers are registered by now; the table lives as long as the socket.
      sock->handlers.trim();
      return;
    }
    auto next = [weak, index, run, sock](std::optional<connect_error> err) {
      const auto self2 = weak.lock();
      if (!self2) return;
      const auto s2 = self2->session_.lock();
      if (!s2) return;
      s2->run_on_strand([self2, index, run, sock, err = std::move(err)] {
        if (!*run) return;
        if (err) {
          // The refusal's message and data are the application's, and may quote the auth.
          if (self2->log_->enabled(log_level::debug)) {
            self2->log_->log(log_level::debug, sock->where("connection refused by middleware"));
          }
          self2->done_connecting(sock->nsp()->name());
          self2->send_connect_error(sock->nsp()->name(), *err);
          *run = nullptr;
          return;
        }
        (*run)(index + 1);
      });
    };
    // A throwing middleware refuses the connection with its exception's text, as next(error)
    // would; the exception is also logged.
    std::optional<std::string> thrown;
    try {
      (*middlewares)[index](handle_access::make_socket(sock), std::move(next));
    } catch (const std::exception& e) {
      thrown = e.what();
    } catch (...) {
      thrown = "middleware error";
    }
    if (thrown) {
      report_user_exception(*self->log_, sock->where("connection middleware"), *thrown);
      self->done_connecting(sock->nsp()->name());
      self->send_connect_error(sock->nsp()->name(), connect_error{*thrown, std::nullopt});
      *run = nullptr;
    }
  };
  (*run)(0);
}

void sio_client::disconnect_all_and_close() {
  const auto sockets = sockets_;
  for (const auto& s : sockets)
    s->close(disconnect_reason::server_namespace_disconnect, true);
  if (const auto s = session_.lock()) s->close();
}

void sio_client::on_close(std::string_view reason) {
  if (closed_) return;
  closed_ = true;
  connect_timer_.reset();
  auto sockets = std::move(sockets_);
  sockets_.clear();
  // The engine's reasons are all disconnect_reason strings (docs/PROTOCOL.md 2.9).
  const auto r = parse_disconnect_reason(reason).value_or(disconnect_reason::transport_error);
  for (const auto& s : sockets)
    s->close(r, false);
}

}  // namespace socketio::detail
