// Builds against the installed headers and library, starts a server on a free loopback port,
// and checks that it answers an Engine.IO handshake. Also makes a Redis adapter factory (no
// connection is opened until a namespace uses it), so that socketio::redis and hiredis link.
// Built three ways: against the installed CMake package, through add_subdirectory, and with
// pkg-config (scripts/test.sh).
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <socketio/redis/adapter.hpp>
#include <socketio/socketio.hpp>

#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

bool redis_factory_ok() {
  if (!socketio::redis::make_adapter_factory({.url = "redis://127.0.0.1:6379"})) return false;
  try {
    (void)socketio::redis::make_adapter_factory({.url = "http://not-redis"});
  } catch (const std::invalid_argument&) {
    return true;
  }
  return false;
}

}  // namespace

int main() {
  if (!redis_factory_ok()) {
    std::cout << "consumer: redis::make_adapter_factory misbehaved\n";
    return 1;
  }
  boost::asio::io_context ioc;
  socketio::server io(ioc);
  io.on_connection([](socketio::socket s) { s.emit("hello", "consumer"); });
  const auto port = io.listen(0, "127.0.0.1");

  std::string reply;
  std::thread client([&] {
    boost::asio::io_context cctx;
    boost::asio::ip::tcp::socket sock(cctx);
    sock.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    const std::string request =
        "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Connection: close\r\n\r\n";
    boost::asio::write(sock, boost::asio::buffer(request));
    boost::system::error_code ec;
    boost::asio::read(sock, boost::asio::dynamic_buffer(reply), ec);  // until the server closes
    boost::asio::post(ioc, [&] {
      io.close();
      ioc.stop();
    });
  });
  ioc.run();
  client.join();
  const bool ok = reply.starts_with("HTTP/1.1 200 OK") &&
                  reply.find("\r\n\r\n0{\"sid\":\"") != std::string::npos;
  std::cout << (ok ? "consumer: handshake ok\n" : "consumer: unexpected reply:\n" + reply);
  return ok ? 0 : 1;
}
