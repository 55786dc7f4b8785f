// What the adapters of one factory share: the two Redis connections (commands and
// subscriptions), the routing of subscription messages to the adapter that owns each channel,
// and rate-limited logging of publish failures and unreadable messages.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "redis/detail/redis_connection.hpp"
#include "socketio/options.hpp"

namespace socketio::detail::redis {

/// An adapter's side of the routing: gets the messages of the channels it registered. Called
/// on the subscriber connection's strand (one message at a time, in Redis order).
class redis_listener {
 public:
  virtual ~redis_listener() = default;
  virtual void on_redis_message(const redis_message& message) = 0;
};

struct link_options {
  redis_url url;
  std::chrono::milliseconds reconnect_initial_delay{50};
  std::chrono::milliseconds reconnect_max_delay{2000};
};

/// Shared by every adapter of one factory. Safe from any thread.
class redis_link : public std::enable_shared_from_this<redis_link> {
 public:
  using log_fn = std::function<void(log_level, std::string_view)>;

  explicit redis_link(link_options options) : options_(std::move(options)) {}
  ~redis_link();

  /// Registers an adapter (opening the connections on `executor` if none are open) and
  /// subscribes its channels. `log` reports through the adapter's namespace; the first one
  /// registered is kept for the connections' own messages.
  void attach(const boost::asio::any_io_executor& executor, log_fn log);
  /// Unsubscribes (the listener's routes are dropped) and closes the connections after the
  /// last adapter detached.
  void detach();

  /// Subscribes `channels` of `kind` and routes their messages to `listener`.
  void subscribe(redis_subscription kind, const std::vector<std::string>& channels,
                 const std::weak_ptr<redis_listener>& listener);
  void unsubscribe(redis_subscription kind, const std::vector<std::string>& channels);

  /// PUBLISH or SPUBLISH. A failure is logged once per outage; `on_failed` (optional) runs
  /// when Redis did not take the message.
  void publish(bool sharded, std::string channel, std::string payload,
               std::function<void()> on_failed = {});
  /// PUBSUB NUMSUB / SHARDNUMSUB of one channel: `done(count, error)`; error is empty on
  /// success.
  void count_subscribers(bool sharded, const std::string& channel,
                         std::function<void(std::size_t, std::string)> done);

  /// An unreadable message: logged at most once per 10 s (with the number dropped meanwhile).
  void report_bad_message(std::string_view channel, std::string_view why);
  void log(log_level level, std::string_view message) const;

 private:
  void route(const redis_message& message);
  std::shared_ptr<redis_connection> pub() const;
  std::shared_ptr<redis_connection> sub() const;

  link_options options_;
  mutable std::mutex mutex_;
  std::shared_ptr<redis_connection> pub_;
  std::shared_ptr<redis_connection> sub_;
  std::size_t attached_ = 0;
  log_fn log_;
  // channel (or pattern) -> listener, per kind.
  std::map<std::pair<redis_subscription, std::string>, std::weak_ptr<redis_listener>> routes_;
  // Publish failures are logged when an outage starts, not per message.
  std::atomic<bool> publish_failing_{false};
  // Unreadable messages: when the last one was logged, and how many were dropped since.
  std::chrono::steady_clock::time_point last_bad_log_{};
  std::size_t bad_since_log_ = 0;
};

/// A one-shot timer on `strand`: `fire` runs there after `after` unless cancel() came first.
/// Safe from any thread.
class one_shot_timer : public std::enable_shared_from_this<one_shot_timer> {
 public:
  static std::shared_ptr<one_shot_timer> start(const boost::asio::any_io_executor& strand,
                                               std::chrono::milliseconds after,
                                               std::function<void()> fire);
  void cancel();

  explicit one_shot_timer(const boost::asio::any_io_executor& strand) : timer_(strand) {}

 private:
  boost::asio::steady_timer timer_;  // touched only on its strand
};

}  // namespace socketio::detail::redis
