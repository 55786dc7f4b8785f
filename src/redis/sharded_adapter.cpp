#include "redis/detail/sharded_adapter.hpp"

#include <type_traits>

namespace socketio::detail::redis {

namespace {

constexpr std::size_t max_known_peers = 1024;

}  // namespace

sharded_adapter::sharded_adapter(std::weak_ptr<adapter_host> host, std::shared_ptr<redis_link> link,
                                 adapter_config config, subscription_mode mode)
    : adapter_base(host, std::move(link), config),
      channels_(config.prefix, name_of(host)),
      mode_(mode) {
  set_uid(make_sharded_uid());
  response_channel_ = channels_.response(uid());
}

void sharded_adapter::init() {
  start();
  subscribe(redis_subscription::shard, {channels_.main, response_channel_});
}

void sharded_adapter::on_room_created(const std::string& room) {
  if (mode_ == subscription_mode::static_mode) return;
  std::lock_guard lock(rooms_mutex_);
  // A room is private when it is one of this node's socket ids (4.3.1).
  const bool private_room = !socket_rooms(room).empty();
  if (!has_room(room) || !subscribes_room_channel(mode_, private_room)) return;
  if (room_channels_.insert(room).second)
    subscribe(redis_subscription::shard, {channels_.room(room)});
}

void sharded_adapter::on_room_deleted(const std::string& room) {
  if (mode_ == subscription_mode::static_mode) return;
  std::lock_guard lock(rooms_mutex_);
  if (has_room(room) || room_channels_.erase(room) == 0) return;
  unsubscribe(redis_subscription::shard, {channels_.room(room)});
}

void sharded_adapter::publish(sharded_body body) {
  sharded_message m{uid(), nsp_name(), std::move(body)};
  link().publish(true, channels_.publish_channel(m, mode_), encode_sharded(m));
}

void sharded_adapter::respond(const std::string& requester, sharded_body body) {
  sharded_message m{uid(), nsp_name(), std::move(body)};
  link().publish(true, channels_.response(requester), encode_sharded(m));
}

// --- operations this node starts ---

void sharded_adapter::broadcast(const outgoing_packet& packet, const broadcast_options& opts) {
  if (!opts.flags.local && packet) {
    publish(sharded_broadcast{wire_packet(packet, nsp_name()), std::nullopt,
                              broadcast_wire_options(opts)});
  }
  // Local delivery never waits for Redis (the reference awaits the publish first).
  adapter::broadcast(packet, opts);
}

void sharded_adapter::broadcast_with_ack(const outgoing_packet& packet,
                                         const broadcast_options& opts,
                                         std::function<void(std::size_t)> on_client_count,
                                         std::function<void(json)> on_ack) {
  if (!opts.flags.local && packet) {
    const auto id = make_sharded_uid();
    track_ack(id, {on_client_count, on_ack},
              opts.flags.timeout.value_or(config().requests_timeout));
    publish(sharded_broadcast{wire_packet(packet, nsp_name()), id, broadcast_wire_options(opts)});
  }
  adapter::broadcast_with_ack(packet, opts, std::move(on_client_count), std::move(on_ack));
}

// Join, leave and disconnect are applied here at once; our echo is dropped by uid (4.3.3).
void sharded_adapter::add_sockets(const broadcast_options& opts,
                                  const std::set<std::string>& rooms) {
  if (!opts.flags.local) {
    publish(sharded_sockets_join{broadcast_wire_options(opts), {rooms.begin(), rooms.end()}});
  }
  adapter::add_sockets(opts, rooms);
}

void sharded_adapter::del_sockets(const broadcast_options& opts,
                                  const std::set<std::string>& rooms) {
  if (!opts.flags.local) {
    publish(sharded_sockets_leave{broadcast_wire_options(opts), {rooms.begin(), rooms.end()}});
  }
  adapter::del_sockets(opts, rooms);
}

void sharded_adapter::disconnect_sockets(const broadcast_options& opts, bool close) {
  if (!opts.flags.local) publish(sharded_disconnect_sockets{broadcast_wire_options(opts), close});
  adapter::disconnect_sockets(opts, close);
}

void sharded_adapter::count_nodes(std::function<void(std::size_t, std::string)> done) const {
  link().count_subscribers(true, channels_.main, std::move(done));
}

std::string sharded_adapter::timeout_reached(const pending_request& p) {
  return "timeout reached: only " + std::to_string(p.received) + " responses received out of " +
         std::to_string(p.expected);
}

void sharded_adapter::fetch_sockets(const broadcast_options& opts, fetch_callback done) {
  pending_request r;
  r.what = pending_request::kind::fetch;
  r.sockets = local_fetch(opts);
  r.fetch_done = std::move(done);
  if (opts.flags.local) return r.fetch_done(std::nullopt, std::move(r.sockets));
  auto self = std::static_pointer_cast<sharded_adapter>(shared_from_this());
  start_request(std::move(r),
                {.counts_self = false,
                 .timeout = opts.flags.timeout.value_or(config().requests_timeout),
                 .timeout_message = timeout_reached,
                 .make_id = make_sharded_uid,
                 .publish = [self, opts](const std::string& id) {
                   self->publish(sharded_fetch_sockets{broadcast_wire_options(opts), id});
                 }});
}

void sharded_adapter::server_side_emit(const args& values) {
  sharded_server_side_emit m;
  m.packet = json(values);
  publish(std::move(m));
}

void sharded_adapter::server_side_emit_with_ack(const args& values,
                                                std::chrono::milliseconds timeout,
                                                responses_callback done) {
  pending_request r;
  r.what = pending_request::kind::server_side_emit;
  r.responses_done = std::move(done);
  auto self = std::static_pointer_cast<sharded_adapter>(shared_from_this());
  start_request(std::move(r), {.counts_self = false,
                               .timeout = timeout.count() > 0 ? timeout : config().requests_timeout,
                               .timeout_message = timeout_reached,
                               .make_id = make_sharded_uid,
                               .publish = [self, values](const std::string& id) {
                                 sharded_server_side_emit m;
                                 m.request_id = id;
                                 m.packet = json(values);
                                 self->publish(std::move(m));
                               }});
}

std::vector<std::string> sharded_adapter::missing_nodes(const pending_request& r) const {
  std::vector<std::string> out;
  std::lock_guard lock(rooms_mutex_);
  for (const auto& p : peers_) {
    if (r.responders.count(p) == 0) out.push_back(p);
  }
  return out;
}

// --- messages from Redis ---

void sharded_adapter::on_redis_message(const redis_message& message) {
  auto decoded = decode_sharded(message.payload);
  if (!decoded) {
    report_bad(message.channel, decoded.error().message);
    return;
  }
  if (decoded->uid != uid()) {
    std::lock_guard lock(rooms_mutex_);
    if (peers_.size() < max_known_peers) peers_.insert(decoded->uid);
  }
  if (message.channel == response_channel_) {
    on_response(std::move(*decoded));
  } else {
    on_message(std::move(*decoded));
  }
}

void sharded_adapter::on_message(sharded_message message) {
  if (message.uid == uid() || message.nsp != nsp_name()) return;
  if (is_response(type_of(message))) {
    on_response(std::move(message));
    return;
  }
  const auto h = host();
  if (!h) return;
  const std::string requester = message.uid;
  std::visit(
      [&](auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, sharded_broadcast>) {
          if (!b.request_id) {
            deliver_remote(b.packet, b.opts.opts);
            return;
          }
          std::weak_ptr<adapter> weak = weak_from_this();
          const auto id = *b.request_id;
          deliver_remote_with_ack(
              b.packet, b.opts.opts,
              [&](std::size_t count) {
                respond(requester, sharded_broadcast_client_count{id, count});
              },
              [weak, requester, id](json a) {
                if (const auto self = std::static_pointer_cast<sharded_adapter>(weak.lock())) {
                  self->respond(requester, sharded_broadcast_ack{id, std::move(a)});
                }
              });
        } else if constexpr (std::is_same_v<T, sharded_sockets_join>) {
          adapter::add_sockets(b.opts.opts, {b.rooms.begin(), b.rooms.end()});
        } else if constexpr (std::is_same_v<T, sharded_sockets_leave>) {
          adapter::del_sockets(b.opts.opts, {b.rooms.begin(), b.rooms.end()});
        } else if constexpr (std::is_same_v<T, sharded_disconnect_sockets>) {
          adapter::disconnect_sockets(b.opts.opts, b.close);
        } else if constexpr (std::is_same_v<T, sharded_fetch_sockets>) {
          respond(requester,
                  sharded_fetch_sockets_response{b.request_id, local_fetch_wire(b.opts.opts)});
        } else if constexpr (std::is_same_v<T, sharded_server_side_emit>) {
          if (!b.packet.is_array() || b.packet.empty() || !b.packet[0].is_string()) return;
          const auto event = b.packet[0].template get<std::string>();
          args values(b.packet.begin() + 1, b.packet.end());
          ack reply;
          if (b.request_id) {
            std::weak_ptr<adapter> weak = weak_from_this();
            reply = ack([weak, requester, id = *b.request_id](args a) {
              if (const auto self = std::static_pointer_cast<sharded_adapter>(weak.lock())) {
                self->respond(requester, sharded_server_side_emit_response{
                                             id, a.empty() ? json() : std::move(a.front())});
              }
            });
          }
          h->server_side_event(event, std::move(values), std::move(reply));
        }
      },
      message.body);
}

