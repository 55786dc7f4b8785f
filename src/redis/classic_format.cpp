#include "redis/detail/classic_format.hpp"

#include <type_traits>
#include <utility>

#include "redis/detail/json_text.hpp"
#include "redis/detail/msgpack.hpp"

namespace socketio::detail::redis {

using wire::member;

// --- channels ---

classic_channels::classic_channels(std::string_view key, std::string_view nsp) {
  const std::string k(key);
  const std::string n(nsp);
  broadcast = k + "#" + n + "#";
  pattern = broadcast + "*";
  request = k + "-request#" + n + "#";
  response = k + "-response#" + n + "#";
}

std::string classic_channels::room(std::string_view room) const {
  std::string out = broadcast;
  out.append(room);
  out.push_back('#');
  return out;
}

std::string classic_channels::specific_response(std::string_view uid) const {
  std::string out = response;
  out.append(uid);
  out.push_back('#');
  return out;
}

std::string classic_channels::broadcast_for(const broadcast_options& opts) const {
  return opts.rooms.size() == 1 ? room(*opts.rooms.begin()) : broadcast;
}

std::string classic_channels::response_for(std::string_view requester_uid, bool specific) const {
  return specific ? specific_response(requester_uid) : response;
}

std::optional<std::string_view> classic_channels::room_of(std::string_view channel) const {
  if (channel.size() < broadcast.size() || channel.substr(0, broadcast.size()) != broadcast)
    return std::nullopt;
  if (channel.size() == broadcast.size()) return std::string_view{};
  // channel.slice(prefix.length, -1): the last character is the closing '#'.
  return channel.substr(broadcast.size(), channel.size() - broadcast.size() - 1);
}

// --- broadcast ---

std::string encode_classic_broadcast(const classic_broadcast& message) {
  json arr = json::array();
  arr.push_back(message.uid);
  arr.push_back(wire::packet_to_json(message.packet, true));
  arr.push_back(wire::options_to_json(message.opts, true));
  return msgpack_encode(arr);
}

result<classic_broadcast> decode_classic_broadcast(std::string_view payload) {
  auto decoded = decode_payload(payload);
  if (!decoded) return decoded.error();
  const json& v = *decoded;
  if (!v.is_array() || v.size() < 3) return wire_error{"broadcast: not [uid, packet, opts]"};
  classic_broadcast out;
  if (!v[0].is_string()) return wire_error{"broadcast: uid is not a string"};
  out.uid = v[0].get<std::string>();
  if (auto err = wire::packet_from_json(v[1], out.packet)) return *err;
  if (auto err = wire::options_from_json(v[2], out.opts)) return *err;
  return out;
}

// --- requests ---

namespace {

json typed(classic_type t) {
  return static_cast<int>(t);
}

json request_to_json(const classic_request& request) {
  json o = json::object();
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, classic_sockets_request>) {
          if (r.uid) o["uid"] = *r.uid;
          o["requestId"] = r.request_id;
          o["type"] = typed(classic_type::sockets);
          o["rooms"] = wire::rooms_to_json(r.rooms);
        } else if constexpr (std::is_same_v<T, classic_all_rooms_request>) {
          o["uid"] = r.uid;
          o["requestId"] = r.request_id;
          o["type"] = typed(classic_type::all_rooms);
        } else if constexpr (std::is_same_v<T, classic_remote_join_request> ||
                             std::is_same_v<T, classic_remote_leave_request>) {
          if (r.uid) o["uid"] = *r.uid;
          o["type"] =
              typed(std::is_same_v<T, classic_remote_join_request> ? classic_type::remote_join
                                                                   : classic_type::remote_leave);
          o["opts"] = wire::options_to_json(r.opts, false);
          o["rooms"] = wire::rooms_to_json(r.rooms);
        } else if constexpr (std::is_same_v<T, classic_remote_disconnect_request>) {
          if (r.uid) o["uid"] = *r.uid;
          o["type"] = typed(classic_type::remote_disconnect);
          o["opts"] = wire::options_to_json(r.opts, false);
          o["close"] = r.close;
        } else if constexpr (std::is_same_v<T, classic_legacy_socket_request>) {
          if (r.uid) o["uid"] = *r.uid;
          o["requestId"] = r.request_id;
          o["type"] = typed(r.type);
          o["sid"] = r.sid;
          if (r.type == classic_type::remote_disconnect)
            o["close"] = r.close;
          else
            o["room"] = r.room;
        } else if constexpr (std::is_same_v<T, classic_remote_fetch_request>) {
          o["uid"] = r.uid;
          o["requestId"] = r.request_id;
          o["type"] = typed(classic_type::remote_fetch);
          o["opts"] = wire::options_to_json(r.opts, false);
        } else if constexpr (std::is_same_v<T, classic_server_side_emit_request>) {
          o["uid"] = r.uid;
          if (r.request_id) o["requestId"] = *r.request_id;
          o["type"] = typed(classic_type::server_side_emit);
          o["data"] = r.data;
        } else {
          static_assert(std::is_same_v<T, classic_broadcast_request>);
          o["uid"] = r.uid;
          o["requestId"] = r.request_id;
          o["type"] = typed(classic_type::broadcast);
          o["packet"] = wire::packet_to_json(r.packet, true);
          o["opts"] = wire::options_to_json(r.opts, true);
        }
      },
      request);
  return o;
}

