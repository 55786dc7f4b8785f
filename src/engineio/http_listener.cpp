#include "engineio/detail/http_listener.hpp"

#include <boost/asio/strand.hpp>

#include "engineio/detail/endpoint.hpp"
#include "engineio/detail/http_connection.hpp"
#include "engineio/detail/static_files.hpp"

namespace socketio::detail {

http_listener::http_listener(boost::asio::any_io_executor executor,
                             std::vector<std::shared_ptr<endpoint>> endpoints,
                             std::shared_ptr<const static_files> files)
    // The acceptor has a strand of its own: close() (posted to it) and the accept completions
    // (which run on it) never overlap when several threads run the context.
    : executor_(executor),
      acceptor_(boost::asio::make_strand(executor)),
      endpoints_(std::move(endpoints)),
      files_(std::move(files)) {}

std::uint16_t http_listener::listen(const std::string& address, std::uint16_t port) {
  const boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address(address), port);
  acceptor_.open(ep.protocol());
  acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(boost::asio::socket_base::max_listen_connections);
  const auto bound = acceptor_.local_endpoint().port();
  accept();
  return bound;
}

void http_listener::close() {
  boost::asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor_.close(ec);
  });
}

std::shared_ptr<endpoint> http_listener::route(std::string_view path) const {
  for (const auto& ep : endpoints_) {
    // Matched by prefix of the path, as the reference does (docs/PROTOCOL.md 1.1).
    if (path.starts_with(ep->options().path)) return ep;
  }
  return nullptr;
}

std::optional<http_reply> http_listener::mounted_file(std::string_view method,
                                                      std::string_view path) const {
  return files_ ? files_->mounted(method, path) : std::nullopt;
}

std::optional<http_reply> http_listener::file_under_root(std::string_view method,
                                                         std::string_view path) const {
  return files_ ? files_->under_root(method, path) : std::nullopt;
}

void http_listener::accept() {
  acceptor_.async_accept(
      boost::asio::make_strand(executor_),
      [self = shared_from_this()](boost::system::error_code ec,
                                  boost::asio::ip::tcp::socket socket) {
        if (ec == boost::asio::error::operation_aborted || !self->acceptor_.is_open()) return;
        if (!ec) {
          const auto timeout = self->endpoints_.empty()
                                   ? std::chrono::milliseconds(10000)
                                   : self->endpoints_.front()->options().request_timeout;
          serve_http_connection(std::move(socket), self, timeout);
        }
        // Transient accept errors (EMFILE, ECONNABORTED) must not stop the server.
        self->accept();
      });
}

}  // namespace socketio::detail