void sharded_adapter::on_response(sharded_message message) {
  const auto* id_ptr = request_id_of(message);
  if (id_ptr == nullptr) return;
  const std::string id = *id_ptr;
  if (auto a = find_ack(id)) {
    if (const auto* c = std::get_if<sharded_broadcast_client_count>(&message.body)) {
      a->on_client_count(static_cast<std::size_t>(c->client_count));
    } else if (auto* k = std::get_if<sharded_broadcast_ack>(&message.body)) {
      a->on_ack(std::move(k->packet));
    }
    return;
  }
  std::vector<remote_socket> fetched;
  if (const auto* f = std::get_if<sharded_fetch_sockets_response>(&message.body)) {
    fetched = to_remote(f->sockets);
  }
  update_request(id, [&](pending_request& r) {
    if (r.what == pending_request::kind::fetch &&
        std::holds_alternative<sharded_fetch_sockets_response>(message.body)) {
      ++r.received;
      r.responders.insert(message.uid);
      for (auto& s : fetched)
        r.sockets.push_back(std::move(s));
    } else if (r.what == pending_request::kind::server_side_emit) {
      if (auto* s = std::get_if<sharded_server_side_emit_response>(&message.body)) {
        ++r.received;
        r.responders.insert(message.uid);
        r.responses.push_back(std::move(s->packet));
      }
    }
    return r.received >= r.expected;
  });
}

}  // namespace socketio::detail::redis
