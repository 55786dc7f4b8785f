// The event names the library refuses, in one place. The reference has two lists: names a
// socket may not emit or receive (docs/PROTOCOL.md 2.8), and names a namespace keeps for its
// own events, which serverSideEmit refuses.
#pragma once

#include <string_view>

namespace socketio::detail {

/// connect, connect_error, disconnect, disconnecting, newListener, removeListener.
bool is_reserved_event(std::string_view name);
/// connect, connection, new_namespace.
bool is_reserved_server_side_event(std::string_view name);
/// Throws std::invalid_argument naming the event when is_reserved_event(name).
void check_event_name(std::string_view name);
void check_server_side_event_name(std::string_view name);

}  // namespace socketio::detail
