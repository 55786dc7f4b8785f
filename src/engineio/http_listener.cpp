#include "engineio/detail/http_listener.hpp"

#include <boost/asio/strand.hpp>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <string>

#include "common/detail/logger.hpp"
#include "engineio/detail/endpoint.hpp"
#include "engineio/detail/http_connection.hpp"
#include "engineio/detail/static_files.hpp"
#include "engineio/detail/tls_context.hpp"

namespace socketio::detail {

http_listener::http_listener(boost::asio::any_io_executor executor,
                             std::vector<std::shared_ptr<endpoint>> endpoints,
                             std::shared_ptr<const static_files> files)
    // The acceptor has a strand of its own: close() (posted to it) and the accept completions
    // (which run on it) never overlap when several threads run the context.
    : executor_(executor),
      acceptor_(boost::asio::make_strand(executor)),
      backoff_timer_(acceptor_.get_executor()),
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

std::uint16_t http_listener::listen(const std::string& address, std::uint16_t port,
                                    const tls_options& tls) {
  if (tls_) throw std::logic_error("listen: this server is already listening");
  tls_ = std::make_shared<tls_context_source>(tls);
  try {
    return listen(address, port);
  } catch (...) {
    tls_.reset();
    throw;
  }
}

void http_listener::reload_tls(const tls_options& tls) {
  if (!tls_) throw std::logic_error("reload_tls: the server does not listen with TLS");
  tls_->reload(tls);
}

void http_listener::close() {
  boost::asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor_.close(ec);
    self->backoff_timer_.cancel();
  });
}

const logger& http_listener::log() const {
  return endpoints_.empty() ? logger::fallback() : endpoints_.front()->log();
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

namespace {

// Errors that say the process (or the system) is out of something an accept needs. Retrying
// at once would fail again at once: at the open-file limit that is a loop burning a whole core
// until a client leaves.
bool out_of_resources(const boost::system::error_code& ec) {
  return ec == boost::asio::error::no_descriptors ||  // EMFILE
         ec.value() == ENFILE || ec == boost::asio::error::no_buffer_space ||
         ec == boost::asio::error::no_memory;
}

constexpr std::chrono::milliseconds first_backoff{10};
constexpr std::chrono::milliseconds max_backoff{1000};

}  // namespace

void http_listener::accept() {
  acceptor_.async_accept(
      boost::asio::make_strand(executor_),
      [self = shared_from_this()](boost::system::error_code ec,
                                  boost::asio::ip::tcp::socket socket) {
        if (ec == boost::asio::error::operation_aborted || !self->acceptor_.is_open()) return;
        if (!ec) {
          if (self->backoff_.count() != 0) {
            self->backoff_ = std::chrono::milliseconds(0);
            self->log().log(log_level::warning, "accepting connections again");
          }
          const auto timeout = self->endpoints_.empty()
                                   ? std::chrono::milliseconds(10000)
                                   : self->endpoints_.front()->options().request_timeout;
          if (self->tls_) {
            serve_tls_connection(std::move(socket), self, timeout, self->tls_->current(),
                                 self->tls_->mode());
          } else {
            serve_http_connection(std::move(socket), self, timeout);
          }
        } else if (out_of_resources(ec)) {
          self->back_off(ec);
          return;
        }
        // Other accept errors (a connection reset before it was accepted) concern one client.
        self->accept();
      });
}

void http_listener::back_off(const boost::system::error_code& ec) {
  if (backoff_.count() == 0) {
    // Once per episode, not per retry: the log must not become the next resource to run out.
    log().log(log_level::warning,
              "cannot accept connections (" + ec.message() +
                  "); established connections are served, accepting resumes when "
                  "resources free up");
    backoff_ = first_backoff;
  } else {
    backoff_ = std::min(backoff_ * 2, max_backoff);
  }
  backoff_timer_.expires_after(backoff_);
  backoff_timer_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
    if (wait_ec || !self->acceptor_.is_open()) return;
    self->accept();
  });
}

}  // namespace socketio::detail
