// Small helpers for the Redis tests: an I/O thread, and a queue to await events with deadlines.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "redis/detail/redis_connection.hpp"

namespace socketio::test {

using namespace std::chrono_literals;
using detail::redis_connection;
using detail::redis_reply;

/// Values pushed from handlers, popped by the test with a deadline.
template <class T>
class mailbox {
 public:
  void push(T value) {
    {
      std::lock_guard lock(mutex_);
      history_.push_back(value);
      items_.push_back(std::move(value));
    }
    cv_.notify_all();
  }

  std::optional<T> pop(std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [&] { return !items_.empty(); })) return std::nullopt;
    T value = std::move(items_.front());
    items_.pop_front();
    return value;
  }

  /// Pops until `pred` holds for a popped value; false if the deadline passes first.
  template <class Pred>
  bool pop_until(Pred pred, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      auto value = pop(left);
      if (!value) return false;
      if (pred(*value)) return true;
    }
  }

  /// Everything ever pushed, popped or not.
  std::vector<T> history() const {
    std::lock_guard lock(mutex_);
    return history_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<T> items_;
  std::vector<T> history_;
};

/// An io_context run by one thread until destruction. Connections must be released first;
/// the destructor then lets their close run, bounded by a deadline.
class io_thread {
 public:
  io_thread() : guard_(boost::asio::make_work_guard(ioc_)), thread_([this] { run(); }) {}

  ~io_thread() {
    guard_.reset();
    if (done_.wait_for(10s) != std::future_status::ready) ioc_.stop();
    thread_.join();
  }

  boost::asio::any_io_executor executor() { return ioc_.get_executor(); }

 private:
  void run() {
    ioc_.run();
    finished_.set_value();
  }

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::promise<void> finished_;
  std::future<void> done_ = finished_.get_future();
  std::thread thread_;
};

/// Sends a command and waits for its reply; a missing reply becomes a test-visible error.
inline redis_reply call(redis_connection& c, std::vector<std::string> argv,
                        std::chrono::milliseconds timeout = 5s) {
  auto promise = std::make_shared<std::promise<redis_reply>>();
  auto future = promise->get_future();
  c.command(std::move(argv), [promise](const redis_reply& r) { promise->set_value(r); });
  if (future.wait_for(timeout) != std::future_status::ready) {
    return redis_reply::error("TEST no reply within the deadline");
  }
  return future.get();
}

/// Subscribes and waits for the confirmation.
inline redis_reply subscribe(redis_connection& c, detail::redis_subscription kind,
                             std::vector<std::string> channels,
                             std::chrono::milliseconds timeout = 5s) {
  auto promise = std::make_shared<std::promise<redis_reply>>();
  auto future = promise->get_future();
  c.subscribe(kind, std::move(channels),
              [promise](const redis_reply& r) { promise->set_value(r); });
  if (future.wait_for(timeout) != std::future_status::ready) {
    return redis_reply::error("TEST no confirmation within the deadline");
  }
  return future.get();
}

/// Log lines and state changes of one connection, for assertions.
struct recorder {
  mailbox<std::pair<int, std::string>> logs;
  mailbox<bool> states;
  mailbox<detail::redis_message> messages;

  detail::redis_connection_options options(std::string name = "redis") {
    detail::redis_connection_options o;
    o.name = std::move(name);
    o.reconnect_initial_delay = 20ms;
    o.reconnect_max_delay = 200ms;
    o.log = [this](int level, std::string_view text) { logs.push({level, std::string(text)}); };
    o.on_state = [this](bool up) { states.push(up); };
    o.on_message = [this](const detail::redis_message& m) { messages.push(m); };
    return o;
  }

  /// Count of log lines at `level` so far (without consuming them).
  std::size_t count(int level) const {
    std::size_t n = 0;
    for (const auto& [l, text] : logs.history())
      n += l == level ? 1 : 0;
    return n;
  }
};

}  // namespace socketio::test
