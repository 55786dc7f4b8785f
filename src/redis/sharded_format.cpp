#include "redis/detail/sharded_format.hpp"

#include <type_traits>
#include <utility>

#include "redis/detail/json_text.hpp"
#include "redis/detail/msgpack.hpp"

namespace socketio::detail::redis {

using wire::member;

namespace {

template <class T>
inline constexpr bool always_false = false;

template <class T>
constexpr sharded_type body_type() {
  if constexpr (std::is_same_v<T, sharded_broadcast>)
    return sharded_type::broadcast;
  else if constexpr (std::is_same_v<T, sharded_sockets_join>)
    return sharded_type::sockets_join;
  else if constexpr (std::is_same_v<T, sharded_sockets_leave>)
    return sharded_type::sockets_leave;
  else if constexpr (std::is_same_v<T, sharded_disconnect_sockets>)
    return sharded_type::disconnect_sockets;
  else if constexpr (std::is_same_v<T, sharded_fetch_sockets>)
    return sharded_type::fetch_sockets;
  else if constexpr (std::is_same_v<T, sharded_fetch_sockets_response>)
    return sharded_type::fetch_sockets_response;
  else if constexpr (std::is_same_v<T, sharded_server_side_emit>)
    return sharded_type::server_side_emit;
  else if constexpr (std::is_same_v<T, sharded_server_side_emit_response>)
    return sharded_type::server_side_emit_response;
  else if constexpr (std::is_same_v<T, sharded_broadcast_client_count>)
    return sharded_type::broadcast_client_count;
  else if constexpr (std::is_same_v<T, sharded_broadcast_ack>)
    return sharded_type::broadcast_ack;
  else
    static_assert(always_false<T>);
}

// `data` of the envelope, keys in the order ClusterAdapter builds them.
json body_to_json(const sharded_body& body) {
  json d = json::object();
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, sharded_no_data>) {
          d = nullptr;
        } else if constexpr (std::is_same_v<T, sharded_broadcast>) {
          d["packet"] = wire::packet_to_json(b.packet, false);
          if (b.request_id) d["requestId"] = *b.request_id;
          d["opts"] = wire::options_to_json(b.opts, true);
        } else if constexpr (std::is_same_v<T, sharded_sockets_join> ||
                             std::is_same_v<T, sharded_sockets_leave>) {
          d["opts"] = wire::options_to_json(b.opts, true);
          d["rooms"] = wire::rooms_to_json(b.rooms);
        } else if constexpr (std::is_same_v<T, sharded_disconnect_sockets>) {
          d["opts"] = wire::options_to_json(b.opts, true);
          d["close"] = b.close;
        } else if constexpr (std::is_same_v<T, sharded_fetch_sockets>) {
          d["opts"] = wire::options_to_json(b.opts, true);
          d["requestId"] = b.request_id;
        } else if constexpr (std::is_same_v<T, sharded_fetch_sockets_response>) {
          d["requestId"] = b.request_id;
          d["sockets"] = wire::sockets_to_json(b.sockets);
        } else if constexpr (std::is_same_v<T, sharded_server_side_emit>) {
          if (b.request_id) d["requestId"] = *b.request_id;
          d["packet"] = b.packet;
        } else if constexpr (std::is_same_v<T, sharded_broadcast_client_count>) {
          d["requestId"] = b.request_id;
          d["clientCount"] = b.client_count;
        } else {
          static_assert(std::is_same_v<T, sharded_server_side_emit_response> ||
                        std::is_same_v<T, sharded_broadcast_ack>);
          d["requestId"] = b.request_id;
          d["packet"] = b.packet;
        }
      },
      body);
  return d;
}

std::optional<wire_error> opts_of(const json& d, wire_options& out) {
  const json* opts = member(d, "opts");
  if (opts == nullptr) return wire_error{"data.opts is missing"};
  return wire::options_from_json(*opts, out);
}

