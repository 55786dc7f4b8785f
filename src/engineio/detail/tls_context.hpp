// The SSL context of a TLS listener, replaceable while it serves: each connection takes the
// context current at its accept and keeps it (shared_ptr) for its whole life, so a reload
// changes what new connections see and leaves live ones alone.
#pragma once

#include <memory>
#include <mutex>

#include "socketio/tls.hpp"

namespace boost::asio::ssl {
class context;
}

namespace socketio::detail {

/// Builds a server context from `options`; throws std::invalid_argument naming what is wrong.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const tls_options& options);

class tls_context_source {
 public:
  /// Throws std::invalid_argument on bad options.
  explicit tls_context_source(const tls_options& options);

  /// The context for a connection accepted now. Safe from any thread.
  std::shared_ptr<boost::asio::ssl::context> current() const;
  tls_listen_mode mode() const { return mode_; }
  /// Replaces the context for connections accepted from now on. Throws std::invalid_argument
  /// on bad options, and then the current context stays. The mode cannot change (it is the
  /// listener's, fixed at listen()): a different one is refused the same way.
  void reload(const tls_options& options);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> context_;  // guarded by mutex_
  tls_listen_mode mode_;
};

}  // namespace socketio::detail
