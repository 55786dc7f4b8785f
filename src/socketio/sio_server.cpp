#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "common/detail/user_call.hpp"
#include "engineio/detail/drain.hpp"
#include "engineio/detail/http_connection.hpp"
#include "engineio/detail/http_listener.hpp"
#include "engineio/detail/static_files.hpp"
#include "socketio/detail/core.hpp"

namespace socketio::detail {

sio_server::sio_server(boost::asio::any_io_executor executor, server_options options)
    : executor_(std::move(executor)), options_(std::move(options)) {
  token_bucket::validate(options_.event_rate_limit.limit(), "event_rate_limit");
}

bool sio_server::on_io_thread() const {
  using io_executor = boost::asio::io_context::executor_type;
  if (const auto* ex = executor_.target<io_executor>()) return ex->running_in_this_thread();
  if (const auto* ex = executor_.target<boost::asio::strand<io_executor>>()) {
    return ex->running_in_this_thread();
  }
  return false;  // another kind of executor: nothing to tell by
}

std::shared_ptr<sio_namespace> sio_server::make_namespace(const std::string& name,
                                                          std::shared_ptr<sio_namespace> parent) {
  // Called without the lock: the factory and the adapter's init are user code.
  adapter_factory factory;
  {
    std::lock_guard lock(mutex_);
    factory = options_.adapter;
  }
  auto nsp = std::make_shared<sio_namespace>(name, weak_from_this(), std::move(parent));
  nsp->install_adapter(factory);
  return nsp;
}

std::shared_ptr<sio_namespace> sio_server::insert_namespace(
    const std::string& name, const std::shared_ptr<sio_namespace>& parent) {
  {
    std::lock_guard lock(mutex_);
    if (const auto it = namespaces_.find(name); it != namespaces_.end()) return it->second;
  }
  auto fresh = make_namespace(name, parent);
  std::shared_ptr<sio_namespace> winner;
  {
    std::lock_guard lock(mutex_);
    auto& slot = namespaces_[name];
    if (!slot) slot = fresh;
    winner = slot;
  }
  // Another thread created it first: ours was never used.
  if (winner != fresh) fresh->adapter_ptr()->close([] {});
  return winner;
}

void sio_server::set_adapter_factory(adapter_factory factory) {
  std::vector<std::shared_ptr<sio_namespace>> existing;
  {
    std::lock_guard lock(mutex_);
    options_.adapter = factory;
    for (const auto& [name, nsp] : namespaces_)
      existing.push_back(nsp);
    for (const auto& [predicate, parent] : parents_)
      existing.push_back(parent);
  }
  for (const auto& nsp : existing)
    nsp->install_adapter(factory);
}

sio_server::~sio_server() {
  for (const auto& [name, nsp] : namespaces_)
    nsp->forget_sockets();
  for (const auto& [predicate, parent] : parents_)
    parent->forget_sockets();
}

void sio_server::init() {
  endpoint_ = std::make_shared<endpoint>(executor_, options_.engine);
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
  return insert_namespace(name, nullptr);
}

std::shared_ptr<sio_namespace> sio_server::add_parent(
    std::function<bool(const std::string&, const json&)> predicate) {
  std::string name;
  {
    std::lock_guard lock(mutex_);
    name = "/_" + std::to_string(parent_counter_++);
  }
  auto parent = make_namespace(name, nullptr);
  parent->make_parent();
  std::lock_guard lock(mutex_);
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
    auto child = insert_namespace(name, parent);
    if (child->is_child()) parent->add_child(child);
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
    std::shared_ptr<const static_files> files;
    if (!options_.static_files.root.empty() || !options_.static_files.files.empty()) {
      files = std::make_shared<static_files>(options_.static_files, endpoint_->log_ptr());
    }
    listener_ = std::make_shared<http_listener>(executor_, std::move(extra), std::move(files));
  }
  return listener_;
}

std::uint16_t sio_server::listen(std::uint16_t port, const std::string& address,
                                 std::vector<std::shared_ptr<endpoint>> extra) {
  return router(std::move(extra))->listen(address, port);
}

std::uint16_t sio_server::listen(std::uint16_t port, const tls_options& tls,
                                 const std::string& address,
                                 std::vector<std::shared_ptr<endpoint>> extra) {
  return router(std::move(extra))->listen(address, port, tls);
}

void sio_server::reload_tls(const tls_options& tls) {
  std::shared_ptr<http_listener> listener;
  {
    std::lock_guard lock(mutex_);
    listener = listener_;
  }
  if (!listener) throw std::logic_error("reload_tls: the server does not listen with TLS");
  listener->reload_tls(tls);
}

void sio_server::serve(boost::asio::ip::tcp::socket socket,
                       std::vector<std::shared_ptr<endpoint>> extra) {
  const auto listener = router(std::move(extra));
  // A connection's work is serialised by its socket's executor: give it a strand of its own,
  // whatever executor the host accepted it with.
  boost::system::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) return;
  boost::asio::ip::tcp::socket stranded(boost::asio::make_strand(executor_), protocol,
                                        socket.release(ec));
  if (ec) return;
  serve_http_connection(std::move(stranded), listener, options_.engine.request_timeout);
}

void sio_server::close(std::function<void()> done) {
  std::shared_ptr<http_listener> listener;
  {
    std::lock_guard lock(mutex_);
    listener = listener_;
  }
  if (listener) listener->close();
  for (const auto& nsp : namespaces()) {
    for (const auto& s : nsp->all_sockets()) {
      // docs/PROTOCOL.md 2.9: sockets see "server shutting down", without a DISCONNECT packet.
      s->on_strand(
          [](sio_socket& target) { target.close(disconnect_reason::server_shutting_down, false); });
    }
  }
  // Once the last session is gone, every adapter closes; `done` runs when all have.
  endpoint_->close_all([weak = weak_from_this(), done = std::move(done)]() mutable {
    const auto self = weak.lock();
    std::vector<std::shared_ptr<socketio::adapter>> adapters;
    if (self) {
      std::lock_guard lock(self->mutex_);
      for (const auto& [name, nsp] : self->namespaces_)
        adapters.push_back(nsp->adapter_ptr());
      for (const auto& [predicate, parent] : self->parents_)
        adapters.push_back(parent->adapter_ptr());
    }
    auto remaining = std::make_shared<std::atomic<std::size_t>>(adapters.size() + 1);
    auto finish = std::make_shared<std::function<void()>>(std::move(done));
    auto one_done = [remaining, finish] {
      if (remaining->fetch_sub(1) == 1 && *finish) (*finish)();
    };
    for (const auto& a : adapters)
      a->close(one_done);
    one_done();
  });
}

std::future<void> sio_server::drain(drain_options options, std::function<void()> done) {
  std::shared_ptr<http_listener> listener;
  {
    std::lock_guard lock(mutex_);
    listener = listener_;
  }
  // An Engine.IO close, not a Socket.IO DISCONNECT: socket.io-client reconnects after its
  // transport closes ("transport close"), but not after a server-side disconnect ("io server
  // disconnect"). The server's sockets see "server shutting down", as with close().
  auto run = std::make_shared<drain_run>(
      endpoint_, options,
      [](const std::shared_ptr<session>& s, bool at_once) {
        if (at_once) {
          s->fail(disconnect_reason::server_shutting_down);
        } else {
          s->close(disconnect_reason::server_shutting_down);
        }
      },
      drain_run::closing_listener(std::move(listener), options, std::move(done)));
  return run->start();
}

}  // namespace socketio::detail
