#include "stream_link.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace loadgen {

void stream_link::reset() {
  const int fd = native_handle();
  if (fd >= 0) {
    const ::linger abortive{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
  }
  close();
}

bool stream_link::server_closed_unread() {
  const int fd = native_handle();
  if (fd < 0) return true;
  ::tcp_info info{};
  socklen_t size = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) return false;
  return info.tcpi_state == TCP_CLOSE_WAIT || info.tcpi_state == TCP_CLOSE ||
         info.tcpi_state == TCP_LAST_ACK;
}

bool stream_link::server_closed_after_stall() {
  const int fd = native_handle();
  if (fd < 0) return true;
  // A stalled client receives little (pings, a few room messages): this many reads of what is
  // left are far more than the socket's buffers can hold.
  std::array<char, 16384> sink;
  for (int i = 0; i < 1024; ++i) {
    const ssize_t n = ::recv(fd, sink.data(), sink.size(), MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET || errno == EPIPE;
  }
  return false;
}

}  // namespace loadgen
