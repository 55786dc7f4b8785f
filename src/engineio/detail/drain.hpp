// A graceful drain of one endpoint (engine::server::drain, socketio::server::drain): new
// handshakes are refused, open sessions are closed at a set rate, the rest at a deadline, and
// the completion runs when the session table is empty.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "socketio/options.hpp"

namespace socketio::detail {

class endpoint;
class http_listener;
class session;

class drain_run : public std::enable_shared_from_this<drain_run> {
 public:
  /// Closes one session the way the layer above wants its clients to see it: gracefully, or
  /// (`at_once`, at the deadline) without waiting for the client, for a polling session
  /// whose close would otherwise linger until the client's next GET.
  using close_function = std::function<void(const std::shared_ptr<session>&, bool at_once)>;

  drain_run(const std::shared_ptr<endpoint>& ep, drain_options options, close_function close_one,
            std::function<void()> done);

  /// Marks the endpoint draining and starts closing; the future completes with `done`.
  std::future<void> start();

  /// Closes `listener` (may be null) now, or, with `keep_listening`, just before `done` runs:
  /// returns the completion to pass to the constructor.
  static std::function<void()> closing_listener(std::shared_ptr<http_listener> listener,
                                                const drain_options& options,
                                                std::function<void()> done);

 private:
  void tick();
  /// Queues the sessions not asked to close yet; false when there are none.
  bool refill();
  void close_rest();
  /// Finishes once the table is empty and no admitted handshake is still on its way in.
  void finish_when_empty();
  void finish();

  std::weak_ptr<endpoint> endpoint_;
  drain_options options_;
  close_function close_one_;
  std::function<void()> done_;
  // Everything below is touched on strand_ only.
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer settle_timer_;  // finish_when_empty's second look
  boost::asio::steady_timer deadline_timer_;
  std::chrono::steady_clock::time_point last_tick_;
  double quota_ = 1;  // the first session goes at once
  std::vector<std::weak_ptr<session>> pending_;
  std::unordered_set<std::string> asked_;
  std::promise<void> finished_;
  bool complete_ = false;
};

}  // namespace socketio::detail
