// Cluster mode: the one place where the chat gets a cluster adapter.
#pragma once

#include <boost/asio/io_context.hpp>

#include <string>

#include <socketio/server.hpp>

namespace chat {

struct cluster_config {
  std::string redis_url;         // e.g. redis://127.0.0.1:6379
  std::string mode = "classic";  // "classic" (PUBLISH) or "sharded" (SPUBLISH)
};

/// Installs the Redis adapter on `io` (before listen). Throws std::runtime_error with a
/// message for the user when cluster mode cannot start.
void install_cluster_adapter(socketio::server& io, boost::asio::io_context& ioc,
                             const cluster_config& config);

}  // namespace chat
