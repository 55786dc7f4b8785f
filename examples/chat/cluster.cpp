#include "cluster.hpp"

#include <stdexcept>

namespace chat {

void install_cluster_adapter(socketio::server&, boost::asio::io_context&,
                             const cluster_config& config) {
  // The chat server already keeps every cross-node fact in the adapter (fetch_sockets for
  // nicknames, member lists and private messages; room broadcasts): installing the Redis
  // adapter here is all cluster mode needs.
  throw std::runtime_error("cluster mode needs the Redis adapter (--redis " + config.redis_url +
                           ", --redis-mode " + config.mode + ")");
}

}  // namespace chat
