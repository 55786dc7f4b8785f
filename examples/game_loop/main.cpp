// A Socket.IO server inside a game loop: the loop owns the thread, polls the io_context between
// frames and emits the world state every tick; no thread of the library's own.
//
//   socketio-game-loop [--port N] [--ticks N]   (default 3000; 0 ticks: until SIGINT)
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <atomic>
#include <chrono>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>

#include "socketio/socketio.hpp"

int main(int argc, char** argv) {
  std::uint16_t port = 3000;
  long ticks = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--port") port = static_cast<std::uint16_t>(std::stoul(argv[i + 1]));
    if (flag == "--ticks") ticks = std::stol(argv[i + 1]);
  }

  boost::asio::io_context ioc;  // the program's own
  socketio::server io(ioc.get_executor());
  io.on("connection", [](socketio::socket s) {
    s.join("match");
    s.on("move", [s](const socketio::args& a, socketio::ack ack) {
      if (ack) ack("ok", a.size());
    });
  });
  std::cout << "listening " << io.listen(port, "127.0.0.1") << std::endl;

  std::atomic<bool> running = true;
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { running = false; });

  using namespace std::chrono_literals;
  long frame = 0;
  while (running && (ticks == 0 || frame < ticks)) {
    ioc.poll();  // runs what is ready, returns at once
    io.to("match").emit("tick", frame);
    ++frame;
    std::this_thread::sleep_for(16ms);  // the rest of the frame's work
  }
  bool closed = false;
  io.close([&] { closed = true; });  // every socket gone, adapters closed
  while (!closed && ioc.run_one() != 0) {
  }
  std::cout << "stopped after " << frame << " frames" << std::endl;
}
