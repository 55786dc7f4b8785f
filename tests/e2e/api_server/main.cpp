// socketio-api-server: the scenario server of tests/e2e/api-*.test.mjs. It exercises the
// public server API that the fixture server does not: middleware, dynamic namespaces,
// server->client acks, listeners, per-packet middleware, disconnect reasons, socket data,
// handshake, every broadcast operator, broadcast acks, fetch_sockets and remote sockets,
// and emits from threads that are not I/O threads.
//
// Usage: socketio-api-server [--port N] [--threads N] [--ping-interval MS] [--ping-timeout MS]
//                            [--own-acceptor 0|1] [--executor 0|1]
// --executor 1 builds the server with the executor constructor, on a strand of the io_context
// (a host that hands the library an executor instead of its io_context).
// Listens on 127.0.0.1, prints `listening <port>` once ready, exits 0 on SIGTERM/SIGINT (after
// a 200 ms grace, so that the disconnect handlers of io.close() run and print).
//
// STDOUT: after `listening <port>`, one line per Socket.IO disconnect handler call,
// `disconnect <socket id> <nsp> <reason>`, and one per raw Engine.IO close handler call,
// `engine-close <sid> <reason>`.
//
// RAW ENGINE.IO at /engine.io/ (socketio::engine::socket called from threads that are not I/O
// threads while traffic flows). For each session a new std::thread calls request() (query
// `tag`, `n`), on_message() and on_close(), then sends "ready:<tag>", then n times "tick:<i>"
// (send) and 4 bytes big-endian i (send_binary), then replaces the message handler (on_message
// again), then sends "ticks-done". Message handler 1 answers text t with "echo:<t>", handler 2
// with "echo2:<t>"; both echo binary as binary; the text "close-me" makes a new std::thread
// call close().
//
// EVENT CONTRACT ("->" is the ack the client receives; every ack below is sent once)
//
// Connection middleware
//   "/"        io.use #1: auth.token == "bad" -> CONNECT_ERROR
//                {message: "not authorized", data: {reason: "bad token"}}; otherwise sets
//                socket data to {user: auth.user (a string) or "anonymous"}.
//              io.use #2: auth.token == "late" -> CONNECT_ERROR {message: "refused by second
//                middleware"} (no data); otherwise adds data.second = true.
//   "/admin"   use(): decides on a separate std::thread after 20 ms and calls next() from
//                there: auth.admin === true -> accepted, data = {admin: true, via: "thread"};
//                else CONNECT_ERROR {message: "admin only", data: {reason: "auth.admin must be
//                true"}}. On connection: emit "hello" ("/admin").
//   /^\/dyn-[0-9]+$/   dynamic (regex) parent. Parent middleware: auth.block === true ->
//                CONNECT_ERROR {message: "blocked by parent"}. On connection: emit "hello" (nsp).
//   "/pred-*"  dynamic (predicate) parent: accepts names starting with "/pred-" when
//                auth.ok === true. On connection: emit "hello" (nsp).
//
// Events on every namespace
//   "echo" (...a)              -> ...a
//   "ask-future" (ms, q)       like "ask", through the future-returning emit_with_ack waited on
//                              from a non-I/O thread
//   "server-side-ack" (ev, ms) server_side_emit_with_ack(ev (default "sse"), {}, ms (default
//                              1000)) -> {error, responses, local_runs} where local_runs counts
//                              the calls of this node's on_server_side(ev) handler so far (a
//                              node's own server-side emits do not run them), or {error: what(),
//                              type: "invalid_argument"} when it throws (reserved names)
// Flag --own-acceptor 1: the program accepts TCP connections itself and hands each to the
// server with socketio::serve_connection (attaching to a host's acceptor).
//   "whoami"                   -> {id, nsp, rooms: [sorted]}
//   "get-data"                 -> socket.data()
//   "set-data" (v)             socket.set_data(v) -> true
//   "join" (room | [rooms])    -> rooms after joining (sorted)
//   "leave" (room)             -> rooms after leaving
//   "handshake"                -> {id, nsp, headers: {name: first value}, query: {name: first
//                                  value}, auth, address, url, secure, issued (ms epoch)}
//   "disconnect-me" (close)    socket.disconnect(close) (no ack)
//   "disconnect-log" (id)      -> the records of socket `id` (any namespace) or null:
//                                  {event: "disconnecting", nsp, reason, rooms} (rooms still
//                                  joined) then {event: "disconnect", nsp, reason, rooms}
//                                  (rooms after leaving: []).
//   After recording "disconnect", the server emits "socket-gone" (id, nsp, reason) to room
//   "watchers" of "/".
//
// Events on "/" only
//   Listeners, in the order they are registered on connection: on_any (logs "any:<ev>"),
//   prepend_any (logs "pre:<ev>", so it runs first), on_any_outgoing (logs "out:<ev>"), then
//   the per-packet middleware and handlers below. Every incoming event except "log" is seen
//   by the any listeners. The log is per socket.
//   "log"                      -> the log entries since the last "log", then clears it
//   "t-on"                     on(): logs "on:t-on"
//   "t-once"                   once(): logs "once:t-once"
//   "off" (ev)                 socket.off(ev) -> true
//   "off-any"                  socket.off_any() -> true
//   "emit-back" (ev, v)        socket.emit(ev, v) -> true
//   Per-packet middleware #1: event "forbidden" -> next("forbidden event") (on_error logs
//     "error:<message>", the "forbidden" handler, which would emit "forbidden-ran", never
//     runs); event "mutate" gets the extra argument "added-by-middleware".
//   Per-packet middleware #2: for "mutate", calls next() from another std::thread.
//   "mutate" (...a)            -> ...a (as changed by the middleware)
//   "throw"                    the handler throws std::runtime_error("boom")
//   "emit-reserved" (name, via)  via "socket" (default) | "io" | "room": emits `name` and
//                                -> {error: null} or {error: what(), type: "invalid_argument"
//                                | "other"}
//   "ack-twice"                the handler calls its ack twice: -> "first" (the second call,
//                                "second", sends nothing)
//   "bcast-ack-no-timeout" (room)  io.to(room).emit_with_ack("ask", ...) with no timeout():
//                                -> {error: what(), type: "invalid_argument"} when it throws,
//                                else {error: null}
//   "ask" (timeoutMs, q)       socket.emit_with_ack("question", q) with that timeout
//                                -> {error: null, answer: [...ack args]} or
//                                   {error: "<message>", answer: []}
//   "bcast" (spec)             spec = {from: "io" | "socket", to: [rooms], except: [rooms],
//                                volatile, local, compress (bool; false -> compress(false)),
//                                event, data}. from "io": io.to(to[0]).to(to[1])... (server
//                                handle), io.except(...) or, with no room/flag, io.emit().
//                                from "socket": socket.broadcast() then .to/.except...
//                                Emits (event, data) -> true
//   "volatile-burst" (room, n) io.to(room).volatile_().emit("vol", i) for i in [0,n), then
//                                io.to(room).emit("vol-done", n) -> true
//   "parent-emit" (which, ev, v)  which "regex" | "pred": emit on the dynamic parent -> true
//   "ping-all" (room, ms)      io.to(room).timeout(ms).emit_with_ack("ping-all", {from: id})
//                                -> {error: null | "<message>", responses: [sorted by JSON]},
//                                plus answered: [answered, expected] on a timeout
//   "fetch" (room)             -> [{id, rooms, data, auth}] of io.in(room).fetch_sockets(),
//                                sorted by id
//   "remote" (room, action, arg)  for each fetched socket of `room`: action "emit" ->
//                                r.emit("remote-msg", arg); "join"/"leave" -> r.join/leave(arg);
//                                "disconnect" -> r.disconnect(arg). -> number of sockets
//   "sockets-join" (room, [rooms]) / "sockets-leave" (room, [rooms])  -> true
//   "disconnect-sockets" (room, close)  acks true first, then
//                                io.in(room).disconnect_sockets(close)
//   "close-server"             acks true, then io.close(done); `done` prints `closed` (after
//                                every session is gone and every adapter closed)
//   "drain-server" (rate)      acks true, then io.drain({rate per second, 10 s deadline}, done);
//                                `done` prints `drained`; a std::thread that is not an I/O
//                                thread waits on the returned future, then prints
//                                `drain-future`
//   "future-on-io" (room, ms)  on the handler's I/O thread, the future forms, each checked
//                                without blocking: socket.emit_with_ack("question", [], ms),
//                                io.to(room).timeout(ms).emit_with_ack("question", []),
//                                io.in(room).fetch_sockets(). -> {socket_ack, bcast_ack, fetch}:
//                                each "logic_error" (failed at once with std::logic_error),
//                                "pending" (not ready: waiting would block the thread), "ok"
//                                (ready; fetch then gives the sorted ids as `ids`), or
//                                "error:<what>"
//   "keep-handle"              keeps this socket's handle and a copy of its handshake -> true
//   "kept-handle" (id)         the handle kept by socket `id` ("keep-handle"), used now (after
//                                it may have disconnected) -> {connected, emit (emit's result),
//                                now: {has_request, auth, url}, copy: {has_request, auth, url,
//                                host}} or null when nothing was kept
//   "emit-from-thread" (room, n)  a new std::thread emits io.to(room).emit("tick", i) for i in
//                                [0,n), then r.emit("personal", r.id) for each socket r of
//                                io.in(room).fetch_sockets(), then emits "thread-done" (room,
//                                n) to the calling socket, then acks -> n
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "socketio/attach.hpp"
#include "socketio/engine.hpp"
#include "socketio/server.hpp"

