// Unguessable identifiers for sessions and sockets.
#pragma once

#include <string>

namespace socketio::detail {

/// 120 bits from OpenSSL's CSPRNG as 20 URL-safe base64 characters, the same shape as the
/// reference server's ids (the Redis adapter's sharded mode relies on that length).
std::string make_random_id();

}  // namespace socketio::detail
