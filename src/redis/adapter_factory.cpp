// socketio::redis::make_adapter_factory: one Redis link per factory, one adapter per namespace.
#include "redis/detail/classic_adapter.hpp"
#include "redis/detail/sharded_adapter.hpp"
#include "socketio/redis/adapter.hpp"

namespace socketio::redis {

namespace {

detail::redis::subscription_mode to_detail(subscription_mode m) {
  switch (m) {
    case subscription_mode::static_mode:
      return detail::redis::subscription_mode::static_mode;
    case subscription_mode::dynamic_private:
      return detail::redis::subscription_mode::dynamic_private;
    case subscription_mode::dynamic:
      break;
  }
  return detail::redis::subscription_mode::dynamic;
}

}  // namespace

socketio::adapter_factory make_adapter_factory(adapter_options options) {
  detail::redis::link_options lo;
  lo.url = detail::parse_redis_url(options.url);  // throws std::invalid_argument
  lo.reconnect_initial_delay = options.reconnect_initial_delay;
  lo.reconnect_max_delay = options.reconnect_max_delay;
  if (options.requests_timeout.count() <= 0) {
    throw std::invalid_argument("requests_timeout must be positive");
  }
  auto link = std::make_shared<detail::redis::redis_link>(std::move(lo));
  detail::redis::adapter_config config;
  config.prefix = options.key;
  config.requests_timeout = options.requests_timeout;
  return [link, config,
          options](std::weak_ptr<adapter_host> host) -> std::shared_ptr<socketio::adapter> {
    if (options.mode == adapter_mode::sharded) {
      return std::make_shared<detail::redis::sharded_adapter>(std::move(host), link, config,
                                                              to_detail(options.subscriptions));
    }
    return std::make_shared<detail::redis::classic_adapter>(
        std::move(host), link, config, options.publish_on_specific_response_channel);
  };
}

}  // namespace socketio::redis
