// make_adapter_factory: setup mistakes are reported when the factory is made.
#include <gtest/gtest.h>

#include <stdexcept>

#include "socketio/redis/adapter.hpp"

namespace {

TEST(RedisAdapterFactory, RefusesABadUrl) {
  socketio::redis::adapter_options o;
  o.url = "http://127.0.0.1:6379";
  EXPECT_THROW(socketio::redis::make_adapter_factory(o), std::invalid_argument);
  o.url = "redis://127.0.0.1:notaport";
  EXPECT_THROW(socketio::redis::make_adapter_factory(o), std::invalid_argument);
}

TEST(RedisAdapterFactory, RefusesANonPositiveTimeout) {
  socketio::redis::adapter_options o;
  o.requests_timeout = std::chrono::milliseconds(0);
  EXPECT_THROW(socketio::redis::make_adapter_factory(o), std::invalid_argument);
}

TEST(RedisAdapterFactory, AcceptsTheDefaults) {
  // No connection is opened until a namespace asks for an adapter.
  EXPECT_TRUE(static_cast<bool>(socketio::redis::make_adapter_factory({})));
}

}  // namespace
