#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>

#include <stdexcept>

#include "common/detail/user_call.hpp"
#include "socketio/detail/core.hpp"
#include "socketio/detail/handle_access.hpp"

namespace socketio::detail {

namespace {

// Collects the acks of a broadcast. Each node reports how many sockets it sent the packet to;
// the broadcast completes when the cluster's node count is known, every node reported, and
// that many acks arrived (docs/PROTOCOL.md 2.6, 4.2.6), or fails at its timeout with the
// responses so far.
struct broadcast_ack_state : std::enable_shared_from_this<broadcast_ack_state> {
  std::mutex mutex;
  std::optional<std::size_t> nodes;  // how many client counts to wait for, once known
  std::size_t reports = 0;           // client counts received
  std::size_t expected = 0;          // sum of the client counts
  std::vector<json> responses;
  bool done = false;
  broadcast_operator::ack_callback callback;
  std::unique_ptr<boost::asio::steady_timer> timer;  // waited on and cancelled on its strand

  void on_node_count(std::size_t count) {
    std::unique_lock lock(mutex);
    if (done) return;
    nodes = count;
    complete_if_done(lock);
  }
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
    if (!nodes || reports < *nodes || responses.size() < expected) return;
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
    cb(ack_error{make_error_code(error::ack_timeout).message(), answered, want, {}},
       std::move(partial));
  }
};

}  // namespace

sio_namespace::sio_namespace(std::string name, std::weak_ptr<sio_server> server,
                             std::shared_ptr<sio_namespace> parent)
    : name_(std::move(name)), server_(std::move(server)), parent_(std::move(parent)) {}

void sio_namespace::install_adapter(const adapter_factory& factory) {
  const std::weak_ptr<adapter_host> weak = shared_from_this();
  std::shared_ptr<socketio::adapter> fresh =
      factory ? factory(weak) : std::make_shared<memory_adapter>(weak);
  if (!fresh) throw std::invalid_argument("the adapter factory returned no adapter");
  fresh->init();
  std::shared_ptr<socketio::adapter> old;
  {
    std::lock_guard lock(mutex_);
    old = std::exchange(adapter_, fresh);
  }
  if (old) old->close([] {});
}

std::shared_ptr<socketio::adapter> sio_namespace::adapter_ptr() const {
  std::lock_guard lock(mutex_);
  return adapter_;
}

boost::asio::any_io_executor sio_namespace::executor() const {
  const auto srv = server();
  return srv ? srv->executor() : boost::asio::any_io_executor{};
}

void sio_namespace::log(log_level level, std::string_view message) const {
  const auto l = log_ptr();
  if (!l->enabled(level)) return;
  l->log(level, "namespace " + name_ + ": " + std::string(message));
}

outgoing_packet sio_namespace::encode(socketio::packet p) const {
  p.nsp = name_;
  return outgoing_packet(make_wire_packet(std::move(p)));
}

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
  sockets_[std::string_view(s->id())] = s;
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

bool sio_namespace::has_socket(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return sockets_.count(id) != 0;
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
  if (!has_socket(socket_id)) return;
  const auto a = adapter_ptr();
  a->add_all(socket_id, rooms);
  // The socket may have closed between the check and the add: its close removes it from the
  // table before clearing its rooms, so seeing it gone now means our add may be stale.
  if (!has_socket(socket_id)) a->del_all(socket_id);
}

void sio_namespace::leave(const std::string& socket_id, const std::set<std::string>& rooms) {
  const auto a = adapter_ptr();
  for (const auto& room : rooms)
    a->del(socket_id, room);
}

void sio_namespace::forget_sockets() {
  std::lock_guard lock(mutex_);
  sockets_.clear();
}

std::size_t sio_namespace::size() const {
  std::lock_guard lock(mutex_);
  return sockets_.size();
}

void sio_namespace::deliver(const std::string& socket_id, const outgoing_packet& packet,
                            bool is_volatile) {
  const auto s = find_socket(socket_id);
  if (!s || !packet) return;
  // The packet was encoded once; every recipient queues the same immutable messages.
  s->on_strand([w = packet.encoded_form(), is_volatile](sio_socket& target) {
    target.send_packet(w, is_volatile);
  });
}