result<sharded_body> body_from_json(sharded_type type, const json* data, const std::string& nsp) {
  if (type == sharded_type::initial_heartbeat || type == sharded_type::heartbeat ||
      type == sharded_type::adapter_close)
    return sharded_body{sharded_no_data{type}};
  if (data == nullptr || !data->is_object()) return wire_error{"envelope: data is not an object"};
  const json& d = *data;
  switch (type) {
    case sharded_type::broadcast: {
      sharded_broadcast b;
      const json* packet = member(d, "packet");
      if (packet == nullptr) return wire_error{"BROADCAST: no packet"};
      if (auto err = wire::packet_from_json(*packet, b.packet)) return *err;
      b.packet.nsp = nsp;
      if (auto err = wire::optional_string_member(d, "requestId", b.request_id)) return *err;
      if (auto err = opts_of(d, b.opts)) return *err;
      return sharded_body{std::move(b)};
    }
    case sharded_type::sockets_join:
    case sharded_type::sockets_leave: {
      wire_options opts;
      std::vector<std::string> rooms;
      if (auto err = opts_of(d, opts)) return *err;
      if (auto err = wire::rooms_from_json(member(d, "rooms"), rooms)) return *err;
      if (type == sharded_type::sockets_join)
        return sharded_body{sharded_sockets_join{std::move(opts), std::move(rooms)}};
      return sharded_body{sharded_sockets_leave{std::move(opts), std::move(rooms)}};
    }
    case sharded_type::disconnect_sockets: {
      sharded_disconnect_sockets b;
      if (auto err = opts_of(d, b.opts)) return *err;
      b.close = wire::truthy_member(d, "close");
      return sharded_body{std::move(b)};
    }
    case sharded_type::fetch_sockets: {
      sharded_fetch_sockets b;
      if (auto err = opts_of(d, b.opts)) return *err;
      if (auto err = wire::string_member(d, "requestId", b.request_id)) return *err;
      return sharded_body{std::move(b)};
    }
    case sharded_type::fetch_sockets_response: {
      sharded_fetch_sockets_response b;
      if (auto err = wire::string_member(d, "requestId", b.request_id)) return *err;
      const json* sockets = member(d, "sockets");
      if (sockets == nullptr) return wire_error{"FETCH_SOCKETS_RESPONSE: no sockets"};
      if (auto err = wire::sockets_from_json(*sockets, b.sockets)) return *err;
      return sharded_body{std::move(b)};
    }
    case sharded_type::server_side_emit: {
      sharded_server_side_emit b;
      if (auto err = wire::optional_string_member(d, "requestId", b.request_id)) return *err;
      const json* packet = member(d, "packet");
      if (packet == nullptr || !packet->is_array() || packet->empty())
        return wire_error{"SERVER_SIDE_EMIT: packet is not [event, ...args]"};
      b.packet = *packet;
      return sharded_body{std::move(b)};
    }
    case sharded_type::server_side_emit_response:
    case sharded_type::broadcast_ack: {
      std::string request_id;
      if (auto err = wire::string_member(d, "requestId", request_id)) return *err;
      const json* packet = member(d, "packet");
      json value = packet != nullptr ? *packet : json();
      if (type == sharded_type::broadcast_ack)
        return sharded_body{sharded_broadcast_ack{std::move(request_id), std::move(value)}};
      return sharded_body{
          sharded_server_side_emit_response{std::move(request_id), std::move(value)}};
    }
    case sharded_type::broadcast_client_count: {
      sharded_broadcast_client_count b;
      if (auto err = wire::string_member(d, "requestId", b.request_id)) return *err;
      if (auto err = wire::count_member(d, "clientCount", b.client_count)) return *err;
      return sharded_body{std::move(b)};
    }
    default:
      return wire_error{"envelope: unknown type"};
  }
}

}  // namespace

sharded_type type_of(const sharded_message& message) {
  return std::visit(
      [](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, sharded_no_data>)
          return b.type;
        else
          return body_type<T>();
      },
      message.body);
}

