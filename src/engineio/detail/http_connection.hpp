// One HTTP/1.1 connection: reads requests with Beast's parser and writes replies. The only
// translation unit that includes Beast.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>

namespace socketio::detail {

class http_listener;

/// Starts serving an accepted socket; the connection keeps itself alive while it has work.
void serve_http_connection(boost::asio::ip::tcp::socket socket,
                           std::shared_ptr<const http_listener> listener,
                           std::chrono::milliseconds request_timeout);

}  // namespace socketio::detail
