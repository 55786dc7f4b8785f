#include "redis/detail/wire_common.hpp"

#include <openssl/rand.h>

#include <array>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace socketio::detail::redis {

namespace {

template <std::size_t N>
std::array<unsigned char, N> random_bytes() {
  std::array<unsigned char, N> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // Without entropy there is no safe id to hand out; this is not a network input error.
    throw std::runtime_error("RAND_bytes failed");
  }
  return bytes;
}

// A room name as JavaScript's String(room) writes it, for a room that is a number.
std::optional<std::string> room_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return v.dump();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15)
      return std::to_string(static_cast<std::int64_t>(d));
    return v.dump();
  }
  return std::nullopt;
}

json set_to_json(const std::set<std::string>& rooms) {
  json out = json::array();
  for (const auto& r : rooms)
    out.push_back(r);
  return out;
}

std::optional<wire_error> set_from_json(const json* v, std::set<std::string>& out) {
  std::vector<std::string> list;
  if (auto err = wire::rooms_from_json(v, list)) return err;
  out.clear();
  out.insert(list.begin(), list.end());
  return {};
}

}  // namespace

std::string make_classic_uid() {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const auto bytes = random_bytes<6>();
  std::string id;
  for (unsigned char b : bytes)
    id.push_back(alphabet[b % alphabet.size()]);  // 256 is a multiple of 64: no bias
  return id;
}

std::string make_sharded_uid() {
  static constexpr std::string_view hex = "0123456789abcdef";
  const auto bytes = random_bytes<8>();
  std::string id;
  for (unsigned char b : bytes) {
    id.push_back(hex[b >> 4]);
    id.push_back(hex[b & 0xf]);
  }
  return id;
}

std::size_t js_length(std::string_view utf8) {
  std::size_t units = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xc0) == 0x80) continue;  // continuation byte
    units += (c >= 0xf0) ? 2 : 1;      // 4-byte sequences are surrogate pairs in UTF-16
  }
  return units;
}

namespace wire {

const json* member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::optional<wire_error> string_member(const json& obj, std::string_view key, std::string& out) {
  const json* v = member(obj, key);
  if (v == nullptr || !v->is_string())
    return wire_error{"missing string field " + std::string(key)};
  out = v->get<std::string>();
  return {};
}

std::optional<wire_error> optional_string_member(const json& obj, std::string_view key,
                                                 std::optional<std::string>& out) {
  const json* v = member(obj, key);
  if (v == nullptr) {
    out.reset();
    return {};
  }
  if (!v->is_string()) return wire_error{"field " + std::string(key) + " is not a string"};
  out = v->get<std::string>();
  return {};
}

std::optional<wire_error> count_member(const json& obj, std::string_view key, std::uint64_t& out) {
  const json* v = member(obj, key);
  if (v != nullptr && v->is_number_unsigned()) {
    out = v->get<std::uint64_t>();
    return {};
  }
  if (v != nullptr && v->is_number_integer() && v->get<std::int64_t>() >= 0) {
    out = static_cast<std::uint64_t>(v->get<std::int64_t>());
    return {};
  }
  if (v != nullptr && v->is_number_float()) {
    const double d = v->get<double>();
    if (d >= 0 && d < 9.0e15 && std::floor(d) == d) {
      out = static_cast<std::uint64_t>(d);
      return {};
    }
  }
  return wire_error{"field " + std::string(key) + " is not a count"};
}

bool truthy_member(const json& obj, std::string_view key) {
  const json* v = member(obj, key);
  if (v == nullptr || v->is_null()) return false;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_number()) {
    const double d = v->get<double>();
    return d != 0 && !std::isnan(d);
  }
  if (v->is_string()) return !v->get_ref<const std::string&>().empty();
  return true;  // objects, arrays, binary
}

std::optional<std::int64_t> type_member(const json& obj) {
  const json* v = member(obj, "type");
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer()) {
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > 1000) return std::nullopt;
    return v->get<std::int64_t>();
  }
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::floor(d) == d && std::fabs(d) <= 1000) return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::optional<wire_error> rooms_from_json(const json* v, std::vector<std::string>& out) {
  out.clear();
  if (v == nullptr || v->is_null()) return {};
  if (!v->is_array()) return wire_error{"room list is not an array"};
  out.reserve(v->size());
  for (const auto& item : *v) {
    auto text = room_text(item);
    if (!text) return wire_error{"room name is not a string"};
    out.push_back(std::move(*text));
  }
  return {};
}

