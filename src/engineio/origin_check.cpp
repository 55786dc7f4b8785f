#include "engineio/detail/origin_check.hpp"

#include <algorithm>

#include "common/detail/user_call.hpp"
#include "engineio/detail/cors.hpp"

namespace socketio::detail {

bool websocket_origin_checked(const cors_options& cors) {
  return cors.enabled && cors.check_websocket_origin && !cors_allows_any(cors);
}

bool websocket_origin_allowed(const cors_options& cors, const http_exchange& request,
                              const logger& log) {
  if (!websocket_origin_checked(cors)) return true;
  // Browsers always send Origin on a WebSocket handshake (RFC 6455 4.1, item 8). A request
  // without it comes from a program, which could send any Origin it liked: refusing it would
  // protect nothing and break non-browser clients (the Node, Python and C++ clients).
  if (!request.has_header("origin")) return true;
  const std::string_view origin = request.header("origin");
  if (cors.allow_origin) {
    return user_call(log, "cors allow_origin", cors.allow_origin, origin).value_or(false);
  }
  return std::find(cors.origins.begin(), cors.origins.end(), origin) != cors.origins.end();
}

}  // namespace socketio::detail