void sio_namespace::deliver_all(const std::vector<std::string>& socket_ids,
                                const outgoing_packet& packet, bool is_volatile) {
  if (!packet) return;
  // One lock for the whole lookup; the packet was encoded once and every recipient queues
  // the same immutable messages.
  std::vector<std::shared_ptr<sio_socket>> targets;
  targets.reserve(socket_ids.size());
  {
    std::lock_guard lock(mutex_);
    for (const auto& id : socket_ids) {
      const auto it = sockets_.find(id);
      if (it != sockets_.end()) targets.push_back(it->second);
    }
  }
  deliver_to(targets, packet.encoded_form(), is_volatile);
}

void sio_namespace::deliver_matching(const adapter& index, const broadcast_options& opts,
                                     const outgoing_packet& packet, bool is_volatile) {
  if (!packet) return;
  std::vector<std::shared_ptr<sio_socket>> targets;
  // The table's lock is taken per id, not across the walk: the index may be a user's adapter
  // calling back into this namespace, and one lock order (never the table's lock while the
  // adapter runs) rules out a deadlock.
  index.for_each_socket(opts, [&](const std::string& id) {
    std::lock_guard lock(mutex_);
    const auto it = sockets_.find(id);
    if (it != sockets_.end()) targets.push_back(it->second);
  });
  deliver_to(targets, packet.encoded_form(), is_volatile);
}

