// The fixture server the end-to-end tests and benchmarks run against. At /engine.io/ it is a
// raw Engine.IO server that echoes every message back on the same session; at /socket.io/ a
// Socket.IO server with the handlers the tests and benchmarks expect.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "socketio/engine.hpp"
#include "socketio/server.hpp"

namespace {

struct fixture_options {
  std::uint16_t port = 3000;
  std::string host = "127.0.0.1";
  unsigned threads = 1;
  std::chrono::milliseconds connect_timeout{1000};
  bool cors_origin_given = false;  // the first --cors-origin replaces the default "*"
  bool no_cors = false;
  socketio::engine_options engine;
  std::string deny_param;
  socketio::static_files_options static_files;
};

[[noreturn]] void usage(std::string_view problem) {
  std::cerr << "socketio-fixture-server: " << problem << "\n"
            << "usage: socketio-fixture-server [--port N] [--host A] [--ping-interval MS]\n"
               "  [--ping-timeout MS] [--max-payload BYTES] [--threads N] [--upgrade-timeout MS]\n"
               "  [--request-timeout MS] [--connect-timeout MS] [--max-queued-bytes BYTES]\n"
               "  [--transports polling,websocket] [--no-upgrades] [--cors-origin ORIGIN]...\n"
               "  [--no-cors] [--cors-credentials] [--deny-param NAME]\n"
               "  [--initial-header 'Name: value']... [--static-root DIR]\n"
               "  [--static-file /url/path=FILE]...\n";
  std::exit(2);
}

unsigned long long number(std::string_view flag, std::string_view text) {
  unsigned long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    usage(std::string(flag) + " needs a non-negative integer");
  }
  return value;
}

fixture_options parse(int argc, char** argv) {
  fixture_options o;
  o.engine.ping_interval = std::chrono::milliseconds(300);
  o.engine.ping_timeout = std::chrono::milliseconds(200);
  // Every origin is allowed by default (as Node's `cors: {origin: "*"}`), so that a page
  // served from another origin can poll the fixture.
  o.engine.cors.enabled = true;
  o.engine.cors.origins = {"*"};
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) usage(std::string(flag) + " needs a value");
      return argv[++i];
    };
    if (flag == "--port") {
      const auto p = number(flag, value());
      if (p > 65535) usage("--port out of range");
      o.port = static_cast<std::uint16_t>(p);
    } else if (flag == "--host") {
      o.host = value();
    } else if (flag == "--connect-timeout") {
      o.connect_timeout = std::chrono::milliseconds(number(flag, value()));
    } else if (flag == "--ping-interval") {
      o.engine.ping_interval = std::chrono::milliseconds(number(flag, value()));
    } else if (flag == "--ping-timeout") {
      o.engine.ping_timeout = std::chrono::milliseconds(number(flag, value()));
    } else if (flag == "--upgrade-timeout") {
      o.engine.upgrade_timeout = std::chrono::milliseconds(number(flag, value()));
    } else if (flag == "--max-queued-bytes") {
      o.engine.max_queued_bytes = number(flag, value());
    } else if (flag == "--request-timeout") {
      o.engine.request_timeout = std::chrono::milliseconds(number(flag, value()));
    } else if (flag == "--max-payload") {
      o.engine.max_payload = number(flag, value());
    } else if (flag == "--threads") {
      o.threads = static_cast<unsigned>(number(flag, value()));
      if (o.threads == 0 || o.threads > 256) usage("--threads must be 1..256");
    } else if (flag == "--transports") {
      const std::string_view list = value();
      o.engine.allow_polling = list.find("polling") != std::string_view::npos;
      o.engine.allow_websocket = list.find("websocket") != std::string_view::npos;
    } else if (flag == "--no-upgrades") {
      o.engine.allow_upgrades = false;
    } else if (flag == "--cors-origin") {
      if (!o.cors_origin_given) o.engine.cors.origins.clear();
      o.cors_origin_given = true;
      o.engine.cors.origins.emplace_back(value());
    } else if (flag == "--no-cors") {
      o.no_cors = true;
    } else if (flag == "--cors-credentials") {
      o.engine.cors.credentials = true;
    } else if (flag == "--deny-param") {
      o.deny_param = value();
    } else if (flag == "--initial-header") {
      const std::string_view h = value();
      const auto colon = h.find(':');
      if (colon == std::string_view::npos) usage("--initial-header needs 'Name: value'");
      std::string_view v = h.substr(colon + 1);
      while (!v.empty() && v.front() == ' ')
        v.remove_prefix(1);
      o.engine.initial_headers.emplace_back(std::string(h.substr(0, colon)), std::string(v));
    } else if (flag == "--static-root") {
      o.static_files.root = value();
    } else if (flag == "--static-file") {
      const std::string_view f = value();
      const auto eq = f.find('=');
      if (eq == std::string_view::npos) usage("--static-file needs /url/path=FILE");
      o.static_files.files.emplace_back(std::string(f.substr(0, eq)),
                                        std::string(f.substr(eq + 1)));
    } else {
      usage("unknown flag " + std::string(flag));
    }
  }
  if (o.no_cors) {
    if (o.cors_origin_given || o.engine.cors.credentials) {
      usage("--no-cors cannot be combined with --cors-origin or --cors-credentials");
    }
    o.engine.cors.enabled = false;
  }
  if (!o.deny_param.empty()) {
    o.engine.allow_request =
        [name = o.deny_param](const socketio::request_info& r) -> std::optional<std::string> {
      if (r.query_param(name)) return std::string("denied");
      return std::nullopt;
    };
  }
  return o;
}