const std::string* request_id_of(const sharded_message& message) {
  return std::visit(
      [](const auto& b) -> const std::string* {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, sharded_no_data> ||
                      std::is_same_v<T, sharded_sockets_join> ||
                      std::is_same_v<T, sharded_sockets_leave> ||
                      std::is_same_v<T, sharded_disconnect_sockets>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, sharded_broadcast> ||
                             std::is_same_v<T, sharded_server_side_emit>) {
          return b.request_id ? &*b.request_id : nullptr;
        } else {
          return &b.request_id;
        }
      },
      message.body);
}

bool is_response(sharded_type type) {
  return type == sharded_type::fetch_sockets_response ||
         type == sharded_type::server_side_emit_response ||
         type == sharded_type::broadcast_client_count || type == sharded_type::broadcast_ack;
}

std::string encode_sharded(const sharded_message& message) {
  const sharded_type type = type_of(message);
  json envelope = json::object();
  envelope["type"] = static_cast<int>(type);
  json data = body_to_json(message.body);
  const bool binary_capable =
      type == sharded_type::broadcast || type == sharded_type::fetch_sockets_response ||
      type == sharded_type::server_side_emit || type == sharded_type::server_side_emit_response ||
      type == sharded_type::broadcast_ack;
  const bool binary = binary_capable && contains_binary(data);
  if (!data.is_null()) envelope["data"] = std::move(data);
  envelope["uid"] = message.uid;
  envelope["nsp"] = message.nsp;
  return binary ? msgpack_encode(envelope) : json_encode(envelope);
}

result<sharded_message> decode_sharded(std::string_view payload) {
  auto decoded = decode_payload(payload);
  if (!decoded) return decoded.error();
  const json& v = *decoded;
  if (!v.is_object()) return wire_error{"envelope: not an object"};
  const auto type = wire::type_member(v);
  if (!type || *type < 1 || *type > 13) return wire_error{"envelope: unknown type"};
  sharded_message out;
  // A message without a uid cannot be from this node: keep it with an empty uid.
  if (const json* uid = member(v, "uid"); uid != nullptr && uid->is_string())
    out.uid = uid->get<std::string>();
  if (auto err = wire::string_member(v, "nsp", out.nsp)) return *err;
  auto body = body_from_json(static_cast<sharded_type>(*type), member(v, "data"), out.nsp);
  if (!body) return body.error();
  out.body = std::move(*body);
  return out;
}

// --- channels ---

sharded_channels::sharded_channels(std::string_view prefix, std::string_view nsp) {
  main = std::string(prefix) + "#" + std::string(nsp) + "#";
}

std::string sharded_channels::response(std::string_view uid) const {
  std::string out = main;
  out.append(uid);
  out.push_back('#');
  return out;
}

std::string sharded_channels::room(std::string_view room) const {
  std::string out = main;
  out.append(room);
  out.push_back('#');
  return out;
}

std::string sharded_channels::publish_channel(const sharded_message& message,
                                              subscription_mode mode) const {
  if (const auto* b = std::get_if<sharded_broadcast>(&message.body);
      b != nullptr && uses_room_channel(mode, b->request_id.has_value(), b->opts.opts))
    return room(*b->opts.opts.rooms.begin());
  return main;
}

bool looks_like_socket_id(std::string_view room) {
  return js_length(room) == 20;
}

bool uses_room_channel(subscription_mode mode, bool has_request_id, const broadcast_options& opts) {
  // A broadcast with acks must reach every node: serverCount() counts all of them, not only
  // those subscribed to the room.
  if (mode == subscription_mode::static_mode || has_request_id || opts.rooms.size() != 1)
    return false;
  return mode == subscription_mode::dynamic_private || !looks_like_socket_id(*opts.rooms.begin());
}

bool subscribes_room_channel(subscription_mode mode, bool room_is_local_socket_id) {
  switch (mode) {
    case subscription_mode::static_mode:
      return false;
    case subscription_mode::dynamic:
      return !room_is_local_socket_id;
    case subscription_mode::dynamic_private:
      return true;
  }
  return false;
}

}  // namespace socketio::detail::redis
