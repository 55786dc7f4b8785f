#include "engineio/detail/cors.hpp"

#include <algorithm>

#include "common/detail/user_call.hpp"

namespace socketio::detail {

bool cors_allows_any(const cors_options& cors) {
  if (cors.allow_origin) return false;
  return cors.origins.empty() ||
         std::find(cors.origins.begin(), cors.origins.end(), "*") != cors.origins.end();
}

header_list cors_headers(const cors_options& cors, const http_exchange& request, bool preflight,
                         const logger& log) {
  header_list h;
  if (!cors.enabled) return h;
  const std::string_view origin = request.header("origin");
  if (cors_allows_any(cors)) {
    h.emplace_back("Access-Control-Allow-Origin", "*");
  } else if (!cors.allow_origin && cors.origins.size() == 1) {
    // A single fixed origin is always sent, whatever the request's Origin.
    h.emplace_back("Access-Control-Allow-Origin", cors.origins.front());
    h.emplace_back("Vary", "Origin");
  } else {
    const bool allowed =
        !origin.empty() &&
        (cors.allow_origin
             ? user_call(log, "cors allow_origin", cors.allow_origin, origin).value_or(false)
             : std::find(cors.origins.begin(), cors.origins.end(), origin) != cors.origins.end());
    if (allowed) h.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    h.emplace_back("Vary", "Origin");
  }
  if (cors.credentials) h.emplace_back("Access-Control-Allow-Credentials", "true");
  if (!preflight) {
    if (!cors.exposed_headers.empty()) {
      h.emplace_back("Access-Control-Expose-Headers", cors.exposed_headers);
    }
    return h;
  }
  h.emplace_back("Access-Control-Allow-Methods", cors.methods);
  if (!cors.allowed_headers.empty()) {
    h.emplace_back("Access-Control-Allow-Headers", cors.allowed_headers);
  } else {
    const std::string_view requested = request.header("access-control-request-headers");
    if (!requested.empty()) {
      h.emplace_back("Vary", "Access-Control-Request-Headers");
      h.emplace_back("Access-Control-Allow-Headers", std::string(requested));
    }
  }
  if (cors.max_age_seconds) {
    h.emplace_back("Access-Control-Max-Age", std::to_string(*cors.max_age_seconds));
  }
  return h;
}

}  // namespace socketio::detail
