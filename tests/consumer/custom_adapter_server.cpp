// A user-written adapter, built against the installed public headers only: it derives from
// socketio::memory_adapter, records every operation that reaches it, and changes two kinds of
// broadcast (event "drop-me" is not delivered; event "tag-me" gets an extra argument), so a
// client can see that broadcasts go through it. tests/consumer/custom-adapter.test.mjs drives
// it with socket.io-client.
//
// Usage: custom_adapter_server [--port N]. Listens on 127.0.0.1, prints `listening <port>`,
// exits 0 on SIGTERM/SIGINT.
//
// Events on "/" (each acks once):
//   "bcast" (spec)      spec = {to: [rooms], except: [rooms], local, volatile, compress (false
//                       -> compress(false)), event, data}: io.to(...)...emit(event, data) -> true
//   "sse" (event, v)    io.server_side_emit(event, {v}) -> true
//   "join" (room)       socket.join(room) -> the socket's rooms (sorted)
//   "rooms"             -> the socket's rooms (sorted)
//   "sockets-join" (room, [rooms]) / "sockets-leave" (room, [rooms])  io.in(room).sockets_*
//                       -> true
//   "fetch" (room)      io.in(room).fetch_sockets() -> the ids (sorted)
//   "disconnect-sockets" (room)  acks true, then io.in(room).disconnect_sockets()
//   "report"            -> what reached the adapter since the last report, then clears it:
//                       {namespaces: [names the factory made adapters for],
//                        broadcasts: [{event, rooms, except, local, volatile, compress}],
//                        server_side: [[event, args...]], fetches: [{rooms, except}],
//                        joins: [{rooms, except, add}], leaves: [{rooms, except, remove}],
//                        disconnects: [{rooms, except, close}]}
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <socketio/memory_adapter.hpp>
#include <socketio/socketio.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace {

using socketio::args;
using socketio::broadcast_options;
using socketio::json;

json list(const std::set<std::string>& names) {
  json out = json::array();
  for (const auto& n : names)
    out.push_back(n);
  return out;
}

json where(const broadcast_options& opts) {
  return json{{"rooms", list(opts.rooms)}, {"except", list(opts.except)}};
}

std::set<std::string> names(const json& v) {
  std::set<std::string> out;
  if (v.is_string()) out.insert(v.get<std::string>());
  if (v.is_array()) {
    for (const auto& x : v) {
      if (x.is_string()) out.insert(x.get<std::string>());
    }
  }
  return out;
}

/// What reached the adapters, shared by every namespace's adapter.
class journal {
 public:
  void add(const std::string& kind, json entry) {
    std::lock_guard lock(mutex_);
    if (!entries_.contains(kind)) entries_[kind] = json::array();
    entries_[kind].push_back(std::move(entry));
  }
  json take() {
    std::lock_guard lock(mutex_);
    json out = std::move(entries_);
    entries_ = json::object();
    for (const char* kind :
         {"namespaces", "broadcasts", "server_side", "fetches", "joins", "leaves", "disconnects"}) {
      if (!out.contains(kind)) out[kind] = json::array();
    }
    return out;
  }

 private:
  std::mutex mutex_;
  json entries_ = json::object();
};

class recording_adapter : public socketio::memory_adapter {
 public:
  recording_adapter(std::weak_ptr<socketio::adapter_host> host, std::shared_ptr<journal> log)
      : memory_adapter(std::move(host)), log_(std::move(log)) {}

  void init() override {
    if (const auto h = host()) log_->add("namespaces", h->name());
  }

  void broadcast(const socketio::outgoing_packet& packet, const broadcast_options& opts) override {
    const socketio::packet& p = packet.view();
    const std::string event = p.data.is_array() && !p.data.empty() && p.data[0].is_string()
                                  ? p.data[0].get<std::string>()
                                  : std::string();
    json entry = where(opts);
    entry["event"] = event;
    entry["local"] = opts.flags.local;
    entry["volatile"] = opts.flags.is_volatile;
    entry["compress"] = opts.flags.compress;
    log_->add("broadcasts", std::move(entry));
    if (event == "drop-me") return;
    if (event == "tag-me") {
      // The adapter re-encodes the packet through its host with one more argument.
      const auto h = host();
      if (!h) return;
      socketio::packet tagged = p;
      tagged.data.push_back("tagged-by-adapter");
      memory_adapter::broadcast(h->encode(std::move(tagged)), opts);
      return;
    }
    memory_adapter::broadcast(packet, opts);
  }

