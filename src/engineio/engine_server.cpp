#include <boost/asio/io_context.hpp>

#include "engineio/detail/drain.hpp"
#include "engineio/detail/endpoint.hpp"
#include "engineio/detail/http_listener.hpp"
#include "engineio/detail/session.hpp"
#include "socketio/detail/handle_access.hpp"
#include "socketio/engine.hpp"

namespace socketio {

const std::string* request_info::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

const std::string* request_info::query_param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return &v;
  }
  return nullptr;
}

namespace engine {

namespace {

detail::message_ptr text_message(std::string_view data, bool binary) {
  return detail::make_message(detail::packet_type::message, binary, std::string(data));
}

}  // namespace

socket::socket(std::shared_ptr<detail::session> s)
    : session_(s), id_(s ? s->id() : std::string{}) {}

bool socket::send(std::string_view text) const {
  const auto s = session_.lock();
  if (!s) return false;
  s->send(text_message(text, false));
  return true;
}

bool socket::send_binary(std::string_view bytes) const {
  const auto s = session_.lock();
  if (!s) return false;
  s->send(text_message(bytes, true));
  return true;
}

void socket::close() const {
  if (const auto s = session_.lock()) s->close();
}

// The handlers belong to the session's strand: installed there (inline when the caller is
// already on it, as in the connection handler).
void socket::on_message(std::function<void(bool, std::string_view)> handler) const {
  if (const auto s = session_.lock()) {
    s->run_on_strand(
        [s, h = std::move(handler)]() mutable { s->set_message_handler(std::move(h)); });
  }
}

void socket::on_close(std::function<void(std::string_view)> handler) const {
  if (const auto s = session_.lock()) {
    s->run_on_strand([s, h = std::move(handler)]() mutable { s->set_close_handler(std::move(h)); });
  }
}

std::shared_ptr<const request_info> socket::request() const {
  static const auto empty = std::make_shared<const request_info>();
  const auto s = session_.lock();
  return s ? s->request_ptr() : empty;
}

server::server(boost::asio::io_context& ioc, engine_options options)
    : server(ioc.get_executor(), std::move(options)) {}

server::server(boost::asio::any_io_executor executor, engine_options options)
    : endpoint_(std::make_shared<detail::endpoint>(executor, std::move(options))),
      listener_(std::make_shared<detail::http_listener>(
          executor, std::vector<std::shared_ptr<detail::endpoint>>{endpoint_})) {}

server::~server() {
  close();
}

void server::on_connection(std::function<void(socket)> handler) {
  endpoint_->set_connection_handler(
      [handler = std::move(handler)](const std::shared_ptr<detail::session>& s) {
        handler(detail::handle_access::make_engine_socket(s));
      });
}

std::uint16_t server::listen(std::uint16_t port, const std::string& address) {
  return listener_->listen(address, port);
}

std::uint16_t server::listen(std::uint16_t port, const tls_options& tls,
                             const std::string& address) {
  return listener_->listen(address, port, tls);
}

void server::reload_tls(const tls_options& tls) {
  listener_->reload_tls(tls);
}

void server::close(std::function<void()> done) {
  listener_->close();
  endpoint_->close_all(std::move(done));
}

std::size_t server::client_count() const {
  return endpoint_->session_count();
}

std::future<void> server::drain(drain_options options, std::function<void()> done) {
  auto run = std::make_shared<detail::drain_run>(
      endpoint_, options,
      [](const std::shared_ptr<detail::session>& s, bool at_once) {
        if (at_once) {
          s->fail(disconnect_reason::forced_close);
        } else {
          s->close();
        }
      },
      detail::drain_run::closing_listener(listener_, options, std::move(done)));
  return run->start();
}

admission_stats server::admission() const {
  return endpoint_->admission().stats();
}

}  // namespace engine
}  // namespace socketio
