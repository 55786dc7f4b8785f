// The Origin check of WebSocket upgrades (cors_options::check_websocket_origin). CORS only
// governs what a page may read from polling responses; a WebSocket is not subject to it, so a
// server with an origin allow-list refuses upgrades from other origins itself.
#pragma once

#include "common/detail/logger.hpp"
#include "engineio/detail/http_exchange.hpp"
#include "socketio/options.hpp"

namespace socketio::detail {

/// True when the check is on: CORS enabled with an allow-list (origins without "*", or the
/// allow_origin predicate) and check_websocket_origin set.
bool websocket_origin_checked(const cors_options& cors);

/// True when a WebSocket upgrade may proceed: the check is off, the request has no Origin
/// (not a browser), or its Origin is allowed. A throwing predicate refuses (and is logged).
bool websocket_origin_allowed(const cors_options& cors, const http_exchange& request,
                              const logger& log);

}  // namespace socketio::detail
