#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <stdexcept>

#include "adapter/detail/memory_adapter.hpp"
#include "common/detail/user_call.hpp"
#include "socketio/detail/core.hpp"

namespace socketio::detail {

namespace {

sio_packet event_packet(const std::string& nsp, std::string_view event, args values,
                        std::optional<std::uint64_t> id = {}) {
  if (is_reserved_event(event)) {
    throw std::invalid_argument("\"" + std::string(event) + "\" is a reserved event name");
  }
  sio_packet p;
  p.type = sio_packet_type::event;
  p.nsp = nsp;
  p.id = id;
  p.data = json::array();
  p.data.push_back(std::string(event));
  for (auto& v : values)
    p.data.push_back(std::move(v));
  return p;
}

// Collects the acks of a broadcast. Each node reports how many sockets it sent the packet to;
// the broadcast completes when every node reported and that many acks arrived (PROTOCOL.md
// 2.6, 4.2.6), or fails at its timeout with the responses so far.
struct broadcast_ack_state : std::enable_shared_from_this<broadcast_ack_state> {
  std::mutex mutex;
  std::size_t nodes = 1;     // how many client counts to wait for
  std::size_t reports = 0;   // client counts received
  std::size_t expected = 0;  // sum of the client counts
  std::vector<json> responses;
  bool done = false;
  broadcast_operator::ack_callback callback;
  std::unique_ptr<boost::asio::steady_timer> timer;  // waited on and cancelled on its strand