namespace {

using socketio::ack;
using socketio::args;
using socketio::json;
using namespace std::chrono_literals;

struct server_flags {
  std::uint16_t port = 3000;
  unsigned threads = 1;
  std::chrono::milliseconds ping_interval = socketio::engine_options{}.ping_interval;
  std::chrono::milliseconds ping_timeout = socketio::engine_options{}.ping_timeout;
  bool own_acceptor = false;  // accept connections here and hand them to the server
  bool executor = false;      // the executor constructor, on a strand of the io_context
};

[[noreturn]] void usage(std::string_view problem) {
  std::cerr << "socketio-api-server: " << problem << "\n"
            << "usage: socketio-api-server [--port N] [--threads N] [--ping-interval MS]"
               " [--ping-timeout MS] [--own-acceptor 0|1] [--executor 0|1]\n";
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

server_flags parse(int argc, char** argv) {
  server_flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) usage(std::string(flag) + " needs a value");
    const std::string_view value = argv[++i];
    if (flag == "--port") {
      const auto p = number(flag, value);
      if (p > 65535) usage("--port out of range");
      f.port = static_cast<std::uint16_t>(p);
    } else if (flag == "--threads") {
      const auto t = number(flag, value);
      if (t == 0 || t > 64) usage("--threads must be 1..64");
      f.threads = static_cast<unsigned>(t);
    } else if (flag == "--ping-interval") {
      f.ping_interval = std::chrono::milliseconds(number(flag, value));
    } else if (flag == "--ping-timeout") {
      f.ping_timeout = std::chrono::milliseconds(number(flag, value));
    } else if (flag == "--own-acceptor") {
      f.own_acceptor = number(flag, value) != 0;
    } else if (flag == "--executor") {
      f.executor = number(flag, value) != 0;
    } else {
      usage("unknown flag " + std::string(flag));
    }
  }
  return f;
}