// Requests that name their targets with opts, as join/leave/disconnect do since 7.x.
template <class T>
result<classic_request> decode_rooms_request(const json& v) {
  T r;
  if (auto err = wire::optional_string_member(v, "uid", r.uid)) return *err;
  if (auto err = wire::options_from_json(*member(v, "opts"), r.opts)) return *err;
  if (auto err = wire::rooms_from_json(member(v, "rooms"), r.rooms)) return *err;
  return classic_request{std::move(r)};
}

result<classic_request> decode_legacy(const json& v, classic_type type) {
  classic_legacy_socket_request r;
  r.type = type;
  if (auto err = wire::optional_string_member(v, "uid", r.uid)) return *err;
  if (auto err = wire::string_member(v, "requestId", r.request_id)) return *err;
  if (auto err = wire::string_member(v, "sid", r.sid)) return *err;
  if (type == classic_type::remote_disconnect) {
    r.close = wire::truthy_member(v, "close");
  } else if (auto err = wire::string_member(v, "room", r.room)) {
    return *err;
  }
  return classic_request{std::move(r)};
}

}  // namespace

std::string encode_classic_request(const classic_request& request) {
  json o = request_to_json(request);
  if (std::holds_alternative<classic_broadcast_request>(request)) return msgpack_encode(o);
  return json_encode(o);
}

result<classic_request> decode_classic_request(std::string_view payload) {
  auto decoded = decode_payload(payload);
  if (!decoded) return decoded.error();
  const json& v = *decoded;
  if (!v.is_object()) return wire_error{"request: not an object"};
  const auto type = wire::type_member(v);
  if (!type) return wire_error{"request: no type"};
  const bool has_opts = member(v, "opts") != nullptr;
  switch (*type) {
    case static_cast<int>(classic_type::sockets): {
      classic_sockets_request r;
      if (auto err = wire::optional_string_member(v, "uid", r.uid)) return *err;
      if (auto err = wire::string_member(v, "requestId", r.request_id)) return *err;
      if (auto err = wire::rooms_from_json(member(v, "rooms"), r.rooms)) return *err;
      return classic_request{std::move(r)};
    }
    case static_cast<int>(classic_type::all_rooms): {
      classic_all_rooms_request r;
      if (auto err = wire::string_member(v, "uid", r.uid)) return *err;
      if (auto err = wire::string_member(v, "requestId", r.request_id)) return *err;
      return classic_request{std::move(r)};
    }
    case static_cast<int>(classic_type::remote_join):
      if (!has_opts) return decode_legacy(v, classic_type::remote_join);
      return decode_rooms_request<classic_remote_join_request>(v);
    case static_cast<int>(classic_type::remote_leave):
      if (!has_opts) return decode_legacy(v, classic_type::remote_leave);
      return decode_rooms_request<classic_remote_leave_request>(v);
    case static_cast<int>(classic_type::remote_disconnect): {
      if (!has_opts) return decode_legacy(v, classic_type::remote_disconnect);
      classic_remote_disconnect_request r;
      if (auto err = wire::optional_string_member(v, "uid", r.uid)) return *err;
      if (auto err = wire::options_from_json(*member(v, "opts"), r.opts)) return *err;
      r.close = wire::truthy_member(v, "close");
      return classic_request{std::move(r)};
    }
    case static_cast<int>(classic_type::remote_fetch): {
      classic_remote_fetch_request r;
      if (auto err = wire::string_member(v, "uid", r.uid)) return *err;
      if (auto err = wire::string_member(v, "requestId", r.request_id)) return *err;
      if (!has_opts) return wire_error{"REMOTE_FETCH: no opts"};
      if (auto err = wire::options_from_json(*member(v, "opts"), r.opts)) return *err;
      return classic_request{std::move(r)};
    }
    case static_cast<int>(classic_type::server_side_emit): {
      classic_server_side_emit_request r;
      if (auto err = wire::string_member(v, "uid", r.uid)) return *err;
      if (auto err = wire::optional_string_member(v, "requestId", r.request_id)) return *err;
      const json* data = member(v, "data");
      if (data == nullptr || !data->is_array() || data->empty())
        return wire_error{"SERVER_SIDE_EMIT: data is not [event, ...args]"};
      r.data = *data;
      return classic_request{std::move(r)};
    }
    case static_cast<int>(classic_type::broadcast): {
      classic_broadcast_request r;
      if (auto err = wire::string_member(v, "uid", r.uid)) return *err;
      if (auto err = wire::string_member(v, "requestId", r.request_id)) return *err;
      const json* packet = member(v, "packet");
      if (packet == nullptr) return wire_error{"BROADCAST: no packet"};
      if (auto err = wire::packet_from_json(*packet, r.packet)) return *err;
      if (!has_opts) return wire_error{"BROADCAST: no opts"};
      if (auto err = wire::options_from_json(*member(v, "opts"), r.opts)) return *err;
      return classic_request{std::move(r)};
    }
    default:
      return wire_error{"request: unknown type"};
  }
}