  void on_client_count(std::size_t count) {
    std::unique_lock lock(mutex);
    if (done) return;
    ++reports;
    expected += count;
    complete_if_done(lock);
  }
  void on_ack(json response) {
    std::unique_lock lock(mutex);
    if (done) return;
    responses.push_back(std::move(response));
    complete_if_done(lock);
  }
  void complete_if_done(std::unique_lock<std::mutex>& lock) {
    if (reports < nodes || responses.size() < expected) return;
    done = true;
    auto cb = std::move(callback);
    auto all = std::move(responses);
    lock.unlock();
    if (timer) {
      boost::asio::post(timer->get_executor(),
                        [self = shared_from_this()] { self->timer->cancel(); });
    }
    cb(std::nullopt, std::move(all));
  }
  void expire() {
    std::unique_lock lock(mutex);
    if (done) return;
    done = true;
    auto cb = std::move(callback);
    auto partial = std::move(responses);
    const std::size_t want = expected;
    lock.unlock();
    const std::size_t answered = partial.size();
    cb(ack_error{make_error_code(error::ack_timeout).message(), answered, want},
       std::move(partial));
  }
};

}  // namespace

sio_namespace::sio_namespace(std::string name, std::weak_ptr<sio_server> server,
                             std::shared_ptr<sio_namespace> parent)
    : name_(std::move(name)),
      server_(std::move(server)),
      parent_(std::move(parent)),
      adapter_(std::make_unique<memory_adapter>()) {}

std::shared_ptr<const logger> sio_namespace::log_ptr() const {
  const auto srv = server();
  return srv ? srv->log_ptr() : endpoint::log_of({});
}

void sio_namespace::add_connection_handler(std::function<void(socket)> h) {
  std::lock_guard lock(mutex_);
  on_connection_.push_back(std::move(h));
}

void sio_namespace::add_middleware(connect_middleware m) {
  std::lock_guard lock(mutex_);
  middlewares_.push_back(std::move(m));
}

std::vector<std::function<void(socket)>> sio_namespace::connection_handlers() const {
  // A dynamic child runs its parent's handlers (added at any time), then its own.
  auto out = parent_ ? parent_->connection_handlers() : std::vector<std::function<void(socket)>>{};
  std::lock_guard lock(mutex_);
  out.insert(out.end(), on_connection_.begin(), on_connection_.end());
  return out;
}

std::vector<connect_middleware> sio_namespace::middlewares() const {
  auto out = parent_ ? parent_->middlewares() : std::vector<connect_middleware>{};
  std::lock_guard lock(mutex_);
  out.insert(out.end(), middlewares_.begin(), middlewares_.end());
  return out;
}

void sio_namespace::add_socket(const std::shared_ptr<sio_socket>& s) {
  std::lock_guard lock(mutex_);
  sockets_[s->id()] = s;
}

void sio_namespace::remove_socket(const std::string& id) {
  std::lock_guard lock(mutex_);
  sockets_.erase(id);
}

std::shared_ptr<sio_socket> sio_namespace::find_socket(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto it = sockets_.find(id);
  return it == sockets_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<sio_socket>> sio_namespace::all_sockets() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<sio_socket>> out;
  out.reserve(sockets_.size());
  for (const auto& [id, s] : sockets_)
    out.push_back(s);
  return out;
}

void sio_namespace::join(const std::string& socket_id, const std::set<std::string>& rooms) {
  std::lock_guard lock(mutex_);
  if (sockets_.count(socket_id) != 0) adapter_->add_all(socket_id, rooms);
}

void sio_namespace::leave(const std::string& socket_id, const std::set<std::string>& rooms) {
  for (const auto& room : rooms)
    adapter_->del(socket_id, room);
}

void sio_namespace::forget_sockets() {
  std::lock_guard lock(mutex_);
  sockets_.clear();
}

std::size_t sio_namespace::size() const {
  std::lock_guard lock(mutex_);
  return sockets_.size();
}

void sio_namespace::deliver(const std::string& socket_id, const encoded_ptr& packet,
                            bool is_volatile) {
  const auto s = find_socket(socket_id);
  if (!s) return;
  // The packet was encoded once; every recipient queues the same immutable messages.
  s->on_strand(
      [packet, is_volatile](sio_socket& target) { target.send_packet(packet, is_volatile); });
}

void sio_namespace::deliver_all(const std::vector<std::string>& socket_ids,
                                const encoded_ptr& packet, bool is_volatile) {
  // One lock for the whole lookup; the packet was encoded once and every recipient queues
  // the same immutable messages on its own strand.
  std::vector<std::shared_ptr<sio_socket>> targets;
  targets.reserve(socket_ids.size());
  {
    std::lock_guard lock(mutex_);
    for (const auto& id : socket_ids) {
      const auto it = sockets_.find(id);
      if (it != sockets_.end()) targets.push_back(it->second);
    }
  }
  for (auto& s : targets) {
    s->on_strand(
        [packet, is_volatile](sio_socket& target) { target.send_packet(packet, is_volatile); });
  }
}

void sio_namespace::disconnect_socket(const std::string& socket_id, bool close) {
  const auto s = find_socket(socket_id);
  if (!s) return;
  s->on_strand([close](sio_socket& target) {
    const auto client = target.client();
    if (close && client) {
      client->disconnect_all_and_close();
    } else {
      target.close(disconnect_reason::server_namespace_disconnect, true);
    }
  });
}

void sio_namespace::add_child(const std::shared_ptr<sio_namespace>& child) {
  std::lock_guard lock(mutex_);
  std::erase_if(children_, [](const auto& w) { return w.expired(); });
  children_.push_back(child);
}

bool sio_namespace::broadcast(std::string_view event, args values, const broadcast_options& opts) {
  if (is_parent_) {
    // A dynamic parent has no sockets of its own: it broadcasts in each child namespace.
    std::vector<std::shared_ptr<sio_namespace>> children;
    {
      std::lock_guard lock(mutex_);
      for (const auto& w : children_) {
        if (auto c = w.lock()) children.push_back(std::move(c));
      }
    }
    for (const auto& c : children)
      c->broadcast(event, values, opts);
    return true;
  }
  const auto w = make_wire_packet(event_packet(name_, event, std::move(values)));
  adapter_->broadcast(*this, w, opts);
  return true;
}

void sio_namespace::broadcast_with_ack(std::string_view event, args values,
                                       const broadcast_options& opts,
                                       broadcast_operator::ack_callback cb) {
  if (!opts.flags.timeout) {
    throw std::invalid_argument("a broadcast with acks needs a timeout (timeout(ms))");
  }
  const std::uint64_t id = next_ack_id();
  const auto w = make_wire_packet(event_packet(name_, event, std::move(values), id));
  auto state = std::make_shared<broadcast_ack_state>();
  state->nodes = opts.flags.local ? 1 : adapter_->server_count();
  // The user's callback runs on an I/O thread (the last ack's or the timer's): never let it throw
  // into the library.
  state->callback = [cb = std::move(cb), log = log_ptr()](std::optional<ack_error> err,
                                                          std::vector<json> responses) {
    user_call(*log, "broadcast ack callback", cb, std::move(err), std::move(responses));
  };
  if (const auto srv = server()) {
    state->timer =
        std::make_unique<boost::asio::steady_timer>(boost::asio::make_strand(srv->io_context()));
    // Armed on its strand, like its cancel: the timer object is never touched concurrently.
    boost::asio::post(state->timer->get_executor(), [state, timeout = *opts.flags.timeout] {
      state->timer->expires_after(timeout);
      state->timer->async_wait([state](boost::system::error_code ec) {
        if (!ec) state->expire();
      });
    });
  }
  adapter_->broadcast_with_ack(
      *this, w, opts, [state](std::size_t count) { state->on_client_count(count); },
      [state](json response) { state->on_ack(std::move(response)); });
}

void sio_namespace::fetch_sockets(const broadcast_options& opts,
                                  std::function<void(std::vector<remote_socket>)> done) {
  // A cluster adapter completes on an I/O thread: the callback must not throw into it.
  adapter_->fetch_sockets(*this, opts,
                          [done = std::move(done), log = log_ptr()](std::vector<remote_socket> s) {
                            user_call(*log, "fetch_sockets callback", done, std::move(s));
                          });
}

void sio_namespace::sockets_join(const broadcast_options& opts,
                                 const std::set<std::string>& rooms) {
  adapter_->add_sockets(*this, opts, rooms);
}

void sio_namespace::sockets_leave(const broadcast_options& opts,
                                  const std::set<std::string>& rooms) {
  adapter_->del_sockets(*this, opts, rooms);
}

void sio_namespace::disconnect_sockets(const broadcast_options& opts, bool close) {
  adapter_->disconnect_sockets(*this, opts, close);
}

void sio_namespace::deliver_with_ack(const std::string& socket_id, const encoded_ptr& packet,
                                     bool is_volatile, std::chrono::milliseconds timeout,
                                     std::function<void(json)> on_ack) {
  const auto s = find_socket(socket_id);
  if (!s) return;
  const auto id = packet->packet.id.value_or(0);
  s->on_strand([packet, is_volatile, timeout, id, on_ack = std::move(on_ack)](sio_socket& target) {
    // The registration ends with the broadcast's timeout, so a client that never answers
    // leaves nothing behind.
    target.expect_ack(id, timeout, [on_ack](std::optional<ack_error> err, args response) {
      if (err) return;
      on_ack(response.empty() ? json() : std::move(response.front()));
    });
    target.send_packet(packet, is_volatile);
  });
}

void sio_namespace::join_socket(const std::string& socket_id, const std::set<std::string>& rooms) {
  join(socket_id, rooms);
}

void sio_namespace::leave_socket(const std::string& socket_id, const std::set<std::string>& rooms) {
  leave(socket_id, rooms);
}

std::optional<remote_socket> sio_namespace::describe_socket(const std::string& socket_id) {
  const auto s = find_socket(socket_id);
  if (!s || !s->connected()) return std::nullopt;
  remote_socket r;
  r.id = socket_id;
  r.handshake = s->handshake();
  r.rooms = adapter_->socket_rooms(socket_id);
  r.data = s->data();
  r.nsp = weak_from_this();
  return r;
}

void sio_namespace::add_server_side_handler(const std::string& event,
                                            std::function<void(const args&, ack)> h) {
  std::lock_guard lock(mutex_);
  server_side_.emplace(event, std::move(h));
}

void sio_namespace::server_side_emit(std::string_view event, args values) {
  if (event == "connect" || event == "connection" || event == "new_namespace") {
    throw std::invalid_argument("\"" + std::string(event) + "\" is a reserved event name");
  }
  // Single node: the other nodes' handlers would run; with none, nothing runs here (as in
  // the reference, which does not deliver a server-side emit to its own node).
  (void)values;
}

}  // namespace socketio::detail