// --- argument helpers: a missing or mistyped argument gets the default ---

std::string str_arg(const args& a, std::size_t i, std::string fallback = {}) {
  return i < a.size() && a[i].is_string() ? a[i].get<std::string>() : fallback;
}

long long int_arg(const args& a, std::size_t i, long long fallback) {
  return i < a.size() && a[i].is_number() ? a[i].get<long long>() : fallback;
}

bool bool_arg(const args& a, std::size_t i, bool fallback = false) {
  return i < a.size() && a[i].is_boolean() ? a[i].get<bool>() : fallback;
}

json arg_or_null(const args& a, std::size_t i) {
  return i < a.size() ? a[i] : json(nullptr);
}

/// `obj[key] === true`.
bool is_true(const json& obj, const std::string& key) {
  if (!obj.is_object()) return false;
  const auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

/// `obj[key]` when it is a string, else the fallback.
std::string str_field(const json& obj, const std::string& key, std::string fallback = {}) {
  if (!obj.is_object()) return fallback;
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

/// A string, or an array of strings, as a list.
std::vector<std::string> string_list(const json& v) {
  std::vector<std::string> out;
  if (v.is_string()) out.push_back(v.get<std::string>());
  if (v.is_array()) {
    for (const auto& x : v) {
      if (x.is_string()) out.push_back(x.get<std::string>());
    }
  }
  return out;
}

json rooms_json(const std::set<std::string>& rooms) {
  json out = json::array();
  for (const auto& r : rooms)
    out.push_back(r);
  return out;
}

json pairs_json(const std::vector<std::pair<std::string, std::string>>& pairs) {
  json out = json::object();
  for (const auto& [k, v] : pairs) {
    if (!out.contains(k)) out[k] = v;
  }
  return out;
}

json handshake_json(const socketio::socket& s) {
  const socketio::handshake& h = s.handshake();
  const auto issued =
      std::chrono::duration_cast<std::chrono::milliseconds>(h.time().time_since_epoch()).count();
  return json{{"id", s.id()},
              {"nsp", s.nsp()},
              {"headers", pairs_json(h.headers())},
              {"query", pairs_json(h.query())},
              {"auth", h.auth},
              {"address", h.address()},
              {"url", h.url()},
              {"secure", h.secure()},
              {"issued", issued}};
}

/// One line on stdout; lines from different threads never interleave.
void print_line(const std::string& line) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::cout << line << std::endl;
}

/// The per-socket log of listener activity ("log" returns and clears it).
class event_log {
 public:
  void add(std::string entry) {
    std::lock_guard lock(mutex_);
    entries_.push_back(std::move(entry));
  }
  json take() {
    std::lock_guard lock(mutex_);
    json out = std::move(entries_);
    entries_ = json::array();
    return out;
  }

 private:
  std::mutex mutex_;
  json entries_ = json::array();
};

class scenario {
 public:
  explicit scenario(socketio::server& io)
      : io_(io),
        dyn_(io.of(std::regex("^/dyn-[0-9]+$"))),
        pred_(io.of([](const std::string& name, const json& auth) {
          return name.rfind("/pred-", 0) == 0 && is_true(auth, "ok");
        })) {}

  void install() {
    install_middleware();
    io_.on("connection", [this](socketio::socket s) {
      install_common(s);
      install_main(s);
    });
    io_.of("/admin").on("connection", [this](socketio::socket s) {
      install_common(s);
      s.emit("hello", s.nsp());
    });
    auto hello = [this](socketio::socket s) {
      install_common(s);
      s.emit("hello", s.nsp());
    };
    dyn_.on_connection(hello);
    pred_.on_connection(hello);
  }

  /// The raw Engine.IO scenario (see the header comment): every engine::socket member is
  /// called from a thread that is not an I/O thread.
  void install_engine(socketio::engine::server& engine) {
    engine.on_connection([this](socketio::engine::socket s) {
      spawn([this, s] {
        const auto request = s.request();  // shared: valid while held
        const socketio::request_info& req = *request;
        const std::string* tag = req.query_param("tag");
        const std::string* n_text = req.query_param("n");
        const long long n = n_text ? std::atoll(n_text->c_str()) : 50;
        s.on_message(engine_echo(s, "echo:"));
        s.on_close([id = s.id()](std::string_view reason) {
          print_line("engine-close " + id + " " + std::string(reason));
        });
        s.send("ready:" + (tag ? *tag : std::string()));
        for (long long i = 0; i < n; ++i) {
          s.send("tick:" + std::to_string(i));
          const auto u = static_cast<std::uint32_t>(i);
          const char bytes[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16),
                                 static_cast<char>(u >> 8), static_cast<char>(u)};
          s.send_binary(std::string_view(bytes, 4));
        }
        s.on_message(engine_echo(s, "echo2:"));
        s.send("ticks-done");
      });
    });
  }

  /// Joins every thread started by spawn(); call once the I/O threads have stopped.
  void join_threads() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      threads = std::move(threads_);
      threads_.clear();
    }
    for (auto& t : threads)
      t.join();
  }

 private:
  /// Runs `f` on a new thread that is not an I/O thread; joined at exit.
  void spawn(std::function<void()> f) {
    std::lock_guard lock(mutex_);
    threads_.emplace_back(std::move(f));
  }

  std::function<void(bool, std::string_view)> engine_echo(socketio::engine::socket s,
                                                          std::string prefix) {
    return [this, s, prefix = std::move(prefix)](bool binary, std::string_view data) {
      if (binary) {
        s.send_binary(data);
      } else if (data == "close-me") {
        spawn([s] { s.close(); });
      } else {
        s.send(prefix + std::string(data));
      }
    };
  }

  void record(const std::string& id, json entry) {
    std::lock_guard lock(mutex_);
    auto& list = disconnect_log_[id];
    if (!list.is_array()) list = json::array();
    list.push_back(std::move(entry));
  }

  json records(const std::string& id) const {
    std::lock_guard lock(mutex_);
    const auto it = disconnect_log_.find(id);
    return it == disconnect_log_.end() ? json(nullptr) : it->second;
  }

  void install_middleware() {
    io_.use([](socketio::socket s, auto next) {
      const json& auth = s.handshake().auth;
      if (str_field(auth, "token") == "bad") {
        next(socketio::connect_error{"not authorized", json{{"reason", "bad token"}}});
        return;
      }
      s.set_data(json{{"user", str_field(auth, "user", "anonymous")}});
      next(std::nullopt);
    });
    io_.use([](socketio::socket s, auto next) {
      if (str_field(s.handshake().auth, "token") == "late") {
        next(socketio::connect_error{"refused by second middleware", std::nullopt});
        return;
      }
      json data = s.data();
      data["second"] = true;
      s.set_data(std::move(data));
      next(std::nullopt);
    });
    io_.of("/admin").use([this](socketio::socket s, auto next) {
      const bool admin = is_true(s.handshake().auth, "admin");
      spawn([s, admin, next = std::move(next)] {
        std::this_thread::sleep_for(20ms);
        if (admin) {
          s.set_data(json{{"admin", true}, {"via", "thread"}});
          next(std::nullopt);
        } else {
          next(socketio::connect_error{"admin only", json{{"reason", "auth.admin must be true"}}});
        }
      });
    });
    dyn_.use([](socketio::socket s, auto next) {
      if (is_true(s.handshake().auth, "block")) {
        next(socketio::connect_error{"blocked by parent", std::nullopt});
      } else {
        next(std::nullopt);
      }
    });
  }

  void install_common(socketio::socket s) {
    s.on("disconnecting", [this, s](const std::string& reason) {
      record(s.id(), json{{"event", "disconnecting"},
                          {"nsp", s.nsp()},
                          {"reason", reason},
                          {"rooms", rooms_json(s.rooms())}});
    });
    s.on("disconnect", [this, s](const std::string& reason) {
      record(s.id(), json{{"event", "disconnect"},
                          {"nsp", s.nsp()},
                          {"reason", reason},
                          {"rooms", rooms_json(s.rooms())}});
      io_.to("watchers").emit("socket-gone", s.id(), s.nsp(), reason);
      print_line("disconnect " + s.id() + " " + s.nsp() + " " + reason);
    });
    s.on("echo", [](const args& a, ack reply) { reply.send(a); });
    s.on("whoami", [s](const args&, ack reply) {
      reply(json{{"id", s.id()}, {"nsp", s.nsp()}, {"rooms", rooms_json(s.rooms())}});
    });
    s.on("get-data", [s](const args&, ack reply) { reply(s.data()); });
    s.on("set-data", [s](const args& a, ack reply) {
      s.set_data(arg_or_null(a, 0));
      reply(true);
    });
    s.on("join", [s](const args& a, ack reply) {
      const auto list = string_list(arg_or_null(a, 0));
      s.join(std::set<std::string>(list.begin(), list.end()));
      reply(rooms_json(s.rooms()));
    });
    s.on("leave", [s](const args& a, ack reply) {
      s.leave(str_arg(a, 0));
      reply(rooms_json(s.rooms()));
    });
    s.on("handshake", [s](const args&, ack reply) { reply(handshake_json(s)); });
    s.on("disconnect-me", [s](const args& a, ack) { s.disconnect(bool_arg(a, 0)); });
    s.on("disconnect-log", [this](const args& a, ack reply) { reply(records(str_arg(a, 0))); });
  }

  void install_listeners(const socketio::socket& s) {
    auto log = std::make_shared<event_log>();
    s.on_any([log](const std::string& event, const args&) {
      if (event != "log") log->add("any:" + event);
    });
    s.prepend_any([log](const std::string& event, const args&) {
      if (event != "log") log->add("pre:" + event);
    });
    s.on_any_outgoing([log](const std::string& event, const args&) { log->add("out:" + event); });
    s.on_error([log](const std::string& message) { log->add("error:" + message); });
    s.use([](const std::string& event, args& values, auto next) {
      if (event == "forbidden") {
        next(std::string("forbidden event"));
        return;
      }
      if (event == "mutate") values.emplace_back("added-by-middleware");
      next(std::nullopt);
    });
    s.use([this](const std::string& event, args&, auto next) {
      if (event != "mutate") {
        next(std::nullopt);
        return;
      }
      spawn([next = std::move(next)] { next(std::nullopt); });
    });
    s.on("log", [log](const args&, ack reply) { reply(log->take()); });
    s.on("t-on", [log](const args&, ack) { log->add("on:t-on"); });
    s.once("t-once", [log](const args&, ack) { log->add("once:t-once"); });
    s.on("off", [s](const args& a, ack reply) {
      s.off(str_arg(a, 0));
      reply(true);
    });
    s.on("off-any", [s](const args&, ack reply) {
      s.off_any();
      reply(true);
    });
    s.on("emit-back", [s](const args& a, ack reply) {
      s.emit(str_arg(a, 0), arg_or_null(a, 1));
      reply(true);
    });
    s.on("forbidden", [s](const args&, ack) { s.emit("forbidden-ran"); });
    s.on("mutate", [](const args& a, ack reply) { reply.send(a); });
    s.on("throw", [](const args&, ack) { throw std::runtime_error("boom"); });
  }

  void install_main(socketio::socket s) {
    install_listeners(s);

    s.on("emit-reserved", [this, s](const args& a, ack reply) {
      const std::string name = str_arg(a, 0);
      const std::string via = str_arg(a, 1, "socket");
      try {
        if (via == "io") {
          io_.emit(name, 1);
        } else if (via == "room") {
          io_.to(s.id()).emit(name, 1);
        } else {
          s.emit(name, 1);
        }
        reply(json{{"error", nullptr}});
      } catch (const std::invalid_argument& e) {
        reply(json{{"error", e.what()}, {"type", "invalid_argument"}});
      } catch (const std::exception& e) {
        reply(json{{"error", e.what()}, {"type", "other"}});
      }
    });

    s.on("ask", [s](const args& a, ack reply) {
      const auto timeout = std::chrono::milliseconds(int_arg(a, 0, 1000));
      s.emit_with_ack("question", args{arg_or_null(a, 1)}, timeout,
                      [reply](std::optional<socketio::ack_error> err, args answer) {
                        json out = json::array();
                        for (auto& v : answer)
                          out.push_back(std::move(v));
                        reply(json{{"error", err ? json(err->message) : json(nullptr)},
                                   {"answer", std::move(out)}});
                      });
    });

    // The future-returning emit_with_ack, waited on from a thread that is not an I/O thread
    // (waiting on the strand that completes it would deadlock). Bounded so shutdown never hangs.
    s.on("ask-future", [this, s](const args& a, ack reply) {
      const auto timeout = std::chrono::milliseconds(int_arg(a, 0, 1000));
      const json question = arg_or_null(a, 1);
      spawn([s, reply, timeout, question] {
        auto answer = s.emit_with_ack("question", args{question}, timeout);
        if (answer.wait_for(timeout + std::chrono::seconds(5)) != std::future_status::ready) {
          reply(json{{"error", "no result"}, {"answer", nullptr}});
          return;
        }
        try {
          json out = json::array();
          for (auto& v : answer.get())
            out.push_back(std::move(v));
          reply(json{{"error", nullptr}, {"answer", std::move(out)}});
        } catch (const socketio::ack_timeout& e) {
          reply(json{{"error", e.what()}, {"answer", nullptr}});
        }
      });
    });

    // server_side_emit_with_ack on one node: no other node can answer, and this node's own
    // server-side handlers must not run.
    s.on("server-side-ack", [this](const args& a, ack reply) {
      const std::string event = str_arg(a, 0, "sse");
      const auto timeout = std::chrono::milliseconds(int_arg(a, 1, 1000));
      io_.of("/").on_server_side(event, [this](const args&, ack) { ++server_side_runs_; });
      try {
        io_.of("/").server_side_emit_with_ack(
            event, {}, timeout,
            [this, reply](std::optional<socketio::ack_error> err, std::vector<json> responses) {
              json out = json::array();
              for (auto& v : responses)
                out.push_back(std::move(v));
              reply(json{{"error", err ? json(err->message) : json(nullptr)},
                         {"responses", std::move(out)},
                         {"local_runs", server_side_runs_.load()}});
            });
      } catch (const std::invalid_argument& e) {
        reply(json{{"error", e.what()}, {"type", "invalid_argument"}});
      }
    });

    s.on("ack-twice", [](const args&, ack reply) {
      reply("first");
      reply("second");
    });

    s.on("bcast-ack-no-timeout", [this](const args& a, ack reply) {
      try {
        io_.to(str_arg(a, 0)).emit_with_ack("ask", args{}, [](auto, auto) {});
        reply(json{{"error", nullptr}});
      } catch (const std::invalid_argument& e) {
        reply(json{{"error", e.what()}, {"type", "invalid_argument"}});
      }
    });

    s.on("bcast", [this, s](const args& a, ack reply) {
      const json spec = arg_or_null(a, 0);
      const std::string event = str_field(spec, "event", "bcast");
      const json data = spec.is_object() && spec.contains("data") ? spec["data"] : json(nullptr);
      const auto to = string_list(spec.is_object() ? spec.value("to", json()) : json());
      const auto except = string_list(spec.is_object() ? spec.value("except", json()) : json());
      const bool is_volatile = is_true(spec, "volatile");
      const bool is_local = is_true(spec, "local");
      const bool no_compress =
          spec.is_object() && spec.contains("compress") && spec["compress"] == false;
      const auto nsp = io_.of(s.nsp());

      std::optional<socketio::broadcast_operator> op;
      std::size_t to_used = 0;
      std::size_t except_used = 0;
      if (str_field(spec, "from", "io") == "socket") {
        op = s.broadcast();
      } else if (!to.empty()) {
        op = io_.to(to[0]);  // the server's own operators
        to_used = 1;
      } else if (!except.empty()) {
        op = io_.except(except[0]);
        except_used = 1;
      } else if (is_volatile) {
        op = nsp.volatile_();
      } else if (is_local) {
        op = nsp.local();
      } else if (no_compress) {
        op = nsp.local().compress(false);  // no flag-less namespace operator in the API
      }
      if (!op) {
        io_.emit(event, data);  // namespace-level emit
        reply(true);
        return;
      }
      for (std::size_t i = to_used; i < to.size(); ++i)
        op = op->to(to[i]);
      for (std::size_t i = except_used; i < except.size(); ++i)
        op = op->except(except[i]);
      if (is_volatile) op = op->volatile_();
      if (is_local) op = op->local();
      if (no_compress) op = op->compress(false);
      op->emit(event, data);
      reply(true);
    });

    s.on("volatile-burst", [this](const args& a, ack reply) {
      const std::string room = str_arg(a, 0);
      const long long count = int_arg(a, 1, 0);
      for (long long i = 0; i < count; ++i)
        io_.to(room).volatile_().emit("vol", i);
      io_.to(room).emit("vol-done", count);
      reply(true);
    });

    s.on("parent-emit", [this](const args& a, ack reply) {
      const auto& parent = str_arg(a, 0) == "pred" ? pred_ : dyn_;
      parent.emit(str_arg(a, 1, "from-parent"), arg_or_null(a, 2));
      reply(true);
    });

    s.on("ping-all", [this, s](const args& a, ack reply) {
      const std::string room = str_arg(a, 0);
      const auto timeout = std::chrono::milliseconds(int_arg(a, 1, 1000));
      io_.to(room).timeout(timeout).emit_with_ack(
          "ping-all", args{json{{"from", s.id()}}},
          [reply](std::optional<socketio::ack_error> err, std::vector<json> responses) {
            std::sort(responses.begin(), responses.end(),
                      [](const json& x, const json& y) { return x.dump() < y.dump(); });
            json list = json::array();
            for (auto& r : responses)
              list.push_back(std::move(r));
            json out{{"error", err ? json(err->message) : json(nullptr)},
                     {"responses", std::move(list)}};
            if (err) out["answered"] = json::array({err->answered, err->expected});
            reply(out);
          });
    });

    // The callback form: with a cluster adapter it would complete later, on another thread.
    s.on("fetch", [this](const args& a, ack reply) {
      io_.in(str_arg(a, 0)).fetch_sockets([reply](std::vector<socketio::remote_socket> sockets) {
        std::sort(sockets.begin(), sockets.end(),
                  [](const auto& x, const auto& y) { return x.id < y.id; });
        json out = json::array();
        for (const auto& r : sockets) {
          out.push_back(json{{"id", r.id},
                             {"rooms", rooms_json(r.rooms)},
                             {"data", r.data},
                             {"auth", r.handshake.auth}});
        }
        reply(out);
      });
    });

    s.on("remote", [this](const args& a, ack reply) {
      // The future form, ready at once with the in-memory adapter.
      const auto sockets = io_.in(str_arg(a, 0)).fetch_sockets().get();
      const std::string action = str_arg(a, 1);
      for (const auto& r : sockets) {
        if (action == "emit") {
          r.emit("remote-msg", arg_or_null(a, 2));
        } else if (action == "join") {
          r.join(str_arg(a, 2));
        } else if (action == "leave") {
          r.leave(str_arg(a, 2));
        } else if (action == "disconnect") {
          r.disconnect(bool_arg(a, 2));
        }
      }
      reply(sockets.size());
    });

    s.on("sockets-join", [this](const args& a, ack reply) {
      const auto list = string_list(arg_or_null(a, 1));
      io_.in(str_arg(a, 0)).sockets_join(std::set<std::string>(list.begin(), list.end()));
      reply(true);
    });
    s.on("sockets-leave", [this](const args& a, ack reply) {
      const auto list = string_list(arg_or_null(a, 1));
      io_.in(str_arg(a, 0)).sockets_leave(std::set<std::string>(list.begin(), list.end()));
      reply(true);
    });
    s.on("disconnect-sockets", [this](const args& a, ack reply) {
      reply(true);
      io_.in(str_arg(a, 0)).disconnect_sockets(bool_arg(a, 1));
    });

    s.on("close-server", [this](const args&, ack reply) {
      reply(true);
      io_.close([] { print_line("closed"); });
    });

    s.on("drain-server", [this](const args& a, ack reply) {
      reply(true);
      socketio::drain_options options;
      options.sessions_per_second = static_cast<double>(int_arg(a, 0, 100));
      options.deadline = std::chrono::seconds(10);
      auto finished = io_.drain(options, [] { print_line("drained"); });
      std::thread([finished = std::move(finished)]() mutable {
        finished.wait();
        print_line("drain-future");
      }).detach();
    });

    // The future forms on an I/O thread: they must never leave a future that only this thread
    // could complete (waiting on it would hang the loop). Checked without blocking.
    s.on("future-on-io", [this, s](const args& a, ack reply) {
      const std::string room = str_arg(a, 0);
      const auto timeout = std::chrono::milliseconds(int_arg(a, 1, 1000));
      json out = json::object();
      out["socket_ack"] = settle(s.emit_with_ack("question", args{}, timeout)).first;
      out["bcast_ack"] =
          settle(io_.to(room).timeout(timeout).emit_with_ack("question", args{})).first;
      auto [fetch_state, sockets] = settle(io_.in(room).fetch_sockets());
      out["fetch"] = fetch_state;
      if (sockets) {
        std::vector<std::string> ids;
        for (const auto& r : *sockets)
          ids.push_back(r.id);
        std::sort(ids.begin(), ids.end());
        out["ids"] = ids;
      }
      reply(out);
    });

    s.on("keep-handle", [this, s](const args&, ack reply) {
      {
        std::lock_guard lock(mutex_);
        kept_.insert_or_assign(s.id(), kept_handle{s, s.handshake()});
      }
      reply(true);
    });
    s.on("kept-handle", [this](const args& a, ack reply) {
      std::optional<kept_handle> kept;
      {
        std::lock_guard lock(mutex_);
        const auto it = kept_.find(str_arg(a, 0));
        if (it != kept_.end()) kept = it->second;
      }
      if (!kept) return reply(nullptr);
      const socketio::handshake now = kept->handle.handshake();
      const std::string* host = kept->copy.request ? kept->copy.request->header("host") : nullptr;
      reply(
          json{{"connected", kept->handle.connected()},
               {"emit", kept->handle.emit("late", 1)},
               {"now",
                {{"has_request", now.request != nullptr}, {"auth", now.auth}, {"url", now.url()}}},
               {"copy",
                {{"has_request", kept->copy.request != nullptr},
                 {"auth", kept->copy.auth},
                 {"url", kept->copy.url()},
                 {"host", host ? json(*host) : json(nullptr)}}}});
    });

    s.on("emit-from-thread", [this, s](const args& a, ack reply) {
      const std::string room = str_arg(a, 0);
      const long long count = int_arg(a, 1, 0);
      spawn([this, s, room, count, reply] {
        for (long long i = 0; i < count; ++i)
          io_.to(room).emit("tick", i);
        for (const auto& r : io_.in(room).fetch_sockets().get())
          r.emit("personal", r.id);
        s.emit("thread-done", room, count);
        reply(count);
      });
    });
  }

  /// Settles a future that must not be waited on here: "ok" (with its value), "logic_error",
  /// "pending" (not ready) or "error:<what>" (ack_timeout and others).
  template <class T>
  static std::pair<std::string, std::optional<T>> settle(std::future<T> f) {
    if (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return {"pending", {}};
    try {
      return {"ok", f.get()};
    } catch (const std::future_error& e) {
      return {std::string("error:") + e.what(), {}};
    } catch (const std::logic_error&) {
      return {"logic_error", {}};
    } catch (const std::exception& e) {
      return {std::string("error:") + e.what(), {}};
    }
  }

  struct kept_handle {
    socketio::socket handle;
    socketio::handshake copy;  // taken while the socket was connected
  };

  socketio::server& io_;
  socketio::namespace_handle dyn_;
  socketio::namespace_handle pred_;
  mutable std::mutex mutex_;
  std::map<std::string, json> disconnect_log_;
  std::map<std::string, kept_handle> kept_;
  std::vector<std::thread> threads_;
  std::atomic<int> server_side_runs_{0};
};

}  // namespace

