// socketio-throwing-server: the scenario server of tests/e2e/api-throwing.test.mjs. Every
// kind of user callback the library calls can be made to throw, so the tests can prove that
// the server survives (other clients unaffected, exit status 0) and that the logger hook
// receives a report naming what threw.
//
// Usage: socketio-throwing-server [--port N] [--log-level debug|info|warning|error]
// Listens on 127.0.0.1, prints `listening <port>` once ready, exits 0 on SIGTERM/SIGINT.
// Both servers' logger sink writes each message as one stderr line: `LOG <level> <message>`.
//
// CONTRACT (std::runtime_error unless "other", which throws an int)
//   Engine options (Socket.IO at /socket.io/, raw Engine.IO at /engine.io/ on the same port)
//     CORS allow_origin    Origin http://throw.test -> throws "cors boom";
//                          http://other.test -> throws an int; any other origin is allowed.
//     allow_request        query throw=allow -> throws "allow boom"; throw=allow-other -> int.
//   Socket.IO "/"
//     io.use               auth.throw "middleware" -> throws "middleware boom";
//                          "middleware-other" -> throws an int.
//     on_connection #1     auth.throw "connection" -> throws "connection boom".
//     on_connection #2     installs everything below (so it runs after #1 threw).
//     "echo" (...a)        -> ...a
//     "throw"              the handler throws "handler boom"; "throw-other" throws an int
//     on_any               event "any-throw" -> throws "any boom"
//     on_any_outgoing      event "out-throw" -> throws "outgoing boom"
//     "emit-back" (ev)     socket.emit(ev) -> true
//     socket.use           event "mw-throw" -> throws "packet middleware boom";
//                          "mw-error" -> next("rejected"); the error handler throws
//                          "error handler boom"
//     "ask" (ms)           socket.emit_with_ack("question", ms, cb) -> true; cb throws
//                          "ack boom (answer)" or "ack boom (operation has timed out)"
//     "ask-all" (ms)       io.sockets().timeout(ms).emit_with_ack("question-all", cb) -> true; cb
//     throws
//                          "broadcast ack boom"
//     auth.throw "disconnect"   disconnecting and disconnect handlers throw
//                          "disconnecting boom" / "disconnect boom"
//   Dynamic namespaces     io.of(predicate): "/pred-throw" -> throws "predicate boom"; other
//                          "/pred-*" names are accepted ("echo" works there).
//   Raw Engine.IO          on_connection: query throw=connection -> throws "engine connection
//                          boom"; else echoes messages, except "throw" -> on_message throws
//                          "engine message boom"; on_close always throws "engine close boom".
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "socketio/engine.hpp"
#include "socketio/server.hpp"

