// One node of a Socket.IO cluster: every node started with the same --redis URL shares
// broadcasts, rooms and the server utilities with the others (C++ nodes and Node.js nodes
// with @socket.io/redis-adapter alike).
//
//   socketio-cluster-node --port 3001 --redis redis://127.0.0.1:6379 [--redis-mode sharded]
//
// Clients on any node: "say" (text) reaches every client of the cluster as "said" (node,
// text); "nodes" acks with the number of nodes; "who" acks with {ids, error}: every socket id
// of the cluster (and what went wrong when a node did not answer in time). A node greets the
// others with a server-side event when it starts.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "socketio/redis/adapter.hpp"
#include "socketio/socketio.hpp"

namespace {

[[noreturn]] void usage(std::string_view problem) {
  std::cerr << "socketio-cluster-node: " << problem
            << "\nusage: socketio-cluster-node --port N --redis URL [--redis-mode classic|sharded]"
               " [--host A]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t port = 3001;
  std::string host = "127.0.0.1";
  socketio::redis::adapter_options redis;
  bool have_redis = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) usage(std::string(flag) + " needs a value");
    const std::string value = argv[++i];
    if (flag == "--port") {
      port = static_cast<std::uint16_t>(std::stoul(value));
    } else if (flag == "--host") {
      host = value;
    } else if (flag == "--redis") {
      redis.url = value;
      have_redis = true;
    } else if (flag == "--redis-mode") {
      if (value != "classic" && value != "sharded") usage("--redis-mode is classic or sharded");
      redis.mode = value == "sharded" ? socketio::redis::adapter_mode::sharded
                                      : socketio::redis::adapter_mode::classic;
    } else {
      usage("unknown flag " + std::string(flag));
    }
  }
  if (!have_redis) usage("--redis URL is required");

  boost::asio::io_context ioc;
  socketio::server_options options;
  options.adapter = socketio::redis::make_adapter_factory(redis);
  socketio::server io(ioc, options);
  const std::string name = host + ":" + std::to_string(port);

  io.on("connection", [&io, name](socketio::socket s) {
    s.on("say", [&io, name](const socketio::args& a, socketio::ack) {
      if (a.empty() || !a[0].is_string() || a[0].get_ref<const std::string&>().size() > 2000) {
        return;  // only short texts travel
      }
      io.emit("said", name, a[0]);  // every client of every node
    });
    s.on("nodes", [&io](const socketio::args&, socketio::ack ack) {
      io.sockets().server_count([ack](std::size_t n) { ack(n); });
    });
    s.on("who", [&io](const socketio::args&, socketio::ack ack) {
      io.fetch_sockets([ack](std::optional<socketio::ack_error> err, auto sockets) {
        socketio::json ids = socketio::json::array();
        for (const auto& r : sockets)
          ids.push_back(r.id);
        ack(socketio::json{{"ids", ids}, {"error", err ? socketio::json(err->message) : nullptr}});
      });
    });
  });
  // Server-side events travel between nodes only: a node never hears its own.
  io.on("hello", [name](const socketio::args& a, socketio::ack) {
    std::cout << name << ": node " << (a.empty() ? "?" : a[0].dump()) << " joined the cluster"
              << std::endl;
  });

  port = io.listen(port, host);
  std::cout << "listening " << port << "\ncluster node http://" << host << ":" << port << " (Redis "
            << redis.url << ")" << std::endl;
  io.server_side_emit("hello", {name});

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.close([&] { ioc.stop(); }); });
  ioc.run();
}
