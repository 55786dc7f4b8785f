// CORS options the engine refuses at construction: credentials with any origin (browsers refuse
// `*` with credentials, and reflecting every Origin would let any site send credentials).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <stdexcept>

#include "socketio/engine.hpp"

namespace {

socketio::engine_options with_cors(socketio::cors_options cors) {
  socketio::engine_options o;
  o.cors = std::move(cors);
  return o;
}

TEST(CorsOptions, CredentialsWithAnyOriginAreRefused) {
  boost::asio::io_context io;
  socketio::cors_options any;
  any.enabled = true;
  any.credentials = true;
  EXPECT_THROW(socketio::engine::server(io, with_cors(any)), std::invalid_argument);
  any.origins = {"https://a.example", "*"};
  EXPECT_THROW(socketio::engine::server(io, with_cors(any)), std::invalid_argument);
}

TEST(CorsOptions, CredentialsWithAListOrAPredicateAreAccepted) {
  boost::asio::io_context io;
  socketio::cors_options listed;
  listed.enabled = true;
  listed.credentials = true;
  listed.origins = {"https://a.example"};
  EXPECT_NO_THROW(socketio::engine::server(io, with_cors(listed)));
  socketio::cors_options predicate;
  predicate.enabled = true;
  predicate.credentials = true;
  predicate.allow_origin = [](std::string_view origin) { return origin == "https://a.example"; };
  EXPECT_NO_THROW(socketio::engine::server(io, with_cors(predicate)));
  // Any origin without credentials stays allowed (`Access-Control-Allow-Origin: *`).
  socketio::cors_options any;
  any.enabled = true;
  EXPECT_NO_THROW(socketio::engine::server(io, with_cors(any)));
}

}  // namespace
