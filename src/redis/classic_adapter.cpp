#include "redis/detail/classic_adapter.hpp"

#include <type_traits>

namespace socketio::detail::redis {

namespace {

// Requests carry only rooms and except; flags (other than in BROADCAST) are not on the wire.
wire_options request_options(const broadcast_options& opts) {
  wire_options w;
  w.opts.rooms = opts.rooms;
  w.opts.except = opts.except;
  return w;
}

}  // namespace

classic_adapter::classic_adapter(std::weak_ptr<adapter_host> host, std::shared_ptr<redis_link> link,
                                 adapter_config config, bool specific_responses)
    : adapter_base(host, std::move(link), config),
      channels_(config.prefix, name_of(host)),
      specific_responses_(specific_responses) {
  set_uid(make_classic_uid());
}

void classic_adapter::init() {
  start();
  subscribe(redis_subscription::pattern, {channels_.pattern});
  subscribe(redis_subscription::channel,
            {channels_.request, channels_.response, channels_.specific_response(uid())});
}

void classic_adapter::on_redis_message(const redis_message& message) {
  if (message.kind == redis_subscription::pattern) {
    on_broadcast(message);
  } else if (message.channel == channels_.request) {
    on_request(message);
  } else {
    on_response(message);
  }
}

// --- broadcasts ---

void classic_adapter::broadcast(const outgoing_packet& packet, const broadcast_options& opts) {
  if (!opts.flags.local && packet) {
    classic_broadcast m{uid(), wire_packet(packet, nsp_name()), broadcast_wire_options(opts)};
    link().publish(false, channels_.broadcast_for(opts), encode_classic_broadcast(m));
  }
  // Local delivery never waits for Redis.
  adapter::broadcast(packet, opts);
}

void classic_adapter::on_broadcast(const redis_message& message) {
  // PROTOCOL 4.2.3: the room channel filter comes before decoding.
  const auto room = channels_.room_of(message.channel);
  if (!room) return;
  if (!room->empty() && !has_room(std::string(*room))) return;
  auto decoded = decode_classic_broadcast(message.payload);
  if (!decoded) {
    report_bad(message.channel, decoded.error().message);
    return;
  }
  if (decoded->uid == uid()) return;
  if (decoded->packet.nsp != nsp_name()) return;
  deliver_remote(decoded->packet, decoded->opts.opts);
}

void classic_adapter::broadcast_with_ack(const outgoing_packet& packet,
                                         const broadcast_options& opts,
                                         std::function<void(std::size_t)> on_client_count,
                                         std::function<void(json)> on_ack) {
  if (!opts.flags.local && packet) {
    const auto id = make_classic_uid();
    // Registered before publishing, so that our own echo is recognised (4.2.5).
    track_ack(id, {on_client_count, on_ack},
              opts.flags.timeout.value_or(config().requests_timeout));
    publish_request(classic_broadcast_request{uid(), id, wire_packet(packet, nsp_name()),
                                              broadcast_wire_options(opts)});
  }
  adapter::broadcast_with_ack(packet, opts, std::move(on_client_count), std::move(on_ack));
}

// --- requests this node sends ---

void classic_adapter::publish_request(const classic_request& request,
                                      std::function<void()> on_failed) {
  link().publish(false, channels_.request, encode_classic_request(request), std::move(on_failed));
}

void classic_adapter::publish_socket_request(const classic_request& request,
                                             std::function<void()> apply_locally) {
  publish_request(request, std::move(apply_locally));
}

void classic_adapter::add_sockets(const broadcast_options& opts,
                                  const std::set<std::string>& rooms) {
  if (opts.flags.local) {
    adapter::add_sockets(opts, rooms);
    return;
  }
  std::weak_ptr<adapter> weak = weak_from_this();
  publish_socket_request(
      classic_remote_join_request{uid(), request_options(opts), {rooms.begin(), rooms.end()}},
      [weak, opts, rooms] {
        if (const auto self = weak.lock()) self->adapter::add_sockets(opts, rooms);
      });
}

void classic_adapter::del_sockets(const broadcast_options& opts,
                                  const std::set<std::string>& rooms) {
  if (opts.flags.local) {
    adapter::del_sockets(opts, rooms);
    return;
  }
  std::weak_ptr<adapter> weak = weak_from_this();
  publish_socket_request(
      classic_remote_leave_request{uid(), request_options(opts), {rooms.begin(), rooms.end()}},
      [weak, opts, rooms] {
        if (const auto self = weak.lock()) self->adapter::del_sockets(opts, rooms);
      });
}

void classic_adapter::disconnect_sockets(const broadcast_options& opts, bool close) {
  if (opts.flags.local) {
    adapter::disconnect_sockets(opts, close);
    return;
  }
  std::weak_ptr<adapter> weak = weak_from_this();
  publish_socket_request(classic_remote_disconnect_request{uid(), request_options(opts), close},
                         [weak, opts, close] {
                           if (const auto self = weak.lock()) {
                             self->adapter::disconnect_sockets(opts, close);
                           }
                         });
}

void classic_adapter::count_nodes(std::function<void(std::size_t, std::string)> done) const {
  link().count_subscribers(false, channels_.request, std::move(done));
}

void classic_adapter::fetch_sockets(const broadcast_options& opts, fetch_callback done) {
  pending_request r;
  r.what = pending_request::kind::fetch;
  r.sockets = local_fetch(opts);
  r.fetch_done = std::move(done);
  if (opts.flags.local) return r.fetch_done(std::nullopt, std::move(r.sockets));
  auto self = std::static_pointer_cast<classic_adapter>(shared_from_this());
  start_request(std::move(r), {.counts_self = true,
                               .timeout = config().requests_timeout,
                               .timeout_message =
                                   [](const pending_request&) {
                                     return std::string(
                                         "timeout reached while waiting for fetchSockets response");
                                   },
                               .make_id = make_classic_uid,
                               .publish =
                                   [self, opts](const std::string& id) {
                                     self->publish_request(classic_remote_fetch_request{
                                         self->uid(), id, request_options(opts)});
                                   }});
}

void classic_adapter::all_rooms(rooms_callback done) const {
  pending_request r;
  r.what = pending_request::kind::all_rooms;
  r.rooms = rooms();
  r.rooms_done = std::move(done);
  auto self = std::const_pointer_cast<classic_adapter>(
      std::static_pointer_cast<const classic_adapter>(shared_from_this()));
  self->start_request(
      std::move(r),
      {.counts_self = true,
       .timeout = config().requests_timeout,
       .timeout_message =
           [](const pending_request&) {
             return std::string("timeout reached while waiting for allRooms response");
           },
       .make_id = make_classic_uid,
       .publish =
           [self](const std::string& id) {
             self->publish_request(classic_all_rooms_request{self->uid(), id});
           }});
}

void classic_adapter::server_side_emit(const args& values) {
  classic_server_side_emit_request r;
  r.uid = uid();
  r.data = json(values);
  publish_request(r);
}

void classic_adapter::server_side_emit_with_ack(const args& values,
                                                std::chrono::milliseconds timeout,
                                                responses_callback done) {
  pending_request r;
  r.what = pending_request::kind::server_side_emit;
  r.responses_done = std::move(done);
  auto self = std::static_pointer_cast<classic_adapter>(shared_from_this());
  start_request(std::move(r),
                {.counts_self = false,  // every node but this one answers
                 .timeout = timeout.count() > 0 ? timeout : config().requests_timeout,
                 .timeout_message =
                     [](const pending_request& p) {
                       return "timeout reached: only " + std::to_string(p.responses.size()) +
                              " responses received out of " + std::to_string(p.expected);
                     },
                 .make_id = make_classic_uid,
                 .publish =
                     [self, values](const std::string& id) {
                       classic_server_side_emit_request req;
                       req.uid = self->uid();
                       req.request_id = id;
                       req.data = json(values);
                       self->publish_request(req);
                     }});
}

// --- requests from other nodes (and our own echoes) ---

void classic_adapter::answer(const std::optional<std::string>& requester,
                             const classic_response& response) {
  // The reference writes `${request.uid}` into the channel name, "undefined" when absent.
  const auto channel = channels_.response_for(requester.value_or("undefined"), specific_responses_);
  link().publish(false, channel, encode_classic_response(response));
}

void classic_adapter::on_request(const redis_message& message) {
  auto decoded = decode_classic_request(message.payload);
  if (!decoded) {
    report_bad(message.channel, decoded.error().message);
    return;
  }
  const auto h = host();
  if (!h) return;
  std::visit(
      [&](auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, classic_sockets_request>) {
          if (is_pending(r.request_id)) return;
          broadcast_options o;
          o.rooms.insert(r.rooms.begin(), r.rooms.end());
          answer(r.uid, classic_sockets_response{r.request_id, sockets(o)});
        } else if constexpr (std::is_same_v<T, classic_all_rooms_request>) {
          if (is_pending(r.request_id)) return;
          const auto all = rooms();
          answer(r.uid, classic_all_rooms_response{r.request_id, {all.begin(), all.end()}});
        } else if constexpr (std::is_same_v<T, classic_remote_join_request>) {
          // Applied on every node, the requester's own echo included (4.2.5).
          adapter::add_sockets(r.opts.opts, {r.rooms.begin(), r.rooms.end()});
        } else if constexpr (std::is_same_v<T, classic_remote_leave_request>) {
          adapter::del_sockets(r.opts.opts, {r.rooms.begin(), r.rooms.end()});
        } else if constexpr (std::is_same_v<T, classic_remote_disconnect_request>) {
          adapter::disconnect_sockets(r.opts.opts, r.close);
        } else if constexpr (std::is_same_v<T, classic_legacy_socket_request>) {
          if (!h->describe_socket(r.sid)) return;
          if (r.type == classic_type::remote_join) {
            h->join_socket(r.sid, {r.room});
          } else if (r.type == classic_type::remote_leave) {
            h->leave_socket(r.sid, {r.room});
          } else {
            h->disconnect_socket(r.sid, r.close);
          }
          answer(r.uid, classic_legacy_response{r.request_id});
        } else if constexpr (std::is_same_v<T, classic_remote_fetch_request>) {
          if (is_pending(r.request_id)) return;
          answer(r.uid, classic_fetch_response{r.request_id, local_fetch_wire(r.opts.opts)});
        } else if constexpr (std::is_same_v<T, classic_server_side_emit_request>) {
          if (r.uid == uid()) return;
          if (!r.data.is_array() || r.data.empty() || !r.data[0].is_string()) {
            report_bad(message.channel, "server-side emit without an event name");
            return;
          }
          const auto event = r.data[0].template get<std::string>();
          args values(r.data.begin() + 1, r.data.end());
          ack reply;
          if (r.request_id) {
            // The first answer only (ack sends once), always on the shared channel (4.2.4).
            std::weak_ptr<redis_link> link = link_ptr();
            reply = ack([link, channel = channels_.response, id = *r.request_id](args a) {
              if (const auto l = link.lock()) {
                l->publish(false, channel,
                           encode_classic_response(classic_server_side_emit_response{
                               id, a.empty() ? json() : std::move(a.front())}));
              }
            });
          }
          h->server_side_event(event, std::move(values), std::move(reply));
        } else if constexpr (std::is_same_v<T, classic_broadcast_request>) {
          if (find_ack(r.request_id)) return;  // our own, echoed
          const auto channel = channels_.response_for(r.uid, specific_responses_);
          std::weak_ptr<redis_link> link = link_ptr();
          const auto id = r.request_id;
          deliver_remote_with_ack(
              r.packet, r.opts.opts,
              [&](std::size_t count) {
                link_ptr()->publish(
                    false, channel,
                    encode_classic_response(classic_client_count_response{id, count}));
              },
              [link, channel, id](json a) {
                if (const auto l = link.lock()) {
                  l->publish(false, channel,
                             encode_classic_response(classic_ack_response{id, std::move(a)}));
                }
              });
        }
      },
      *decoded);
}

