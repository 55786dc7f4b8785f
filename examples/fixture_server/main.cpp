// The fixture server the end-to-end tests and benchmarks run against. At /engine.io/ it is a
// raw Engine.IO server that echoes every message back on the same session; at /socket.io/ a
// Socket.IO server with the handlers the tests and benchmarks expect.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "socketio/engine.hpp"
#include "socketio/redis/adapter.hpp"
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
  std::string redis_url;  // empty: a single node
  socketio::redis::adapter_mode redis_mode = socketio::redis::adapter_mode::classic;
  socketio::static_files_options static_files;
  socketio::event_rate_limit_options event_rate_limit;
  std::vector<std::string> refuse_addresses;
  std::vector<std::string> refuse_headers;
  socketio::drain_options drain;
  socketio::tls_options tls;  // used when a certificate is given
  bool tls_enabled() const {
    return !tls.certificate_chain_file.empty() || !tls.private_key_file.empty();
  }
};

[[noreturn]] void usage(std::string_view problem) {
  std::cerr << "socketio-fixture-server: " << problem << "\n"
            << "usage: socketio-fixture-server [--port N] [--host A] [--ping-interval MS]\n"
               "  [--ping-timeout MS] [--max-payload BYTES] [--threads N] [--upgrade-timeout MS]\n"
               "  [--request-timeout MS] [--connect-timeout MS] [--max-queued-bytes BYTES]\n"
               "  [--transports polling,websocket] [--no-upgrades] [--cors-origin ORIGIN]...\n"
               "  [--no-cors] [--cors-credentials] [--deny-param NAME]\n"
               "  [--initial-header 'Name: value']... [--redis URL]\n"
               "  [--redis-mode classic|sharded] [--static-root DIR]\n"
               "  [--static-file /url/path=FILE]...\n"
               "  [--event-rate N[,BURST]] [--event-rate-action drop|disconnect]\n"
               "  [--packet-rate N[,BURST]] [--ws-ping-rate N[,BURST]] [--bind-session-address]\n"
               "  [--cors-origin-suffix SUFFIX] [--log-level debug|info|warning|error|off]\n"
               "  [--max-connections N] [--handshake-rate N] [--handshake-rate-per-address N]\n"
               "  [--refuse-address A]... [--refuse-header NAME]... [--drain-rate N]\n"
               "  [--drain-deadline MS] [--drain-keep-listening]\n"
               "  [--tls-cert PEM --tls-key PEM\n"
               "  [--tls-mode tls|both] [--tls-client-ca PEM --tls-verify optional|required]]\n"
               "With --tls-cert, SIGHUP reloads the certificate files (new connections only).\n";
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

// "N" or "N,BURST" (a rate_limit; "0" turns the limit off).
socketio::rate_limit rate(std::string_view flag, std::string_view text) {
  const auto comma = text.find(',');
  socketio::rate_limit r;
  r.per_second = static_cast<double>(number(flag, text.substr(0, comma)));
  if (comma != std::string_view::npos) {
    r.burst = static_cast<double>(number(flag, text.substr(comma + 1)));
  }
  return r;
}

socketio::log_level log_level_named(std::string_view name) {
  if (name == "debug") return socketio::log_level::debug;
  if (name == "info") return socketio::log_level::info;
  if (name == "warning") return socketio::log_level::warning;
  if (name == "error") return socketio::log_level::error;
  if (name == "off") return socketio::log_level::off;
  usage("unknown log level " + std::string(name));
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
    } else if (flag == "--event-rate") {
      const auto r = rate(flag, value());
      o.event_rate_limit.per_second = r.per_second;
      o.event_rate_limit.burst = r.burst;
    } else if (flag == "--event-rate-action") {
      const std::string_view action = value();
      if (action == "drop") {
        o.event_rate_limit.action = socketio::rate_limit_action::drop;
      } else if (action == "disconnect") {
        o.event_rate_limit.action = socketio::rate_limit_action::disconnect;
      } else {
        usage("--event-rate-action is drop or disconnect");
      }
    } else if (flag == "--packet-rate") {
      o.engine.packet_rate = rate(flag, value());
    } else if (flag == "--ws-ping-rate") {
      o.engine.websocket_pings = rate(flag, value());
    } else if (flag == "--bind-session-address") {
      o.engine.bind_session_to_address = true;
    } else if (flag == "--cors-origin-suffix") {
      o.engine.cors.allow_origin = [suffix = std::string(value())](std::string_view origin) {
        return origin.ends_with(suffix);
      };
    } else if (flag == "--log-level") {
      o.engine.logger.level = log_level_named(value());
    } else if (flag == "--redis") {
      o.redis_url = value();
    } else if (flag == "--redis-mode") {
      const std::string_view mode = value();
      if (mode == "classic") {
        o.redis_mode = socketio::redis::adapter_mode::classic;
      } else if (mode == "sharded") {
        o.redis_mode = socketio::redis::adapter_mode::sharded;
      } else {
        usage("unknown redis mode " + std::string(mode));
      }
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
    } else if (flag == "--max-connections") {
      o.engine.admission.max_sessions = number(flag, value());
    } else if (flag == "--handshake-rate") {
      o.engine.admission.handshakes_per_second = static_cast<double>(number(flag, value()));
    } else if (flag == "--handshake-rate-per-address") {
      o.engine.admission.handshakes_per_second_per_address =
          static_cast<double>(number(flag, value()));
    } else if (flag == "--refuse-address") {
      o.refuse_addresses.emplace_back(value());
    } else if (flag == "--refuse-header") {
      std::string name(value());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      o.refuse_headers.push_back(std::move(name));
    } else if (flag == "--drain-rate") {
      o.drain.sessions_per_second = static_cast<double>(number(flag, value()));
    } else if (flag == "--drain-keep-listening") {
      o.drain.keep_listening = true;
    } else if (flag == "--drain-deadline") {
      o.drain.deadline = std::chrono::milliseconds(number(flag, value()));
    } else if (flag == "--tls-cert") {
      o.tls.certificate_chain_file = value();
    } else if (flag == "--tls-key") {
      o.tls.private_key_file = value();
    } else if (flag == "--tls-client-ca") {
      o.tls.client_ca_file = value();
    } else if (flag == "--tls-verify") {
      const std::string_view mode = value();
      if (mode == "none") {
        o.tls.verify_client = socketio::tls_client_verify::none;
      } else if (mode == "optional") {
        o.tls.verify_client = socketio::tls_client_verify::optional;
      } else if (mode == "required") {
        o.tls.verify_client = socketio::tls_client_verify::required;
      } else {
        usage("--tls-verify is none, optional or required");
      }
    } else if (flag == "--tls-mode") {
      const std::string_view mode = value();
      if (mode == "tls") {
        o.tls.mode = socketio::tls_listen_mode::tls_only;
      } else if (mode == "both") {
        o.tls.mode = socketio::tls_listen_mode::plain_and_tls;
      } else {
        usage("--tls-mode is tls or both");
      }
    } else {
      usage("unknown flag " + std::string(flag));
    }
  }
  if (o.engine.cors.credentials && !o.cors_origin_given) {
    // Browsers refuse `*` with credentials; the engine refuses the combination too.
    usage("--cors-credentials needs --cors-origin");
  }
  if (o.engine.cors.allow_origin) {
    if (o.cors_origin_given) usage("--cors-origin-suffix cannot be combined with --cors-origin");
    o.engine.cors.origins.clear();
  }
  if (o.no_cors) {
    if (o.cors_origin_given || o.engine.cors.credentials) {
      usage("--no-cors cannot be combined with --cors-origin or --cors-credentials");
    }
    o.engine.cors.enabled = false;
  }
  if (o.tls_enabled() && (o.tls.certificate_chain_file.empty() || o.tls.private_key_file.empty())) {
    usage("--tls-cert and --tls-key go together");
  }
  if (!o.tls_enabled() &&
      (!o.tls.client_ca_file.empty() || o.tls.verify_client != socketio::tls_client_verify::none)) {
    usage("--tls-client-ca and --tls-verify need --tls-cert and --tls-key");
  }
  if (!o.deny_param.empty()) {
    o.engine.allow_request =
        [name = o.deny_param](const socketio::request_info& r) -> std::optional<std::string> {
      if (r.query_param(name)) return std::string("denied");
      return std::nullopt;
    };
  }
  if (!o.refuse_addresses.empty() || !o.refuse_headers.empty()) {
    // The admission hook: refused before any session exists. A refusing header whose value is
    // "busy" asks for "not now" (503 with Retry-After) instead of "go away" (403).
    o.engine.admission.admit = [addresses = o.refuse_addresses,
                                headers = o.refuse_headers](const socketio::request_info& r) {
      using socketio::admission_decision;
      if (std::find(addresses.begin(), addresses.end(), r.remote_address) != addresses.end()) {
        return admission_decision::refuse(403, "address refused");
      }
      for (const auto& name : headers) {
        if (const std::string* v = r.header(name)) {
          if (*v == "busy") return admission_decision::refuse(503, "busy", std::chrono::seconds(2));
          return admission_decision::refuse(403, "refused by " + name);
        }
      }
      return admission_decision::admit();
    };
  }
  return o;
}

