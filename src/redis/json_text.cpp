#include "redis/detail/json_text.hpp"

#include <cstdint>
#include <utility>

#include "redis/detail/msgpack.hpp"

namespace socketio::detail::redis {

namespace {

json buffers_as_objects(const json& value) {
  switch (value.type()) {
    case json::value_t::binary: {
      json data = json::array();
      for (std::uint8_t b : value.get_binary())
        data.push_back(b);
      return json{{"type", "Buffer"}, {"data", std::move(data)}};
    }
    case json::value_t::array: {
      json out = json::array();
      for (const auto& item : value)
        out.push_back(buffers_as_objects(item));
      return out;
    }
    case json::value_t::object: {
      json out = json::object();
      for (const auto& [key, item] : value.items())
        out[key] = buffers_as_objects(item);
      return out;
    }
    default:
      return value;
  }
}

bool within_depth(const json& value, std::size_t depth) {
  if (depth > max_wire_depth) return false;
  if (!value.is_structured()) return true;
  for (const auto& item : value)
    if (!within_depth(item, depth + 1)) return false;
  return true;
}

}  // namespace

bool contains_binary(const json& value) {
  if (value.is_binary()) return true;
  if (!value.is_structured()) return false;
  for (const auto& item : value)
    if (contains_binary(item)) return true;
  return false;
}

std::string json_encode(const json& value) {
  constexpr auto replace = json::error_handler_t::replace;
  // Copy only when there is a binary to rewrite; most messages have none.
  if (contains_binary(value)) return buffers_as_objects(value).dump(-1, ' ', false, replace);
  return value.dump(-1, ' ', false, replace);
}

result<json> json_decode(std::string_view text) {
  // nlohmann's parser keeps its own stack (no recursion), so the depth check can come after.
  json value = json::parse(text.begin(), text.end(), nullptr, false);
  if (value.is_discarded()) return wire_error{"json: malformed text"};
  if (!within_depth(value, 0)) return wire_error{"json: nesting too deep"};
  return value;
}

bool is_json_payload(std::string_view payload) {
  return !payload.empty() && payload[0] == '{';
}

result<json> decode_payload(std::string_view payload) {
  if (is_json_payload(payload)) return json_decode(payload);
  return msgpack_decode(payload);
}

}  // namespace socketio::detail::redis
