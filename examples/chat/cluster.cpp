#include "cluster.hpp"

#include <stdexcept>

#include <socketio/redis/adapter.hpp>

namespace chat {

void install_cluster_adapter(socketio::server& io, boost::asio::io_context&,
                             const cluster_config& config) {
  // The chat server keeps every cross-node fact in the adapter (fetch_sockets for nicknames,
  // member lists and private messages; room broadcasts): installing the Redis adapter here is
  // all cluster mode needs.
  if (config.mode != "classic" && config.mode != "sharded") {
    throw std::runtime_error("--redis-mode is classic or sharded, not \"" + config.mode + "\"");
  }
  socketio::redis::adapter_options options;
  options.url = config.redis_url;
  options.mode = config.mode == "sharded" ? socketio::redis::adapter_mode::sharded
                                          : socketio::redis::adapter_mode::classic;
  try {
    io.adapter(socketio::redis::make_adapter_factory(options));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("--redis: ") + e.what());
  }
}

}  // namespace chat
