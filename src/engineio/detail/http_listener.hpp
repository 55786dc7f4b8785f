// Accepts TCP connections and routes each HTTP request to the endpoint whose path prefixes it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>
#include <vector>

namespace socketio::detail {

class endpoint;

class http_listener : public std::enable_shared_from_this<http_listener> {
 public:
  http_listener(boost::asio::any_io_executor executor,
                std::vector<std::shared_ptr<endpoint>> endpoints);

  /// Binds and starts accepting; returns the bound port. Throws on failure.
  std::uint16_t listen(const std::string& address, std::uint16_t port);
  /// Stops accepting; established connections finish on their own.
  void close();

  /// The endpoint serving `path`, or nullptr.
  std::shared_ptr<endpoint> route(std::string_view path) const;

 private:
  void accept();

  boost::asio::any_io_executor executor_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<endpoint>> endpoints_;
};

}  // namespace socketio::detail
