// Builds against the installed headers and library, starts a server on a free loopback port,
// and checks that it answers an Engine.IO handshake.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <socketio/socketio.hpp>

#include <iostream>
#include <string>
#include <thread>

int main() {
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