// --- responses ---

std::string encode_classic_response(const classic_response& response) {
  json o = json::object();
  bool binary_format = false;
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, classic_sockets_response>) {
          o["requestId"] = r.request_id;
          o["sockets"] = wire::rooms_to_json(r.sockets);
        } else if constexpr (std::is_same_v<T, classic_all_rooms_response>) {
          o["requestId"] = r.request_id;
          o["rooms"] = wire::rooms_to_json(r.rooms);
        } else if constexpr (std::is_same_v<T, classic_fetch_response>) {
          o["requestId"] = r.request_id;
          o["sockets"] = wire::sockets_to_json(r.sockets);
        } else if constexpr (std::is_same_v<T, classic_legacy_response>) {
          o["requestId"] = r.request_id;
        } else if constexpr (std::is_same_v<T, classic_server_side_emit_response>) {
          o["type"] = typed(classic_type::server_side_emit);
          o["requestId"] = r.request_id;
          o["data"] = r.data;
        } else if constexpr (std::is_same_v<T, classic_client_count_response>) {
          o["type"] = typed(classic_type::broadcast_client_count);
          o["requestId"] = r.request_id;
          o["clientCount"] = r.client_count;
        } else {
          static_assert(std::is_same_v<T, classic_ack_response>);
          o["type"] = typed(classic_type::broadcast_ack);
          o["requestId"] = r.request_id;
          o["packet"] = r.packet;
          binary_format = true;
        }
      },
      response);
  return binary_format ? msgpack_encode(o) : json_encode(o);
}

result<classic_response> decode_classic_response(std::string_view payload) {
  auto decoded = decode_payload(payload);
  if (!decoded) return decoded.error();
  const json& v = *decoded;
  if (!v.is_object()) return wire_error{"response: not an object"};
  std::string request_id;
  if (auto err = wire::string_member(v, "requestId", request_id)) return *err;
  if (const json* type_field = member(v, "type"); type_field != nullptr) {
    const auto type = wire::type_member(v);
    if (type == static_cast<int>(classic_type::server_side_emit)) {
      const json* data = member(v, "data");
      return classic_response{
          classic_server_side_emit_response{std::move(request_id), data ? *data : json()}};
    }
    if (type == static_cast<int>(classic_type::broadcast_client_count)) {
      classic_client_count_response r{std::move(request_id), 0};
      if (auto err = wire::count_member(v, "clientCount", r.client_count)) return *err;
      return classic_response{std::move(r)};
    }
    if (type == static_cast<int>(classic_type::broadcast_ack)) {
      const json* packet = member(v, "packet");
      return classic_response{
          classic_ack_response{std::move(request_id), packet ? *packet : json()}};
    }
    return wire_error{"response: unknown type"};
  }
  if (const json* rooms = member(v, "rooms"); rooms != nullptr) {
    classic_all_rooms_response r{std::move(request_id), {}};
    if (auto err = wire::rooms_from_json(rooms, r.rooms)) return *err;
    return classic_response{std::move(r)};
  }
  if (const json* sockets = member(v, "sockets"); sockets != nullptr) {
    if (!sockets->is_array()) return wire_error{"response: sockets is not an array"};
    bool all_strings = !sockets->empty();
    for (const auto& s : *sockets)
      all_strings = all_strings && s.is_string();
    if (all_strings) {
      classic_sockets_response r{std::move(request_id), {}};
      if (auto err = wire::rooms_from_json(sockets, r.sockets)) return *err;
      return classic_response{std::move(r)};
    }
    classic_fetch_response r{std::move(request_id), {}};
    if (auto err = wire::sockets_from_json(*sockets, r.sockets)) return *err;
    return classic_response{std::move(r)};
  }
  return classic_response{classic_legacy_response{std::move(request_id)}};
}

const std::string& request_id_of(const classic_response& response) {
  return std::visit([](const auto& r) -> const std::string& { return r.request_id; }, response);
}

}  // namespace socketio::detail::redis