void sio_namespace::deliver_to(std::vector<std::shared_ptr<sio_socket>>& targets,
                               const wire_packet_ptr& w, bool is_volatile) {
  // Recipients on the lane running now are reached directly (under its cork when a read is
  // being handled); every other lane gets one hand-off with all of its recipients.
  struct lane_targets {
    std::shared_ptr<lane> home;
    bool here = false;
    std::vector<std::pair<std::shared_ptr<sio_socket>, std::shared_ptr<session>>> targets;
  };
  std::vector<lane_targets> lanes;
  for (auto& t : targets) {
    auto s = t->session_ptr();
    if (!s) continue;
    const auto& home = s->home();
    auto it = std::find_if(lanes.begin(), lanes.end(),
                           [&](const lane_targets& l) { return l.home == home; });
    if (it == lanes.end()) {
      lanes.push_back(lane_targets{home, home->running_here(), {}});
      if (!lanes.back().here) lanes.back().targets.reserve(targets.size());
      it = std::prev(lanes.end());
    }
    if (it->here) {
      t->send_packet(*s, w, is_volatile);
    } else {
      it->targets.emplace_back(std::move(t), std::move(s));
    }
  }
  for (auto& l : lanes) {
    if (l.here || l.targets.empty()) continue;
    l.home->hand_off(
        [w, is_volatile, batch = std::make_shared<decltype(l.targets)>(std::move(l.targets))] {
          for (const auto& [socket, s] : *batch)
            socket->send_packet(*s, w, is_volatile);
        });
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
  for (const auto& w : children_) {
    if (w.lock() == child) return;
  }
  children_.push_back(child);
}

std::vector<std::shared_ptr<sio_namespace>> sio_namespace::children() const {
  std::vector<std::shared_ptr<sio_namespace>> out;
  std::lock_guard lock(mutex_);
  for (const auto& w : children_) {
    if (auto c = w.lock()) out.push_back(std::move(c));
  }
  return out;
}

bool sio_namespace::broadcast(std::string_view event, args values, const broadcast_options& opts) {
  if (is_parent_) {
    // A dynamic parent has no sockets of its own: it broadcasts in each child namespace.
    check_event_name(event);
    for (const auto& c : children())
      c->broadcast(event, values, opts);
    return true;
  }
  const auto w = make_wire_packet(make_event_packet(name_, event, std::move(values)));
  adapter_ptr()->broadcast(outgoing_packet(w), opts);
  return true;
}

void sio_namespace::broadcast_with_ack(std::string_view event, args values,
                                       const broadcast_options& opts,
                                       broadcast_operator::ack_callback cb) {
  if (!opts.flags.timeout) {
    throw std::invalid_argument("a broadcast with acks needs a timeout (timeout(ms))");
  }
  const std::uint64_t id = next_ack_id();
  const auto w = make_wire_packet(make_event_packet(name_, event, std::move(values), id));
  const auto a = adapter_ptr();
  auto state = std::make_shared<broadcast_ack_state>();
  // The user's callback runs on an I/O thread (the last ack's or the timer's): never let it throw
  // into the library.
  state->callback = [cb = std::move(cb), log = log_ptr()](std::optional<ack_error> err,
                                                          std::vector<json> responses) {
    user_call(*log, "broadcast ack callback", cb, std::move(err), std::move(responses));
  };
  if (const auto srv = server()) {
    state->timer =
        std::make_unique<boost::asio::steady_timer>(boost::asio::make_strand(srv->executor()));
    // Armed on its strand, like its cancel: the timer object is never touched concurrently.
    boost::asio::post(state->timer->get_executor(), [state, timeout = *opts.flags.timeout] {
      state->timer->expires_after(timeout);
      state->timer->async_wait([state](boost::system::error_code ec) {
        if (!ec) state->expire();
      });
    });
  }
  a->broadcast_with_ack(
      outgoing_packet(w), opts, [state](std::size_t count) { state->on_client_count(count); },
      [state](json response) { state->on_ack(std::move(response)); });
  // A local broadcast involves this node only; otherwise the adapter knows the cluster size
  // (asynchronously: a cluster adapter may have to ask Redis).
  if (opts.flags.local) {
    state->on_node_count(1);
  } else {
    a->server_count([state](std::size_t n) { state->on_node_count(n); });
  }
}

void sio_namespace::fetch_sockets(const broadcast_options& opts, fetch_callback done) {
  // A cluster adapter completes on an I/O thread: the callback must not throw into it.
  adapter_ptr()->fetch_sockets(
      opts, [done = std::move(done), log = log_ptr()](std::optional<ack_error> err,
                                                      std::vector<remote_socket> s) {
        user_call(*log, "fetch_sockets callback", done, std::move(err), std::move(s));
      });
}

void sio_namespace::sockets_join(const broadcast_options& opts,
                                 const std::set<std::string>& rooms) {
  adapter_ptr()->add_sockets(opts, rooms);
}

void sio_namespace::sockets_leave(const broadcast_options& opts,
                                  const std::set<std::string>& rooms) {
  adapter_ptr()->del_sockets(opts, rooms);
}

void sio_namespace::disconnect_sockets(const broadcast_options& opts, bool close) {
  adapter_ptr()->disconnect_sockets(opts, close);
}

void sio_namespace::deliver_with_ack(const std::string& socket_id, const outgoing_packet& packet,
                                     bool is_volatile, std::chrono::milliseconds timeout,
                                     std::function<void(json)> on_ack) {
  const auto s = find_socket(socket_id);
  if (!s || !packet) return;
  const auto id = packet.view().id.value_or(0);
  s->on_strand([w = packet.encoded_form(), is_volatile, timeout, id,
                on_ack = std::move(on_ack)](sio_socket& target) {
    // The registration ends with the broadcast's timeout, so a client that never answers
    // leaves nothing behind.
    target.expect_ack(id, timeout, [on_ack](std::optional<ack_error> err, args response) {
      if (err) return;
      on_ack(response.empty() ? json() : std::move(response.front()));
    });
    target.send_packet(w, is_volatile);
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
  return remote_socket(weak_from_this(), socket_id, s->handshake(),
                       adapter_ptr()->socket_rooms(socket_id), s->data());
}

remote_socket sio_namespace::make_remote_socket(std::string id, socketio::handshake hs,
                                                std::set<std::string> rooms, json data) {
  return remote_socket(weak_from_this(), std::move(id), std::move(hs), std::move(rooms),
                       std::move(data));
}

void sio_namespace::add_server_side_handler(const std::string& event,
                                            std::function<void(const args&, ack)> h) {
  std::lock_guard lock(mutex_);
  server_side_.emplace(event, std::move(h));
}

void sio_namespace::server_side_event(const std::string& event, args values, ack reply) {
  std::vector<std::function<void(const args&, ack)>> handlers;
  {
    std::lock_guard lock(mutex_);
    const auto [first, last] = server_side_.equal_range(event);
    for (auto it = first; it != last; ++it)
      handlers.push_back(it->second);
  }
  const auto l = log_ptr();
  for (const auto& h : handlers) {
    user_call(
        *l, [&] { return "server-side handler for \"" + event + "\" on " + name_; }, h, values,
        reply);
  }
}

void sio_namespace::server_side_emit(std::string_view event, args values) {
  check_server_side_event_name(event);
  values.insert(values.begin(), json(std::string(event)));
  adapter_ptr()->server_side_emit(values);
}

void sio_namespace::server_side_emit_with_ack(std::string_view event, args values,
                                              std::chrono::milliseconds timeout,
                                              responses_callback done) {
  check_server_side_event_name(event);
  values.insert(values.begin(), json(std::string(event)));
  adapter_ptr()->server_side_emit_with_ack(values, timeout, std::move(done));
}

}  // namespace socketio::detail
