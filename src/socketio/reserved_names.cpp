#include "socketio/detail/reserved_names.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

namespace socketio::detail {

namespace {

constexpr std::array<std::string_view, 6> socket_reserved = {
    "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
};
constexpr std::array<std::string_view, 3> namespace_reserved = {
    "connect",
    "connection",
    "new_namespace",
};

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

[[noreturn]] void refuse(std::string_view name) {
  throw std::invalid_argument("\"" + std::string(name) + "\" is a reserved event name");
}

}  // namespace

bool is_reserved_event(std::string_view name) {
  return listed(socket_reserved, name);
}

bool is_reserved_server_side_event(std::string_view name) {
  return listed(namespace_reserved, name);
}

void check_event_name(std::string_view name) {
  if (is_reserved_event(name)) refuse(name);
}

void check_server_side_event_name(std::string_view name) {
  if (is_reserved_server_side_event(name)) refuse(name);
}

}  // namespace socketio::detail
