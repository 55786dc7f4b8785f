// Accepts TCP connections and routes each HTTP request to the endpoint whose path prefixes it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engineio/detail/http_exchange.hpp"
#include "socketio/tls.hpp"

namespace socketio::detail {

class endpoint;
class logger;
class static_files;
class tls_context_source;

class http_listener : public std::enable_shared_from_this<http_listener> {
 public:
  /// `files` (may be null) answers the paths no endpoint serves, and a few exact paths first.
  http_listener(boost::asio::any_io_executor executor,
                std::vector<std::shared_ptr<endpoint>> endpoints,
                std::shared_ptr<const static_files> files = nullptr);

  /// Binds and starts accepting; returns the bound port. Throws on failure.
  std::uint16_t listen(const std::string& address, std::uint16_t port);
  /// The same over TLS. Throws std::invalid_argument on bad options (before binding).
  std::uint16_t listen(const std::string& address, std::uint16_t port, const tls_options& tls);
  /// New TLS connections use `tls` from now on; live ones keep their context. Throws
  /// std::invalid_argument on bad options (the old context stays) and std::logic_error when
  /// this listener does not listen with TLS.
  void reload_tls(const tls_options& tls);
  /// Stops accepting; established connections finish on their own.
  void close();

  /// The endpoint serving `path`, or nullptr.
  std::shared_ptr<endpoint> route(std::string_view path) const;
  /// A file mounted at exactly `path`, answered before any endpoint; or nullopt.
  std::optional<http_reply> mounted_file(std::string_view method, std::string_view path) const;
  /// The reply for a path no endpoint serves when there is a static root; or nullopt (404).
  std::optional<http_reply> file_under_root(std::string_view method, std::string_view path) const;
  /// The first endpoint's log (connections without a session log there).
  const logger& log() const;

 private:
  void accept();
  /// An accept failed for want of a resource (descriptors, memory): wait before the next one.
  void back_off(const boost::system::error_code& ec);

  boost::asio::any_io_executor executor_;
  boost::asio::ip::tcp::acceptor acceptor_;
  // On the acceptor's strand, like every accept completion.
  boost::asio::steady_timer backoff_timer_;
  std::chrono::milliseconds backoff_{0};  // 0: accepting normally
  std::vector<std::shared_ptr<endpoint>> endpoints_;
  std::shared_ptr<const static_files> files_;
  // Set by a TLS listen() before the first accept, then only read (its context is swapped
  // under its own lock).
  std::shared_ptr<tls_context_source> tls_;
};

}  // namespace socketio::detail
