// The README's example, compiled with the project so that it stays true.
#include <boost/asio/io_context.hpp>
#include <socketio/socketio.hpp>

#include <iostream>

int main() {
  using namespace std::chrono_literals;
  boost::asio::io_context ioc;
  socketio::server io(ioc);  // path /socket.io/, Node's defaults

  io.use([](socketio::socket s, auto next) {  // connection middleware
    if (s.handshake().auth.value("token", "") == "bad") {
      return next(socketio::connect_error{"not authorized", socketio::json{{"retry", false}}});
    }
    next(std::nullopt);
  });
  io.on("connection", [](socketio::socket s) {
    s.join("lobby");
    s.on("chat", [s](const socketio::args& a, socketio::ack ack) {
      s.to("lobby").emit_args("chat", a);  // everyone in the lobby but the sender
      if (ack) ack("ok");
    });
    s.emit_with_ack("question", {42}, 5s, [s](auto err, socketio::args answer) {
      // err->message == "operation has timed out" when the client did not answer in time
      if (!err) s.emit_args("thanks", answer);
    });
    s.on("disconnect", [](const std::string& reason) {
      std::cout << "gone: " << reason << '\n';  // "transport close", "ping timeout", ...
    });
  });
  io.of(std::regex("^/room-[0-9]+$")).on_connection([](socketio::socket s) {
    s.emit("hi", s.nsp());
  });

  io.listen(3000, "127.0.0.1");
  ioc.run();  // or on several threads: every call above is safe from any thread
}
