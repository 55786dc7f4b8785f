#include <boost/asio/strand.hpp>

#include "common/detail/user_call.hpp"
#include "engineio/detail/http_connection.hpp"
#include "engineio/detail/http_listener.hpp"
#include "socketio/detail/core.hpp"

namespace socketio::detail {

sio_server::sio_server(boost::asio::io_context& ioc, server_options options)
    : ioc_(ioc), options_(std::move(options)) {}

sio_server::~sio_server() {
  for (const auto& [name, nsp] : namespaces_)
    nsp->forget_sockets();
  for (const auto& [predicate, parent] : parents_)
    parent->forget_sockets();
}

void sio_server::init() {
  endpoint_ = std::make_shared<endpoint>(ioc_.get_executor(), options_.engine);
  endpoint_->set_connection_handler([weak = weak_from_this()](const std::shared_ptr<session>& s) {
    const auto self = weak.lock();
    if (!self) return;
    std::make_shared<sio_client>(self, s)->start();
  });
  of("/");
}

std::shared_ptr<sio_namespace> sio_server::of(const std::string& raw_name) {
  // "chat" and "/chat" name the same namespace, as in the reference.
  const std::string name = raw_name.empty() || raw_name.front() != '/' ? "/" + raw_name : raw_name;
  std::lock_guard lock(mutex_);
  auto& slot = namespaces_[name];
  if (!slot) slot = std::make_shared<sio_namespace>(name, weak_from_this(), nullptr);
  return slot;
}

std::shared_ptr<sio_namespace> sio_server::add_parent(
    std::function<bool(const std::string&, const json&)> predicate) {
  std::lock_guard lock(mutex_);
  auto parent = std::make_shared<sio_namespace>("/_" + std::to_string(parent_counter_++),
                                                weak_from_this(), nullptr);
  parent->make_parent();
  parents_.emplace_back(std::move(predicate), parent);
  return parent;
}

std::shared_ptr<sio_namespace> sio_server::lookup(const std::string& name, const json& auth) {
  decltype(parents_) parents;
  {
    std::lock_guard lock(mutex_);
    if (const auto it = namespaces_.find(name); it != namespaces_.end()) return it->second;
    parents = parents_;
  }
  for (const auto& [predicate, parent] : parents) {
    // A throwing predicate does not match.
    const bool match =
        user_call(
            endpoint_->log(), [&] { return "namespace predicate (for " + name + ")"; }, predicate,
            name, auth)
            .value_or(false);
    if (!match) continue;
    std::shared_ptr<sio_namespace> child;
    {
      std::lock_guard lock(mutex_);
      auto& slot = namespaces_[name];
      if (slot) return slot;
      slot = std::make_shared<sio_namespace>(name, weak_from_this(), parent);
      child = slot;
    }
    parent->add_child(child);
    return child;
  }
  return nullptr;
}

void sio_server::remove_child_if_empty(const std::shared_ptr<sio_namespace>& nsp) {
  if (!options_.cleanup_empty_child_namespaces || !nsp->is_child() || nsp->size() != 0) return;
  std::lock_guard lock(mutex_);
  const auto it = namespaces_.find(nsp->name());
  if (it != namespaces_.end() && it->second == nsp) namespaces_.erase(it);
}

std::vector<std::shared_ptr<sio_namespace>> sio_server::namespaces() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<sio_namespace>> out;
  for (const auto& [name, nsp] : namespaces_)
    out.push_back(nsp);
  return out;
}

const std::shared_ptr<http_listener>& sio_server::router(
    std::vector<std::shared_ptr<endpoint>> extra) {
  std::lock_guard lock(mutex_);
  if (!listener_) {
    extra.insert(extra.begin(), endpoint_);
    listener_ = std::make_shared<http_listener>(ioc_, std::move(extra));
  }
  return listener_;
}

std::uint16_t sio_server::listen(std::uint16_t port, const std::string& address,
                                 std::vector<std::shared_ptr<endpoint>> extra) {
  return router(std::move(extra))->listen(address, port);
}

void sio_server::serve(boost::asio::ip::tcp::socket socket,
                       std::vector<std::shared_ptr<endpoint>> extra) {
  const auto listener = router(std::move(extra));
  // A connection's work is serialised by its socket's executor: give it a strand of its own,
  // whatever executor the host accepted it with.
  boost::system::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) return;
  boost::asio::ip::tcp::socket stranded(boost::asio::make_strand(ioc_), protocol,
                                        socket.release(ec));
  if (ec) return;
  serve_http_connection(std::move(stranded), listener, options_.engine.request_timeout);
}

void sio_server::close() {
  if (listener_) listener_->close();
  for (const auto& nsp : namespaces()) {
    for (const auto& s : nsp->all_sockets()) {
      // PROTOCOL.md 2.9: sockets see "server shutting down", without a DISCONNECT packet.
      s->on_strand(
          [](sio_socket& target) { target.close(disconnect_reason::server_shutting_down, false); });
    }
  }
  endpoint_->close_all();
}

}  // namespace socketio::detail