json rooms_to_json(const std::vector<std::string>& rooms) {
  json out = json::array();
  for (const auto& r : rooms)
    out.push_back(r);
  return out;
}

json options_to_json(const wire_options& o, bool with_flags) {
  json flags = json::object();
  if (with_flags) {
    if (o.opts.flags.is_volatile) flags["volatile"] = true;
    if (!o.opts.flags.compress) flags["compress"] = false;
    if (o.expect_single_response) flags["expectSingleResponse"] = true;
    if (o.opts.flags.timeout) flags["timeout"] = o.opts.flags.timeout->count();
  }
  json out = json::object();
  out["rooms"] = set_to_json(o.opts.rooms);
  if (with_flags && o.emitter_key_order) out["flags"] = std::move(flags);
  out["except"] = set_to_json(o.opts.except);
  if (with_flags && !o.emitter_key_order) out["flags"] = std::move(flags);
  return out;
}

std::optional<wire_error> options_from_json(const json& v, wire_options& out) {
  if (!v.is_object()) return wire_error{"opts is not an object"};
  out = wire_options{};
  if (auto err = set_from_json(member(v, "rooms"), out.opts.rooms)) return err;
  if (auto err = set_from_json(member(v, "except"), out.opts.except)) return err;
  const json* flags = member(v, "flags");
  if (flags == nullptr || flags->is_null()) return {};
  if (!flags->is_object()) return wire_error{"opts.flags is not an object"};
  out.opts.flags.is_volatile = truthy_member(*flags, "volatile");
  // socket.io compresses unless compress is exactly false.
  const json* compress = member(*flags, "compress");
  out.opts.flags.compress =
      !(compress != nullptr && compress->is_boolean() && !compress->get<bool>());
  out.expect_single_response = truthy_member(*flags, "expectSingleResponse");
  if (const json* timeout = member(*flags, "timeout"); timeout != nullptr && timeout->is_number()) {
    const double ms = timeout->get<double>();
    if (!(ms >= 0 && ms < 9.0e15)) return wire_error{"opts.flags.timeout is out of range"};
    out.opts.flags.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(ms));
  }
  // The emitter writes flags before except; remember it so that its messages re-encode as-is.
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (it.key() == "except") break;
    if (it.key() == "flags") {
      out.emitter_key_order = true;
      break;
    }
  }
  return {};
}

json packet_to_json(const event_packet& p, bool with_nsp) {
  json out = json::object();
  out["type"] = p.type;
  out["data"] = p.data;
  if (with_nsp) out["nsp"] = p.nsp;
  return out;
}

std::optional<wire_error> packet_from_json(const json& v, event_packet& out) {
  if (!v.is_object()) return wire_error{"packet is not an object"};
  auto type = type_member(v);
  if (!type || *type < 0 || *type > 6) return wire_error{"packet.type is not a packet type"};
  out.type = static_cast<int>(*type);
  const json* data = member(v, "data");
  if (data == nullptr || !data->is_array()) return wire_error{"packet.data is not an array"};
  out.data = *data;
  // A missing nsp means the main namespace (PROTOCOL 4.2.3 step 3).
  const json* nsp = member(v, "nsp");
  out.nsp = (nsp != nullptr && nsp->is_string()) ? nsp->get<std::string>() : "/";
  return {};
}

json sockets_to_json(const std::vector<fetched_socket>& sockets) {
  json out = json::array();
  for (const auto& s : sockets) {
    json entry = json::object();
    entry["id"] = s.id;
    entry["handshake"] = s.handshake;
    entry["rooms"] = rooms_to_json(s.rooms);
    entry["data"] = s.data;
    out.push_back(std::move(entry));
  }
  return out;
}

std::optional<wire_error> sockets_from_json(const json& v, std::vector<fetched_socket>& out) {
  if (!v.is_array()) return wire_error{"sockets is not an array"};
  out.clear();
  out.reserve(v.size());
  for (const auto& entry : v) {
    fetched_socket s;
    if (!entry.is_object()) return wire_error{"socket entry is not an object"};
    if (auto err = string_member(entry, "id", s.id)) return err;
    const json* handshake = member(entry, "handshake");
    s.handshake = handshake != nullptr ? *handshake : json::object();
    if (auto err = rooms_from_json(member(entry, "rooms"), s.rooms)) return err;
    const json* data = member(entry, "data");
    s.data = data != nullptr ? *data : json(nullptr);
    out.push_back(std::move(s));
  }
  return {};
}

}  // namespace wire

}  // namespace socketio::detail::redis
