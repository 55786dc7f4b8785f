// Serving connections the host accepted itself (its own acceptor or HTTP server), for hosts
// that already own a listening socket. Includes Asio's TCP header, unlike the other headers.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include "socketio/server.hpp"

namespace socketio {

/// Hands an accepted TCP connection to `io`: its HTTP requests are read and routed to the
/// Socket.IO path (and to any raw Engine.IO server added with also_serve); requests for other
/// paths get 404. Safe from any thread; the socket may use any executor of `io`'s io_context.
void serve_connection(server& io, boost::asio::ip::tcp::socket socket);

}  // namespace socketio