namespace {

using socketio::ack;
using socketio::args;
using socketio::json;

std::string auth_throw(const socketio::socket& s) {
  const auto& auth = s.handshake().auth;
  const auto it = auth.find("throw");
  return it != auth.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const char* level_name(socketio::log_level l) {
  switch (l) {
    case socketio::log_level::debug:
      return "debug";
    case socketio::log_level::info:
      return "info";
    case socketio::log_level::warning:
      return "warning";
    case socketio::log_level::error:
      return "error";
    default:
      return "off";
  }
}

socketio::logger_options logger(socketio::log_level level) {
  socketio::logger_options o;
  o.level = level;
  o.sink = [](socketio::log_level l, std::string_view message) {
    // One write per line, so lines from several threads never interleave.
    std::string line = "LOG ";
    line += level_name(l);
    line += ' ';
    line += message;
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  };
  return o;
}

void configure(socketio::engine_options& e, socketio::log_level level) {
  e.logger = logger(level);
  e.cors.enabled = true;
  e.cors.allow_origin = [](std::string_view origin) {
    if (origin == "http://throw.test") throw std::runtime_error("cors boom");
    if (origin == "http://other.test") throw 1;
    return true;
  };
  e.allow_request = [](const socketio::request_info& r) -> std::optional<std::string> {
    const std::string* t = r.query_param("throw");
    if (t && *t == "allow") throw std::runtime_error("allow boom");
    if (t && *t == "allow-other") throw 2;
    return std::nullopt;
  };
}

void install_events(socketio::server& io, const socketio::socket& s) {
  s.on("echo", [](const args& a, ack reply) { reply.send(a); });
  s.on("throw", [](const args&, ack) { throw std::runtime_error("handler boom"); });
  s.on("throw-other", [](const args&, ack) { throw 5; });
  s.on_any([](const std::string& event, const args&) {
    if (event == "any-throw") throw std::runtime_error("any boom");
  });
  s.on_any_outgoing([](const std::string& event, const args&) {
    if (event == "out-throw") throw std::runtime_error("outgoing boom");
  });
  s.on("emit-back", [s](const args& a, ack reply) {
    if (!a.empty() && a[0].is_string()) s.emit(a[0].get<std::string>());
    reply(true);
  });
  s.use([](const std::string& event, args&, std::function<void(std::optional<std::string>)> next) {
    if (event == "mw-throw") throw std::runtime_error("packet middleware boom");
    if (event == "mw-error") return next(std::string("rejected"));
    next(std::nullopt);
  });
  s.on_error([](const std::string&) { throw std::runtime_error("error handler boom"); });
  s.on("ask", [s](const args& a, ack reply) {
    const auto ms = !a.empty() && a[0].is_number() ? a[0].get<long long>() : 1000;
    s.emit_with_ack("question", {}, std::chrono::milliseconds(ms),
                    [](std::optional<socketio::ack_error> err, args) {
                      throw std::runtime_error(std::string("ack boom (") +
                                               (err ? err->message : "answer") + ")");
                    });
    reply(true);
  });
  s.on("ask-all", [&io](const args& a, ack reply) {
    const auto ms = !a.empty() && a[0].is_number() ? a[0].get<long long>() : 1000;
    io.sockets()
        .timeout(std::chrono::milliseconds(ms))
        .emit_with_ack("question-all", {}, [](std::optional<socketio::ack_error>, args) {
          throw std::runtime_error("broadcast ack boom");
        });
    reply(true);
  });
  if (auth_throw(s) == "disconnect") {
    s.on_disconnecting([](const std::string&) { throw std::runtime_error("disconnecting boom"); });
    s.on_disconnect([](const std::string&) { throw std::runtime_error("disconnect boom"); });
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t port = 3000;
  auto level = socketio::log_level::warning;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string_view value = argv[i + 1];
    if (flag == "--log-level") {
      const std::pair<std::string_view, socketio::log_level> names[] = {
          {"debug", socketio::log_level::debug},
          {"info", socketio::log_level::info},
          {"warning", socketio::log_level::warning},
          {"error", socketio::log_level::error}};
      const auto it = std::find_if(std::begin(names), std::end(names),
                                   [&](const auto& n) { return n.first == value; });
      if (it == std::end(names)) {
        std::cerr << "socketio-throwing-server: unknown log level\n";
        return 2;
      }
      level = it->second;
      continue;
    }
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (flag != "--port" || ec != std::errc{} || end != value.data() + value.size() || v > 65535) {
      std::cerr << "usage: socketio-throwing-server [--port N] [--log-level LEVEL]\n";
      return 2;
    }
    port = static_cast<std::uint16_t>(v);
  }

  boost::asio::io_context ioc(1);
  socketio::server_options options;
  configure(options.engine, level);
  socketio::server io(ioc, options);

  io.use([](socketio::socket s, std::function<void(std::optional<socketio::connect_error>)> next) {
    const auto t = auth_throw(s);
    if (t == "middleware") throw std::runtime_error("middleware boom");
    if (t == "middleware-other") throw 3;
    next(std::nullopt);
  });
  io.on_connection([](socketio::socket s) {
    if (auth_throw(s) == "connection") throw std::runtime_error("connection boom");
  });
  io.on_connection([&io](socketio::socket s) { install_events(io, s); });
  io.of([](const std::string& name, const json&) {
      if (name == "/pred-throw") throw std::runtime_error("predicate boom");
      return name.rfind("/pred-", 0) == 0;
    }).on_connection([&io](socketio::socket s) { install_events(io, s); });

  socketio::engine_options raw_options;
  configure(raw_options, level);
  socketio::engine::server raw(ioc, raw_options);
  raw.on_connection([](socketio::engine::socket s) {
    const auto request = s.request();
    const std::string* t = request->query_param("throw");
    if (t && *t == "connection") throw std::runtime_error("engine connection boom");
    s.on_message([s](bool binary, std::string_view data) {
      if (data == "throw") throw std::runtime_error("engine message boom");
      if (binary) {
        s.send_binary(data);
      } else {
        s.send(data);
      }
    });
    s.on_close([](std::string_view) { throw std::runtime_error("engine close boom"); });
  });
  io.also_serve(raw);

  try {
    port = io.listen(port, "127.0.0.1");
  } catch (const std::exception& e) {
    std::cerr << "socketio-throwing-server: cannot listen: " << e.what() << '\n';
    return 1;
  }
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) {
    io.close();
    raw.close();
    ioc.stop();
  });
  std::cout << "listening " << port << std::endl;
  ioc.run();
  return 0;
}