  void fetch_sockets(const broadcast_options& opts, socketio::fetch_callback done) override {
    log_->add("fetches", where(opts));
    memory_adapter::fetch_sockets(opts, std::move(done));
  }
  void add_sockets(const broadcast_options& opts, const std::set<std::string>& rooms) override {
    json entry = where(opts);
    entry["add"] = list(rooms);
    log_->add("joins", std::move(entry));
    memory_adapter::add_sockets(opts, rooms);
  }
  void del_sockets(const broadcast_options& opts, const std::set<std::string>& rooms) override {
    json entry = where(opts);
    entry["remove"] = list(rooms);
    log_->add("leaves", std::move(entry));
    memory_adapter::del_sockets(opts, rooms);
  }
  void disconnect_sockets(const broadcast_options& opts, bool close) override {
    json entry = where(opts);
    entry["close"] = close;
    log_->add("disconnects", std::move(entry));
    memory_adapter::disconnect_sockets(opts, close);
  }
  void server_side_emit(const args& values) override {
    json entry = json::array();
    for (const auto& v : values)
      entry.push_back(v);
    log_->add("server_side", std::move(entry));
  }

 private:
  std::shared_ptr<journal> log_;
};

void install(socketio::server& io, const std::shared_ptr<journal>& log) {
  io.on_connection([&io, log](socketio::socket s) {
    s.on("bcast", [&io](const args& a, socketio::ack reply) {
      const json spec = a.empty() ? json::object() : a[0];
      // compress(true) is the default: an operator with no room and no flag set yet.
      socketio::broadcast_operator op = io.compress(true);
      for (const auto& room : names(spec.value("to", json())))
        op = op.to(room);
      for (const auto& room : names(spec.value("except", json())))
        op = op.except(room);
      if (spec.value("local", false)) op = op.local();
      if (spec.value("volatile", false)) op = op.volatile_();
      if (spec.contains("compress") && spec["compress"] == false) op = op.compress(false);
      op.emit(spec.value("event", std::string("bcast")), spec.value("data", json()));
      reply(true);
    });
    s.on("sse", [&io](const args& a, socketio::ack reply) {
      io.server_side_emit(a.at(0).get<std::string>(), args{a.size() > 1 ? a[1] : json()});
      reply(true);
    });
    s.on("join", [s](const args& a, socketio::ack reply) {
      s.join(a.at(0).get<std::string>());
      reply(list(s.rooms()));
    });
    s.on("rooms", [s](const args&, socketio::ack reply) { reply(list(s.rooms())); });
    s.on("sockets-join", [&io](const args& a, socketio::ack reply) {
      io.in(a.at(0).get<std::string>()).sockets_join(names(a.at(1)));
      reply(true);
    });
    s.on("sockets-leave", [&io](const args& a, socketio::ack reply) {
      io.in(a.at(0).get<std::string>()).sockets_leave(names(a.at(1)));
      reply(true);
    });
    s.on("fetch", [&io](const args& a, socketio::ack reply) {
      io.in(a.at(0).get<std::string>())
          .fetch_sockets([reply](std::vector<socketio::remote_socket> sockets) {
            std::set<std::string> ids;
            for (const auto& r : sockets)
              ids.insert(r.id);
            reply(list(ids));
          });
    });
    s.on("disconnect-sockets", [&io](const args& a, socketio::ack reply) {
      reply(true);
      io.in(a.at(0).get<std::string>()).disconnect_sockets();
    });
    s.on("report", [log](const args&, socketio::ack reply) { reply(log->take()); });
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--port") port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
  }
  boost::asio::io_context ioc;
  auto log = std::make_shared<journal>();
  socketio::server_options options;
  options.adapter = [log](std::weak_ptr<socketio::adapter_host> host) {
    return std::make_shared<recording_adapter>(std::move(host), log);
  };
  socketio::server io(ioc, options);
  install(io, log);
  const auto bound = io.listen(port, "127.0.0.1");

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) { io.close([&ioc] { ioc.stop(); }); });
  std::cout << "listening " << bound << std::endl;
  ioc.run();
  return 0;
}