int main(int argc, char** argv) {
  const server_flags flags = parse(argc, argv);
  boost::asio::io_context ioc(static_cast<int>(flags.threads));

  socketio::server_options options;
  options.engine.ping_interval = flags.ping_interval;
  options.engine.ping_timeout = flags.ping_timeout;
  // --executor 1: the executor constructor, on a strand (the server makes its own strands on
  // top of it); otherwise the io_context constructor.
  std::optional<socketio::server> io_storage;
  if (flags.executor) {
    io_storage.emplace(boost::asio::any_io_executor(boost::asio::make_strand(ioc)), options);
  } else {
    io_storage.emplace(ioc, options);
  }
  socketio::server& io = *io_storage;
  scenario app(io);
  app.install();
  socketio::engine::server engine(ioc, socketio::engine_options{});
  app.install_engine(engine);
  io.also_serve(engine);

  std::uint16_t port = 0;
  // On a strand of its own: the accept completions and the close at SIGTERM may otherwise run
  // on two threads at once (--threads).
  boost::asio::ip::tcp::acceptor acceptor(boost::asio::make_strand(ioc));
  std::function<void()> accept_next = [&] {
    acceptor.async_accept([&](boost::system::error_code ec, boost::asio::ip::tcp::socket sock) {
      if (!acceptor.is_open()) return;
      if (!ec) socketio::serve_connection(io, std::move(sock));
      accept_next();
    });
  };
  try {
    if (flags.own_acceptor) {
      // The host owns the listening socket; the server only serves what it is handed.
      const boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"),
                                              flags.port);
      acceptor.open(ep.protocol());
      acceptor.bind(ep);
      acceptor.listen();
      port = acceptor.local_endpoint().port();
      accept_next();
    } else {
      port = io.listen(flags.port, "127.0.0.1");
    }
  } catch (const std::exception& e) {
    std::cerr << "socketio-api-server: cannot listen on port " << flags.port << ": " << e.what()
              << '\n';
    return 1;
  }

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  boost::asio::steady_timer grace(ioc);
  signals.async_wait([&](boost::system::error_code, int) {
    boost::asio::post(acceptor.get_executor(), [&] {
      boost::system::error_code ignored;
      acceptor.close(ignored);
    });
    io.close();
    engine.close();
    // A moment for the disconnect handlers and close packets, then stop.
    grace.expires_after(200ms);
    grace.async_wait([&](boost::system::error_code) { ioc.stop(); });
  });

  std::cout << "listening " << port << std::endl;

  std::vector<std::thread> workers;
  for (unsigned i = 1; i < flags.threads; ++i)
    workers.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : workers)
    t.join();
  app.join_threads();
  return 0;
}
