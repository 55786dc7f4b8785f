// socketio-chat: a chat server with its web page (examples/chat/public) and the socket.io
// client bundle, on one port.
//
//   socketio-chat [--port 3000] [--host 127.0.0.1] [--public DIR] [--client-bundle FILE]
//                 [--redis URL [--redis-mode classic|sharded]] [--tls-cert PEM --tls-key PEM]
//
// With --tls-cert and --tls-key (PEM files) the page and the chat are served over https/wss.
// Prints `listening <port>`, then the URL to open. Exits 0 on SIGTERM or SIGINT.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <socketio/socketio.hpp>

#include "chat_server.hpp"
#include "cluster.hpp"

namespace {

namespace fs = std::filesystem;

struct options {
  std::uint16_t port = 3000;
  std::string host = "127.0.0.1";
  fs::path public_dir;
  fs::path client_bundle;
  std::optional<chat::cluster_config> cluster;
  std::string tls_cert;
  std::string tls_key;
};

[[noreturn]] void usage(const std::string& error) {
  std::cerr << "socketio-chat: " << error << "\n"
            << "usage: socketio-chat [--port N] [--host ADDRESS] [--public DIR]\n"
            << "                     [--client-bundle FILE] [--redis URL] [--redis-mode "
               "classic|sharded]\n"
            << "                     [--tls-cert PEM --tls-key PEM]\n";
  std::exit(2);
}

// The first existing candidate: the build's source directory (set by CMake), then the
// current directory.
fs::path default_path(const fs::path& relative) {
#ifdef SOCKETIO_CHAT_SOURCE_DIR
  const fs::path from_source = fs::path(SOCKETIO_CHAT_SOURCE_DIR) / relative;
  if (std::error_code ec; fs::exists(from_source, ec)) return from_source;
#endif
  return fs::current_path() / relative;
}

options parse(int argc, char** argv) {
  options o;
  std::optional<std::string> redis;
  std::string redis_mode = "classic";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "--port") {
      const auto v = value();
      unsigned p = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), p);
      if (ec != std::errc() || end != v.data() + v.size() || p > 65535) usage("bad port " + v);
      o.port = static_cast<std::uint16_t>(p);
    } else if (arg == "--host") {
      o.host = value();
    } else if (arg == "--public") {
      o.public_dir = value();
    } else if (arg == "--client-bundle") {
      o.client_bundle = value();
    } else if (arg == "--redis") {
      redis = value();
    } else if (arg == "--redis-mode") {
      redis_mode = value();
      if (redis_mode != "classic" && redis_mode != "sharded") {
        usage("--redis-mode is classic or sharded");
      }
    } else if (arg == "--tls-cert") {
      o.tls_cert = value();
    } else if (arg == "--tls-key") {
      o.tls_key = value();
    } else if (arg == "--help" || arg == "-h") {
      usage("a chat server with its web page");
    } else {
      usage("unknown argument " + std::string(arg));
    }
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) usage("--tls-cert and --tls-key go together");
  if (redis) o.cluster = chat::cluster_config{*redis, redis_mode};
  if (o.public_dir.empty()) o.public_dir = default_path("public");
  if (o.client_bundle.empty()) {
    o.client_bundle = default_path("node_modules/socket.io-client/dist/socket.io.min.js");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  const auto opts = parse(argc, argv);
  std::error_code ec;
  if (!fs::is_regular_file(opts.public_dir / "index.html", ec)) {
    std::cerr << "socketio-chat: no index.html in " << opts.public_dir
              << " (set the page's directory with --public)\n";
    return 1;
  }
  if (!fs::is_regular_file(opts.client_bundle, ec)) {
    std::cerr << "socketio-chat: the socket.io client bundle " << opts.client_bundle
              << " is missing: run `npm ci` in examples/chat, or pass --client-bundle FILE\n";
    return 1;
  }

  boost::asio::io_context ioc;
  socketio::server_options so;
  so.static_files.root = opts.public_dir.string();
  // As Node's serveClient: the bundle (and its source map) under the Socket.IO path.
  so.static_files.files.emplace_back("/socket.io/socket.io.min.js", opts.client_bundle.string());
  so.static_files.files.emplace_back("/socket.io/socket.io.min.js.map",
                                     opts.client_bundle.string() + ".map");
  socketio::server io(ioc, so);

  if (opts.cluster) {
    try {
      chat::install_cluster_adapter(io, ioc, *opts.cluster);
    } catch (const std::exception& e) {
      std::cerr << "socketio-chat: " << e.what() << '\n';
      return 1;
    }
  }
  chat::chat_server chat(io);

  std::uint16_t port = 0;
  try {
    if (opts.tls_cert.empty()) {
      port = io.listen(opts.port, opts.host);
    } else {
      socketio::tls_options tls;
      tls.certificate_chain_file = opts.tls_cert;
      tls.private_key_file = opts.tls_key;
      port = io.listen(opts.port, tls, opts.host);
    }
  } catch (const std::exception& e) {
    std::cerr << "socketio-chat: cannot listen on " << opts.host << ':' << opts.port << ": "
              << e.what() << '\n';
    return 1;
  }
  const auto url_host = opts.host == "0.0.0.0" ? std::string("127.0.0.1") : opts.host;
  std::cout << "listening " << port << '\n'
            << "chat: open " << (opts.tls_cert.empty() ? "http" : "https") << "://" << url_host
            << ':' << port << "/" << std::endl;

  // SIGTERM/SIGINT: close every connection ("server shutting down"), then stop; a stuck
  // close cannot hold the process past 3 s.
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  boost::asio::steady_timer deadline(ioc);
  signals.async_wait([&](boost::system::error_code err, int) {
    if (err) return;
    io.close([&ioc] { ioc.stop(); });
    deadline.expires_after(3s);
    deadline.async_wait([&ioc](boost::system::error_code) { ioc.stop(); });
  });
  ioc.run();
  return 0;
}
