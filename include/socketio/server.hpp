// socketio::server: the Socket.IO v5 server.
#pragma once

#include <functional>
#include <memory>
#include <regex>
#include <string>

#include "socketio/engine.hpp"
#include "socketio/namespace.hpp"
#include "socketio/options.hpp"

namespace socketio {

namespace detail {
class sio_server;
}

struct server_options {
  /// Engine.IO options; path defaults to "/socket.io/" here.
  engine_options engine = [] {
    engine_options e;
    e.path = "/socket.io/";
    return e;
  }();
  /// A connection that joins no namespace within this time is closed.
  std::chrono::milliseconds connect_timeout{45000};
  /// Remove dynamic child namespaces when their last socket leaves.
  bool cleanup_empty_child_namespaces = false;
};

/// Safe from any thread. The host runs the io_context (on one thread or many).
class server {
 public:
  server(boost::asio::io_context& ioc, server_options options = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// The main namespace "/" handlers and middleware (io.use applies to "/" only).
  void on_connection(std::function<void(socket)> handler);
  void use(connect_middleware middleware);

  namespace_handle of(const std::string& name);
  /// Dynamic namespaces: a CONNECT to a name the predicate accepts creates a child namespace
  /// that gets this parent's connection handlers and middleware.
  namespace_handle of(std::function<bool(const std::string& name, const json& auth)> predicate);
  namespace_handle of(const std::regex& pattern);

  broadcast_operator to(const std::string& room) const;
  broadcast_operator in(const std::string& room) const { return to(room); }
  broadcast_operator except(const std::string& room) const;
  broadcast_operator volatile_() const;
  broadcast_operator local() const;
  broadcast_operator compress(bool on) const;
  broadcast_operator timeout(std::chrono::milliseconds t) const;
  /// The main namespace "/".
  namespace_handle sockets() const { return main(); }
  template <class... T>
  bool emit(std::string_view event, T&&... values) const {
    return main().emit(event, std::forward<T>(values)...);
  }

  /// Listens on address:port (0 picks one) and returns the bound port.
  std::uint16_t listen(std::uint16_t port, const std::string& address = "0.0.0.0");
  /// Also serves a raw Engine.IO server's path on this server's port. Call before listen().
  void also_serve(const engine::server& raw);
  /// Disconnects every socket ("server shutting down") and stops listening.
  void close();

  std::shared_ptr<detail::sio_server> impl() const { return impl_; }
  const std::vector<std::shared_ptr<detail::endpoint>>& extra_endpoints() const {
    return extra_endpoints_;
  }

 private:
  namespace_handle main() const;
  std::shared_ptr<detail::sio_server> impl_;
  std::vector<std::shared_ptr<detail::endpoint>> extra_endpoints_;
};

}  // namespace socketio