void classic_adapter::on_response(const redis_message& message) {
  auto decoded = decode_classic_response(message.payload);
  if (!decoded) {
    report_bad(message.channel, decoded.error().message);
    return;
  }
  const auto& id = request_id_of(*decoded);
  if (auto a = find_ack(id)) {
    if (const auto* c = std::get_if<classic_client_count_response>(&*decoded)) {
      a->on_client_count(static_cast<std::size_t>(c->client_count));
    } else if (auto* k = std::get_if<classic_ack_response>(&*decoded)) {
      a->on_ack(std::move(k->packet));
    }
    return;
  }
  // Remote sockets are made before the request table is locked (they call into the host).
  std::vector<remote_socket> fetched;
  if (const auto* f = std::get_if<classic_fetch_response>(&*decoded))
    fetched = to_remote(f->sockets);
  update_request(id, [&](pending_request& r) {
    switch (r.what) {
      case pending_request::kind::fetch:
        ++r.received;
        for (auto& s : fetched)
          r.sockets.push_back(std::move(s));
        return r.received >= r.expected;
      case pending_request::kind::all_rooms:
        ++r.received;
        if (const auto* a = std::get_if<classic_all_rooms_response>(&*decoded)) {
          r.rooms.insert(a->rooms.begin(), a->rooms.end());
        }
        return r.received >= r.expected;
      case pending_request::kind::server_side_emit:
        if (auto* s = std::get_if<classic_server_side_emit_response>(&*decoded)) {
          ++r.received;
          r.responses.push_back(std::move(s->data));
        }
        return r.received >= r.expected;
    }
    return false;
  });
}

}  // namespace socketio::detail::redis
