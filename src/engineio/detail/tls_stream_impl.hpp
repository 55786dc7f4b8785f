// tls_stream's inside, for the two files that need it: tls_stream.cpp and the HTTPS connection
// that fills it.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <memory>

#include "engineio/detail/tls_stream.hpp"

namespace socketio::detail {

using tls_socket_stream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

struct tls_stream::impl {
  impl(tls_socket_stream s, std::shared_ptr<boost::asio::ssl::context> c)
      : stream(std::move(s)), context(std::move(c)) {}
  tls_socket_stream stream;
  // The context the connection was accepted with: a reload replaces the listener's, not this.
  std::shared_ptr<boost::asio::ssl::context> context;
};

}  // namespace socketio::detail
