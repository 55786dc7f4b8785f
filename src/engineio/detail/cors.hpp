// CORS response headers, following the npm `cors` middleware the reference uses
// (docs/PROTOCOL.md 1.12).
#pragma once

#include "common/detail/logger.hpp"
#include "engineio/detail/http_exchange.hpp"
#include "socketio/options.hpp"

namespace socketio::detail {

/// Headers for any response to this request (empty when CORS is off). `preflight` adds the
/// OPTIONS-only ones (methods, allowed headers, max age).
/// A throwing allow_origin predicate is reported to `log` and counts as "not allowed".
/// True when any origin is allowed (`*`, or no list and no predicate).
bool cors_allows_any(const cors_options& cors);

header_list cors_headers(const cors_options& cors, const http_exchange& request, bool preflight,
                         const logger& log);

}  // namespace socketio::detail