void install_socketio_handlers(socketio::server& io) {
  auto send_auth = [](socketio::socket s) { s.emit("auth", s.handshake().auth); };
  io.on_connection([&io, send_auth](socketio::socket s) {
    send_auth(s);
    s.on("message",
         [s](const socketio::args& a, socketio::ack) { s.emit_args("message-back", a); });
    s.on("message-with-ack", [](const socketio::args& a, socketio::ack ack) { ack.send(a); });
    s.on("echo", [](const socketio::args& a, socketio::ack ack) { ack.send(a); });
    s.on("join", [s](const socketio::args& a, socketio::ack ack) {
      if (!a.empty() && a[0].is_string()) s.join(a[0].get<std::string>());
      ack();
    });
    s.on("leave", [s](const socketio::args& a, socketio::ack ack) {
      if (!a.empty() && a[0].is_string()) s.leave(a[0].get<std::string>());
      ack();
    });
    s.on("bcast", [&io](const socketio::args& a, socketio::ack ack) {
      if (a.size() >= 2 && a[0].is_string()) io.to(a[0].get<std::string>()).emit("msg", a[1]);
      ack();
    });
  });
  io.of("/custom").on_connection(send_auth);
}

}  // namespace

int main(int argc, char** argv) {
  const fixture_options options = parse(argc, argv);
  boost::asio::io_context ioc(static_cast<int>(options.threads));

  socketio::engine::server engine(ioc, options.engine);
  engine.on_connection([](socketio::engine::socket s) {
    // Echo: text as text, binary as binary, on the same session.
    s.on_message([s](bool binary, std::string_view data) {
      if (binary) {
        s.send_binary(data);
      } else {
        s.send(data);
      }
    });
  });

  socketio::server_options sio_options;
  sio_options.engine = options.engine;
  sio_options.engine.path = "/socket.io/";
  sio_options.connect_timeout = options.connect_timeout;
  sio_options.static_files = options.static_files;
  socketio::server io(ioc, sio_options);
  install_socketio_handlers(io);
  io.also_serve(engine);

  std::uint16_t port = 0;
  try {
    port = io.listen(options.port, options.host);
  } catch (const std::exception& e) {
    std::cerr << "socketio-fixture-server: cannot listen on " << options.host << ':' << options.port
              << ": " << e.what() << '\n';
    return 1;
  }

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  boost::asio::steady_timer grace(ioc);
  signals.async_wait([&](boost::system::error_code, int) {
    io.close();
    engine.close();
    // A moment for the close packets and frames to go out, then stop.
    grace.expires_after(std::chrono::milliseconds(200));
    grace.async_wait([&](boost::system::error_code) { ioc.stop(); });
  });

  std::cout << "listening " << port << std::endl;

  std::vector<std::thread> workers;
  for (unsigned i = 1; i < options.threads; ++i)
    workers.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : workers)
    t.join();
  return 0;
}
