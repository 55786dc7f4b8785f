#include "redis/detail/adapter_base.hpp"

#include <boost/asio/strand.hpp>

#include <algorithm>

namespace socketio::detail::redis {

adapter_base::adapter_base(std::weak_ptr<adapter_host> host, std::shared_ptr<redis_link> link,
                           adapter_config config)
    : memory_adapter(std::move(host)), link_(std::move(link)), config_(std::move(config)) {}

void adapter_base::start() {
  const auto h = host();
  if (!h) return;
  nsp_name_ = h->name();
  strand_ = boost::asio::make_strand(h->executor());
  link_->attach(h->executor(),
                [weak = std::weak_ptr<adapter_host>(h)](log_level level, std::string_view m) {
                  if (const auto host = weak.lock()) host->log(level, m);
                });
  started_ = true;
}

void adapter_base::close(std::function<void()> done) {
  std::unordered_map<std::string, pending_request> requests;
  std::vector<std::pair<redis_subscription, std::string>> subs;
  {
    std::lock_guard lock(state_mutex_);
    if (closed_) {
      done();
      return;
    }
    closed_ = true;
    requests = std::move(requests_);
    ack_requests_.clear();
    subs = std::move(subscriptions_);
  }
  for (auto& [id, r] : requests)
    complete(r, ack_error{"the adapter is closed", r.received, r.expected, {}});
  for (const auto& [kind, channel] : subs)
    link_->unsubscribe(kind, {channel});
  if (started_) link_->detach();
  done();
}

void adapter_base::subscribe(redis_subscription kind, std::vector<std::string> channels) {
  {
    std::lock_guard lock(state_mutex_);
    if (closed_) return;
    for (const auto& c : channels)
      subscriptions_.emplace_back(kind, c);
  }
  std::weak_ptr<redis_listener> listener =
      std::dynamic_pointer_cast<redis_listener>(shared_from_this());
  link_->subscribe(kind, channels, listener);
}

void adapter_base::unsubscribe(redis_subscription kind, std::vector<std::string> channels) {
  {
    std::lock_guard lock(state_mutex_);
    if (closed_) return;
    for (const auto& c : channels) {
      std::erase_if(subscriptions_,
                    [&](const auto& s) { return s.first == kind && s.second == c; });
    }
  }
  link_->unsubscribe(kind, channels);
}

std::vector<remote_socket> adapter_base::local_fetch(const broadcast_options& opts) const {
  std::vector<remote_socket> out;
  if (const auto h = host()) {
    for (const auto& id : sockets(opts)) {
      if (auto s = h->describe_socket(id)) out.push_back(std::move(*s));
    }
  }
  return out;
}

std::vector<fetched_socket> adapter_base::local_fetch_wire(const broadcast_options& opts) const {
  std::vector<fetched_socket> out;
  for (auto& s : local_fetch(opts)) {
    fetched_socket f;
    f.id = s.id;
    f.handshake = handshake_to_json(s.handshake);
    f.rooms.assign(s.rooms.begin(), s.rooms.end());
    f.data = std::move(s.data);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<remote_socket> adapter_base::to_remote(
    const std::vector<fetched_socket>& sockets) const {
  std::vector<remote_socket> out;
  const auto h = host();
  if (!h) return out;
  for (const auto& f : sockets) {
    out.push_back(h->make_remote_socket(f.id, handshake_from_json(f.handshake),
                                        std::set<std::string>(f.rooms.begin(), f.rooms.end()),
                                        f.data));
  }
  return out;
}

void adapter_base::deliver_remote(const event_packet& packet, const broadcast_options& opts) {
  const auto h = host();
  if (!h) return;
  const auto ids = sockets(opts);
  if (ids.empty()) return;
  socketio::packet p;
  p.type = packet_type::event;
  p.nsp = nsp_name_;
  p.data = packet.data;
  // encode() turns inline binary into attachments for this node's clients.
  h->deliver_all(ids, h->encode(std::move(p)), opts.flags.is_volatile);
}

void adapter_base::deliver_remote_with_ack(const event_packet& packet,
                                           const broadcast_options& opts,
                                           const std::function<void(std::size_t)>& on_count,
                                           std::function<void(json)> on_ack) {
  const auto h = host();
  const auto ids = h ? sockets(opts) : std::vector<std::string>{};
  // Answered even when no socket matched: the requester counts one report per node
  // (PROTOCOL 4.2.6, answering obligation).
  on_count(ids.size());
  if (ids.empty()) return;
  socketio::packet p;
  p.type = packet_type::event;
  p.nsp = nsp_name_;
  p.id = h->next_ack_id();
  p.data = packet.data;
  const auto out = h->encode(std::move(p));
  // The reference keeps no deadline on the answering side; ours ends with the requester's.
  const auto timeout = opts.flags.timeout.value_or(config_.requests_timeout);
  for (const auto& id : ids)
    h->deliver_with_ack(id, out, opts.flags.is_volatile, timeout, on_ack);
}

void adapter_base::track(const std::string& id, pending_request request,
                         std::chrono::milliseconds timeout, timeout_text timeout_message) {
  if (!started_) {
    complete(request, ack_error{"the namespace is gone", 0, request.expected, {}});
    return;
  }
  std::weak_ptr<adapter> weak = weak_from_this();
  auto timer =
      one_shot_timer::start(strand_, timeout, [weak, id, msg = std::move(timeout_message)] {
        if (const auto self = std::static_pointer_cast<adapter_base>(weak.lock())) {
          self->expire(id, msg);
        }
      });
  request.timer = timer;
  bool closed = false;
  {
    std::lock_guard lock(state_mutex_);
    closed = closed_;
    if (!closed) requests_.emplace(id, std::move(request));
  }
  if (closed) {
    timer->cancel();
    complete(request, ack_error{"the adapter is closed", 0, request.expected, {}});
  }
}

bool adapter_base::update_request(const std::string& id,
                                  const std::function<bool(pending_request&)>& update) {
  std::optional<pending_request> done;
  {
    std::lock_guard lock(state_mutex_);
    const auto it = requests_.find(id);
    if (it == requests_.end()) return false;
    if (update(it->second)) {
      done = std::move(it->second);
      requests_.erase(it);
    }
  }
  if (done) {
    if (done->timer) done->timer->cancel();
    complete(*done, std::nullopt);
  }
  return true;
}

bool adapter_base::is_pending(const std::string& id) const {
  std::lock_guard lock(state_mutex_);
  return requests_.count(id) != 0;
}

void adapter_base::expire(const std::string& id, const timeout_text& message) {
  std::optional<pending_request> r;
  {
    std::lock_guard lock(state_mutex_);
    const auto it = requests_.find(id);
    if (it == requests_.end()) return;
    r = std::move(it->second);
    requests_.erase(it);
  }
  ack_error err{message(*r), r->received, r->expected, missing_nodes(*r)};
  complete(*r, std::move(err));
}

std::string adapter_base::name_of(const std::weak_ptr<adapter_host>& host) {
  const auto h = host.lock();
  return h ? h->name() : std::string("/");
}

wire_options adapter_base::broadcast_wire_options(const broadcast_options& opts) {
  wire_options w;
  w.opts = opts;
  w.opts.flags.local = false;
  w.expect_single_response = opts.flags.expect_single_response;
  return w;
}

event_packet adapter_base::wire_packet(const outgoing_packet& packet, const std::string& nsp) {
  event_packet p;
  p.data = packet.view().data;
  p.nsp = nsp;
  return p;
}

void adapter_base::server_count(std::function<void(std::size_t)> done) const {
  std::weak_ptr<const adapter> weak = weak_from_this();
  count_nodes([weak, done = std::move(done)](std::size_t n, const std::string& error) {
    if (!error.empty()) {
      // Without Redis this node is all it can reach.
      if (const auto self = std::static_pointer_cast<const adapter_base>(weak.lock())) {
        self->log(log_level::warning, "cannot count the nodes: " + error);
      }
      done(1);
      return;
    }
    done(std::max<std::size_t>(n, 1));
  });
}

void adapter_base::start_request(pending_request request, request_plan plan) {
  auto self = std::static_pointer_cast<adapter_base>(shared_from_this());
  count_nodes([self, request = std::move(request), plan = std::move(plan)](
                  std::size_t n, const std::string& error) mutable {
    if (!error.empty()) {
      complete(request, count_error(error));
      return;
    }
    if (n <= 1) {
      complete(request, std::nullopt);
      return;
    }
    const auto id = plan.make_id();
    request.expected = plan.counts_self ? n : n - 1;
    request.received = plan.counts_self ? 1 : 0;
    self->track(id, std::move(request), plan.timeout, std::move(plan.timeout_message));
    plan.publish(id);
  });
}

void adapter_base::complete(pending_request& r, std::optional<ack_error> error) {
  switch (r.what) {
    case pending_request::kind::fetch:
      if (r.fetch_done) r.fetch_done(std::move(error), std::move(r.sockets));
      break;
    case pending_request::kind::all_rooms:
      if (r.rooms_done) r.rooms_done(std::move(error), std::move(r.rooms));
      break;
    case pending_request::kind::server_side_emit:
      if (r.responses_done) r.responses_done(std::move(error), std::move(r.responses));
      break;
  }
}

void adapter_base::track_ack(const std::string& id, ack_request request,
                             std::chrono::milliseconds lifetime) {
  if (!started_) return;
  {
    std::lock_guard lock(state_mutex_);
    if (closed_) return;
    ack_requests_.emplace(id, std::move(request));
  }
  // Forgotten after the broadcast's timeout, as the reference does; late answers are dropped.
  std::weak_ptr<adapter> weak = weak_from_this();
  one_shot_timer::start(strand_, lifetime, [weak, id] {
    if (const auto self = std::static_pointer_cast<adapter_base>(weak.lock())) {
      std::lock_guard lock(self->state_mutex_);
      self->ack_requests_.erase(id);
    }
  });
}

std::optional<adapter_base::ack_request> adapter_base::find_ack(const std::string& id) const {
  std::lock_guard lock(state_mutex_);
  const auto it = ack_requests_.find(id);
  if (it == ack_requests_.end()) return std::nullopt;
  return it->second;
}

ack_error adapter_base::count_error(const std::string& why) {
  return ack_error{"cannot count the nodes of the cluster: " + why, 0, 0, {}};
}

void adapter_base::report_bad(std::string_view channel, std::string_view why) const {
  link_->report_bad_message(channel, why);
}

void adapter_base::log(log_level level, std::string_view message) const {
  if (const auto h = host()) h->log(level, message);
}

}  // namespace socketio::detail::redis
