#include "source_socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace loadgen {

std::string open_bound_to(boost::asio::ip::tcp::socket& socket,
                          const boost::asio::ip::address_v4& source) {
  using tcp = boost::asio::ip::tcp;
  boost::system::error_code ec;
  socket.open(tcp::v4(), ec);
  if (ec) return "socket: " + ec.message();
  // Choose the ephemeral port at connect time, per 4-tuple, instead of at bind time, when it
  // would have to be unique per source address whatever the destination.
  const int one = 1;
  ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  socket.bind(tcp::endpoint(source, 0), ec);
  if (ec) return "bind: " + ec.message();
  return {};
}

}  // namespace loadgen
