// One HTTP/1.1 connection: reads requests with Beast's parser and writes replies. Beast is
// included only by the connection's own translation units (http_connection.cpp, and
// https_connection.cpp for TLS).
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>

#include "socketio/tls.hpp"

namespace boost::asio::ssl {
class context;
}

namespace socketio::detail {

class http_listener;

/// Starts serving an accepted socket; the connection keeps itself alive while it has work.
void serve_http_connection(boost::asio::ip::tcp::socket socket,
                           std::shared_ptr<const http_listener> listener,
                           std::chrono::milliseconds request_timeout);

/// The same over TLS: the handshake (bounded by `request_timeout`) with `context`, then HTTP.
/// With tls_listen_mode::plain_and_tls, a connection whose first byte is not a TLS handshake
/// record is served as plain HTTP instead. A failed handshake closes the connection (logged at
/// debug level).
void serve_tls_connection(boost::asio::ip::tcp::socket socket,
                          std::shared_ptr<const http_listener> listener,
                          std::chrono::milliseconds request_timeout,
                          std::shared_ptr<boost::asio::ssl::context> context, tls_listen_mode mode);

}  // namespace socketio::detail