socketio::json stats_json(const socketio::engine::admission_stats& s) {
  return {{"sessions", s.sessions},
          {"refusedDraining", s.refused_draining},
          {"refusedFull", s.refused_full},
          {"refusedRate", s.refused_rate},
          {"refusedAddressRate", s.refused_address_rate},
          {"refusedPolicy", s.refused_policy},
          {"trackedAddresses", s.tracked_addresses},
          {"draining", s.draining}};
}

void install_socketio_handlers(socketio::server& io) {
  auto send_auth = [](socketio::socket s) { s.emit("auth", s.handshake().auth); };
  io.on_connection([&io, send_auth](socketio::socket s) {
    send_auth(s);
    s.on("message",
         [s](const socketio::args& a, socketio::ack) { s.emit_args("message-back", a); });
    s.on("message-with-ack", [](const socketio::args& a, socketio::ack ack) { ack.send(a); });
    s.on("echo", [](const socketio::args& a, socketio::ack ack) { ack.send(a); });
    // Not in FIXTURE.md: whether the connection came over TLS (tests/e2e/README.md).
    s.on("handshake-secure",
         [s](const socketio::args&, socketio::ack ack) { ack(s.handshake().secure()); });
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

// With --event-rate (docs/FIXTURE.md, extensions): the client hears of each event the limit
// refused, and the "watchers" room of every disconnect's reason.
void install_rate_limit_handlers(socketio::server& io) {
  io.on_connection([&io](socketio::socket s) {
    s.on_rate_limited([s](const std::string& event, std::uint64_t dropped) {
      s.emit("rate-limited", event, dropped, s.rate_limited_count());
    });
    s.on_disconnect([&io, id = s.id()](const std::string& reason) {
      io.to("watchers").emit("disconnected", id, reason);
    });
  });
}

// Not in the Node reference: the admission counters of both paths (docs/FIXTURE.md).
void install_admission_handlers(socketio::server& io, const socketio::engine::server& engine) {
  io.on_connection([&io, &engine](socketio::socket s) {
    s.on("admission-stats", [&io, &engine](const socketio::args&, socketio::ack ack) {
      ack(socketio::json{{"sio", stats_json(io.admission())},
                         {"eio", stats_json(engine.admission())}});
    });
  });
}

// --- cluster operations on "/" (FIXTURE.md), as the Node reference fixture does them ---

// The FIXTURE.md order for lists: numbers ascending, then strings by code unit, then anything
// else by its JSON text. (UTF-8 byte order equals UTF-16 code-unit order outside the
// surrogate range, which the contract's ids and ports never reach.)
socketio::json sorted(std::vector<socketio::json> values) {
  auto rank = [](const socketio::json& v) { return v.is_number() ? 0 : v.is_string() ? 1 : 2; };
  std::stable_sort(values.begin(), values.end(),
                   [&](const socketio::json& a, const socketio::json& b) {
                     const int ra = rank(a);
                     const int rb = rank(b);
                     if (ra != rb) return ra < rb;
                     if (ra == 0) return a.get<double>() < b.get<double>();
                     if (ra == 1) return a.get<std::string>() < b.get<std::string>();
                     return a.dump() < b.dump();
                   });
  socketio::json out = socketio::json::array();
  for (auto& v : values)
    out.push_back(std::move(v));
  return out;
}

// JavaScript's String(value) for the room and target arguments.
std::string text_of(const socketio::args& a, std::size_t i) {
  if (i >= a.size()) return "undefined";
  if (a[i].is_string()) return a[i].get<std::string>();
  return a[i].dump();
}

socketio::json arg_or_null(const socketio::args& a, std::size_t i) {
  return i < a.size() ? a[i] : socketio::json();
}

// A failed cluster request: logged, and the client's ack carries {error}.
socketio::json cluster_error(std::string_view op, const std::string& message) {
  std::cerr << "socketio-fixture-server: " << op << " failed: " << message << std::endl;
  return socketio::json{{"error", message}};
}

void install_cluster_handlers(socketio::server& io, bool clustered,
                              const std::shared_ptr<std::atomic<std::uint16_t>>& port) {
  io.on_connection([&io, clustered](socketio::socket s) {
    s.on("cluster-count", [&io](const socketio::args&, socketio::ack ack) {
      io.sockets().server_count([ack](std::size_t n) { ack(n); });
    });
    s.on("cluster-fetch", [&io](const socketio::args& a, socketio::ack ack) {
      io.in(text_of(a, 0))
          .fetch_sockets([ack](std::optional<socketio::ack_error> err,
                               std::vector<socketio::remote_socket> sockets) {
            if (err) {
              ack(cluster_error("cluster-fetch", err->message));
              return;
            }
            std::vector<socketio::json> ids;
            for (const auto& r : sockets)
              ids.emplace_back(r.id);
            ack(sorted(std::move(ids)));
          });
    });
    s.on("cluster-join", [&io](const socketio::args& a, socketio::ack ack) {
      io.in(text_of(a, 0)).sockets_join({text_of(a, 1)});
      ack();
    });
    s.on("cluster-leave", [&io](const socketio::args& a, socketio::ack ack) {
      io.in(text_of(a, 0)).sockets_leave({text_of(a, 1)});
      ack();
    });
    s.on("cluster-disconnect", [&io](const socketio::args& a, socketio::ack ack) {
      io.in(text_of(a, 0)).disconnect_sockets(true);
      ack();
    });
    s.on("cluster-remote-emit", [&io](const socketio::args& a, socketio::ack ack) {
      io.in(text_of(a, 0))
          .fetch_sockets(
              [ack, payload = arg_or_null(a, 1)](std::optional<socketio::ack_error> err,
                                                 std::vector<socketio::remote_socket> sockets) {
                if (err) {
                  ack(cluster_error("cluster-remote-emit", err->message));
                  return;
                }
                if (!sockets.empty()) sockets.front().emit("remote", payload);
                ack(!sockets.empty());
              });
    });
    s.on("cluster-sse", [&io, clustered](const socketio::args& a, socketio::ack ack) {
      // A single node has no other node to tell.
      if (clustered) io.server_side_emit("sse", {arg_or_null(a, 0)});
      ack();
    });
    s.on("cluster-sse-ack", [&io, clustered](const socketio::args& a, socketio::ack ack) {
      if (!clustered) {
        ack(socketio::json{{"timedOut", false}, {"responses", socketio::json::array()}});
        return;
      }
      io.server_side_emit_with_ack(
          "sse-ack", {arg_or_null(a, 0)}, std::chrono::milliseconds(5000),
          [ack](std::optional<socketio::ack_error> err, std::vector<socketio::json> responses) {
            ack(socketio::json{{"timedOut", err.has_value()},
                               {"responses", sorted(std::move(responses))}});
          });
    });
    // Not in FIXTURE.md: a broadcast with the local / volatile / compress flags, so that the
    // cluster suite can check what reaches Redis (tests/e2e/README.md).
    s.on("bcast-flags", [&io](const socketio::args& a, socketio::ack ack) {
      auto op = io.to(text_of(a, 0));
      const socketio::json flags = arg_or_null(a, 2);
      auto flag = [&](const char* name) {
        return flags.is_object() && flags.contains(name) ? flags[name] : socketio::json();
      };
      if (flag("local") == true) op = op.local();
      if (flag("volatile") == true) op = op.volatile_();
      if (flag("compress") == false) op = op.compress(false);
      op.emit("msg", arg_or_null(a, 1));
      ack();
    });
    s.on("bcast-ack", [&io](const socketio::args& a, socketio::ack ack) {
      std::int64_t ms = 0;
      if (a.size() > 2 && a[2].is_number()) ms = a[2].get<std::int64_t>();
      io.to(text_of(a, 0))
          .timeout(std::chrono::milliseconds(std::max<std::int64_t>(ms, 0)))
          .emit_with_ack(
              "ask", {arg_or_null(a, 1)},
              [ack](std::optional<socketio::ack_error> err, std::vector<socketio::json> responses) {
                ack(socketio::json{{"timedOut", err.has_value()},
                                   {"responses", sorted(std::move(responses))}});
              });
    });
  });
  // Server-side handlers: serverSideEmit from other nodes and from the Redis emitter.
  io.on_server_side("sse", [&io, port](const socketio::args& a, socketio::ack) {
    io.local().emit("sse-seen", arg_or_null(a, 0), port->load());
  });
  io.on_server_side("sse-ack",
                    [port](const socketio::args&, socketio::ack ack) { ack(port->load()); });
}

}  // namespace

int main(int argc, char** argv) {
  fixture_options options = parse(argc, argv);
  // One lane per I/O thread: a lane's sessions reach each other without a hand-off.
  options.engine.lanes = options.threads;
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
  if (!options.redis_url.empty()) {
    socketio::redis::adapter_options redis;
    redis.url = options.redis_url;
    redis.mode = options.redis_mode;
    try {
      sio_options.adapter = socketio::redis::make_adapter_factory(redis);
    } catch (const std::invalid_argument& e) {
      usage(std::string("--redis: ") + e.what());
    }
  }
  sio_options.static_files = options.static_files;
  sio_options.event_rate_limit = options.event_rate_limit;
  socketio::server io(ioc, sio_options);
  install_socketio_handlers(io);
  if (options.event_rate_limit.limit().enabled()) install_rate_limit_handlers(io);
  install_admission_handlers(io, engine);
  const auto port_seen = std::make_shared<std::atomic<std::uint16_t>>(0);
  install_cluster_handlers(io, !options.redis_url.empty(), port_seen);
  io.also_serve(engine);

  std::uint16_t port = 0;
  try {
    port = options.tls_enabled() ? io.listen(options.port, options.tls, options.host)
                                 : io.listen(options.port, options.host);
    port_seen->store(port);
  } catch (const std::exception& e) {
    std::cerr << "socketio-fixture-server: cannot listen on " << options.host << ':' << options.port
              << ": " << e.what() << '\n';
    return 1;
  }

  // SIGUSR1: graceful drain of both paths (--drain-rate, --drain-deadline); prints "drained"
  // once the last session of both is gone. The process keeps running until SIGTERM.
  boost::asio::signal_set drain_signal(ioc, SIGUSR1);
  drain_signal.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    auto remaining = std::make_shared<std::atomic<int>>(2);
    auto one_done = [remaining] {
      if (remaining->fetch_sub(1) == 1) std::cout << "drained" << std::endl;
    };
    io.drain(options.drain, one_done);
    engine.drain(options.drain, one_done);
    std::cout << "draining" << std::endl;
  });
  // SIGHUP: the certificate files are read again; live connections keep the old certificate.
  boost::asio::signal_set reload_signal(ioc, SIGHUP);
  std::function<void()> wait_reload = [&] {
    reload_signal.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      try {
        io.reload_tls(options.tls);
        std::cout << "tls reloaded" << std::endl;
      } catch (const std::exception& e) {
        std::cout << "tls reload failed: " << e.what() << std::endl;
      }
      wait_reload();
    });
  };
  if (options.tls_enabled()) wait_reload();

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  boost::asio::steady_timer grace(ioc);
  signals.async_wait([&](boost::system::error_code, int) {
    drain_signal.cancel();
    reload_signal.cancel();
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
