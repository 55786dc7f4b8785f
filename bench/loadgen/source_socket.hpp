// The first step of every client connection, over TCP or TLS: a socket bound to one of the
// loop's loopback source addresses, so that many connections fit beside each other.
#pragma once

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <string>

namespace loadgen {

// Opens `socket` (IPv4) and binds it to `source`, the port left to connect time. Returns ""
// on success, else what failed ("socket: …" or "bind: …"); after a failed bind the socket is
// still open, for its owner to close.
std::string open_bound_to(boost::asio::ip::tcp::socket& socket,
                          const boost::asio::ip::address_v4& source);

}  // namespace loadgen
