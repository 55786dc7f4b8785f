#include "redis/detail/redis_connection.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <exception>
#include <set>
#include <stdexcept>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include "redis/detail/resp_codec.hpp"

namespace socketio::detail {

namespace {

namespace asio = boost::asio;
using error_code = boost::system::error_code;
// One socket type for TCP and unix domain sockets: everything after connect is the same.
using stream_socket = asio::generic::stream_protocol::socket;
using stream_endpoint = asio::generic::stream_protocol::endpoint;

std::size_t index_of(redis_subscription kind) {
  return static_cast<std::size_t>(kind);
}

const char* subscribe_verb(redis_subscription kind) {
  static constexpr std::array<const char*, 3> verbs{"SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"};
  return verbs[index_of(kind)];
}

const char* unsubscribe_verb(redis_subscription kind) {
  static constexpr std::array<const char*, 3> verbs{"UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"};
  return verbs[index_of(kind)];
}

// Under RESP2 every channel of a (P|S)(UN)SUBSCRIBE is confirmed by its own reply
// [verb-in-lowercase, channel, count].
const char* confirmation_name(redis_subscription kind, bool subscribe) {
  static constexpr std::array<const char*, 3> sub{"subscribe", "psubscribe", "ssubscribe"};
  static constexpr std::array<const char*, 3> unsub{"unsubscribe", "punsubscribe", "sunsubscribe"};
  return (subscribe ? sub : unsub)[index_of(kind)];
}

bool is_string_element(const redis_reply& r, std::size_t i) {
  return i < r.elements.size() && r.elements[i].is_string();
}

// RESP2 deliveries: ["message", channel, payload], ["pmessage", pattern, channel, payload],
// ["smessage", channel, payload] (the last one since Redis 7.0).
bool parse_message(const redis_reply& r, redis_message& out) {
  if (!r.is_array() || !is_string_element(r, 0)) return false;
  const std::string& type = r.elements[0].text;
  if ((type == "message" || type == "smessage") && r.elements.size() == 3 &&
      is_string_element(r, 1) && is_string_element(r, 2)) {
    out.kind = type == "message" ? redis_subscription::channel : redis_subscription::shard;
    out.channel = r.elements[1].text;
    out.payload = r.elements[2].text;
    return true;
  }
  if (type == "pmessage" && r.elements.size() == 4 && is_string_element(r, 1) &&
      is_string_element(r, 2) && is_string_element(r, 3)) {
    out.kind = redis_subscription::pattern;
    out.pattern = r.elements[1].text;
    out.channel = r.elements[2].text;
    out.payload = r.elements[3].text;
    return true;
  }
  return false;
}

class connection_impl final : public redis_connection,
                              public std::enable_shared_from_this<connection_impl> {
 public:
  connection_impl(asio::any_io_executor executor, redis_url url, redis_connection_options options)
      : strand_(asio::make_strand(std::move(executor))),
        url_(std::move(url)),
        options_(std::move(options)),
        socket_(strand_),
        resolver_(strand_),
        timer_(strand_),
        delay_(options_.reconnect_initial_delay) {}

  void start() {
    asio::post(strand_, [self = shared_from_this()] { self->connect(); });
  }

  void command(std::vector<std::string> argv, reply_handler done) override {
    // Encoding happens on the caller's thread, so the strand only queues bytes.
    auto bytes = format_redis_command(argv);
    asio::post(strand_, [self = shared_from_this(), bytes = std::move(bytes),
                         done = std::move(done)]() mutable {
      self->do_command(std::move(bytes), std::move(done));
    });
  }

  void subscribe(redis_subscription kind, std::vector<std::string> channels,
                 reply_handler done) override {
    asio::post(strand_, [self = shared_from_this(), kind, channels = std::move(channels),
                         done = std::move(done)]() mutable {
      self->do_subscribe(kind, std::move(channels), std::move(done));
    });
  }

  void unsubscribe(redis_subscription kind, std::vector<std::string> channels) override {
    asio::post(strand_, [self = shared_from_this(), kind, channels = std::move(channels)] {
      self->do_unsubscribe(kind, channels);
    });
  }

  void close() override {
    asio::post(strand_, [self = shared_from_this()] { self->do_close(); });
  }

  bool is_up() const override { return up_.load(std::memory_order_relaxed); }

 private:
  enum class phase { connecting, handshaking, ready, waiting, closed };

  // What an outstanding reply belongs to. Pending entries are answered strictly in order.
  struct pending_entry {
    enum class type { command, subscribe, unsubscribe } what = type::command;
    reply_handler done;
    const char* confirmation = nullptr;  // (un)subscribe: the expected reply name
    std::size_t confirmations = 0;       // (un)subscribe: replies still expected
    // Written after a subscribe on this socket: a message delivery may arrive before its reply.
    bool after_subscribe = false;
  };

  // ---- connecting ------------------------------------------------------------------------

  void connect() {
    if (phase_ == phase::closed) return;
    phase_ = phase::connecting;
    const auto gen = ++generation_;
    timer_.expires_after(options_.connect_timeout);
    timer_.async_wait([self = shared_from_this(), gen](error_code ec) {
      if (ec || gen != self->generation_) return;
      self->drop("timed out connecting");
    });
    if (url_.is_unix()) {
      socket_.async_connect(
          stream_endpoint(asio::local::stream_protocol::endpoint(url_.unix_path)),
          [self = shared_from_this(), gen](error_code ec) { self->on_connected(gen, ec); });
      return;
    }
    resolver_.async_resolve(
        url_.host, std::to_string(url_.port),
        [self = shared_from_this(), gen](error_code ec,
                                         asio::ip::tcp::resolver::results_type results) {
          if (gen != self->generation_) return;
          if (ec) {
            self->drop("cannot resolve " + self->url_.host + ": " + ec.message());
            return;
          }
          std::vector<stream_endpoint> endpoints;
          for (const auto& entry : results)
            endpoints.emplace_back(entry.endpoint());
          asio::async_connect(self->socket_, endpoints,
                              [self, gen](error_code ec2, const stream_endpoint&) {
                                self->on_connected(gen, ec2);
                              });
        });
  }

  void on_connected(std::uint64_t gen, error_code ec) {
    if (gen != generation_) return;
    if (ec) {
      drop(ec.message());
      return;
    }
    if (!url_.is_unix()) {
      // Commands are small and latency-bound: do not let Nagle hold them back.
      error_code ignored;
      socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    }
    reader_ = std::make_unique<resp_reader>();
    phase_ = phase::handshaking;
    read(gen);

    std::vector<std::vector<std::string>> handshake;
    if (!url_.password.empty()) {
      if (url_.username.empty()) {
        handshake.push_back({"AUTH", url_.password});
      } else {
        handshake.push_back({"AUTH", url_.username, url_.password});
      }
    }
    if (url_.db != 0) handshake.push_back({"SELECT", std::to_string(url_.db)});
    if (handshake.empty()) {
      become_ready();
      return;
    }
    for (std::size_t i = 0; i < handshake.size(); ++i) {
      const bool last = i + 1 == handshake.size();
      std::string what = handshake[i][0];
      write_entry(format_redis_command(handshake[i]),
                  pending_entry{pending_entry::type::command,
                                [this, gen, last, what = std::move(what)](const redis_reply& r) {
                                  // `this` is safe: entries are only run by this object's
                                  // handlers, which hold a reference to it.
                                  if (gen != generation_) return;
                                  if (r.is_error()) {
                                    drop(what + " failed: " + r.text);
                                  } else if (last) {
                                    become_ready();
                                  }
                                }});
    }
  }

  void become_ready() {
    phase_ = phase::ready;
    timer_.cancel();
    delay_ = options_.reconnect_initial_delay;
    attempts_ = 0;
    if (outage_logged_) {
      log(redis_log_level::info, "connection to " + url_.display() + " restored");
      outage_logged_ = false;
    } else {
      log(redis_log_level::debug, "connected to " + url_.display());
    }

    // Subscriptions first, so that a waiting subscribe completion means "messages flow".
    auto waiters = std::move(sub_waiters_);
    sub_waiters_.clear();
    pending_entry* last = nullptr;
    for (std::size_t k = 0; k < subscriptions_.size(); ++k) {
      if (subscriptions_[k].empty()) continue;
      const auto kind = static_cast<redis_subscription>(k);
      std::vector<std::string> channels(subscriptions_[k].begin(), subscriptions_[k].end());
      last = &write_subscribe(kind, channels, {});
    }
    if (!waiters.empty()) {
      auto notify = [waiters = std::move(waiters)](const redis_reply& r) {
        for (const auto& w : waiters)
          w(r);
      };
      if (last != nullptr) {
        last->done = std::move(notify);
      } else {
        // Everything asked for was unsubscribed again before the connection came up.
        notify(redis_reply::status("OK"));
      }
    }

    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& [bytes, done] : waiting) {
      write_entry(std::move(bytes), pending_entry{pending_entry::type::command, std::move(done)});
    }

    up_.store(true, std::memory_order_relaxed);
    if (options_.on_state) guarded([&] { options_.on_state(true); });
  }

  // Ends the current socket (if any) and schedules the next attempt.
  void drop(const std::string& reason) {
    if (phase_ == phase::closed || phase_ == phase::waiting) return;
    const bool was_up = phase_ == phase::ready;
    teardown("ERR connection to Redis lost: " + reason);
    phase_ = phase::waiting;
    ++attempts_;
    if (!outage_logged_) {
      log(redis_log_level::warning,
          "connection to " + url_.display() + " unavailable (" + reason + "); reconnecting");
      outage_logged_ = true;
    } else {
      log(redis_log_level::debug,
          "reconnect attempt " + std::to_string(attempts_) + " failed: " + reason);
    }
    last_error_ = reason;
    if (was_up) {
      up_.store(false, std::memory_order_relaxed);
      if (options_.on_state) guarded([&] { options_.on_state(false); });
    }

    const auto gen = generation_;
    timer_.expires_after(delay_);
    timer_.async_wait([self = shared_from_this(), gen](error_code ec) {
      if (ec || gen != self->generation_) return;
      self->connect();
    });
    delay_ = std::min(delay_ * 2, options_.reconnect_max_delay);
  }

  // Closes the socket and answers everything outstanding. Subscribe completions are kept: the
  // subscriptions are re-issued on the next connect.
  void teardown(const std::string& error_text) {
    ++generation_;  // every handler of the old socket now ignores its completion
    error_code ignored;
    socket_.close(ignored);
    resolver_.cancel();
    timer_.cancel();
    reader_.reset();
    out_pending_.clear();
    writing_ = false;
    subscribed_ = false;

    auto pending = std::move(pending_);
    pending_.clear();
    auto waiting = std::move(waiting_);
    waiting_.clear();
    const auto error = redis_reply::error(error_text);
    for (auto& entry : pending) {
      if (!entry.done) continue;
      if (entry.what == pending_entry::type::subscribe) {
        sub_waiters_.push_back(std::move(entry.done));
      } else {
        guarded([&] { entry.done(error); });
      }
    }
    for (auto& item : waiting) {
      if (item.second) guarded([&] { item.second(error); });
    }
  }

  void do_close() {
    if (phase_ == phase::closed) return;
    phase_ = phase::closed;
    teardown("ERR connection closed");
    auto waiters = std::move(sub_waiters_);
    sub_waiters_.clear();
    const auto error = redis_reply::error("ERR connection closed");
    for (const auto& w : waiters)
      guarded([&] { w(error); });
    up_.store(false, std::memory_order_relaxed);
    // The handlers may hold references to their owner; release them so nothing stays alive.
    options_.on_state = nullptr;
    options_.on_message = nullptr;
    options_.log = nullptr;
  }

  // ---- user requests ---------------------------------------------------------------------

  void do_command(std::string bytes, reply_handler done) {
    switch (phase_) {
      case phase::ready:
        write_entry(std::move(bytes), pending_entry{pending_entry::type::command, std::move(done)});
        return;
      case phase::connecting:
      case phase::handshaking:
        // Answered by this attempt: sent when it succeeds, failed when it fails.
        waiting_.emplace_back(std::move(bytes), std::move(done));
        return;
      case phase::waiting:
        if (done)
          guarded([&] {
            done(redis_reply::error("ERR connection to Redis unavailable: " + last_error_));
          });
        return;
      case phase::closed:
        if (done) guarded([&] { done(redis_reply::error("ERR connection closed")); });
        return;
    }
  }

  void do_subscribe(redis_subscription kind, std::vector<std::string> channels,
                    reply_handler done) {
    if (phase_ == phase::closed) {
      if (done) guarded([&] { done(redis_reply::error("ERR connection closed")); });
      return;
    }
    if (channels.empty()) {
      if (done) guarded([&] { done(redis_reply::status("OK")); });
      return;
    }
    subscriptions_[index_of(kind)].insert(channels.begin(), channels.end());
    if (phase_ == phase::ready) {
      write_subscribe(kind, channels, std::move(done));
    } else if (done) {
      sub_waiters_.push_back(std::move(done));
    }
  }

  void do_unsubscribe(redis_subscription kind, const std::vector<std::string>& channels) {
    if (phase_ == phase::closed || channels.empty()) return;
    for (const auto& c : channels)
      subscriptions_[index_of(kind)].erase(c);
    if (phase_ != phase::ready) return;  // the next connect simply does not re-issue them
    std::vector<std::string> argv{unsubscribe_verb(kind)};
    argv.insert(argv.end(), channels.begin(), channels.end());
    pending_entry entry{
        pending_entry::type::unsubscribe, {}, confirmation_name(kind, false), channels.size()};
    write_entry(format_redis_command(argv), std::move(entry));
  }

  pending_entry& write_subscribe(redis_subscription kind, const std::vector<std::string>& channels,
                                 reply_handler done) {
    std::vector<std::string> argv{subscribe_verb(kind)};
    argv.insert(argv.end(), channels.begin(), channels.end());
    subscribed_ = true;
    return write_entry(format_redis_command(argv),
                       pending_entry{pending_entry::type::subscribe, std::move(done),
                                     confirmation_name(kind, true), channels.size()});
  }

  // ---- I/O -------------------------------------------------------------------------------

  pending_entry& write_entry(std::string bytes, pending_entry entry) {
    entry.after_subscribe = subscribed_;
    pending_.push_back(std::move(entry));
    out_pending_ += bytes;
    if (!writing_) flush();
    return pending_.back();
  }

  void flush() {
    if (out_pending_.empty()) return;
    writing_ = true;
    // The buffer travels with the operation, so a torn-down socket never writes freed memory.
    auto buffer = std::make_shared<std::string>(std::move(out_pending_));
    out_pending_.clear();
    const auto gen = generation_;
    asio::async_write(socket_, asio::buffer(*buffer),
                      [self = shared_from_this(), gen, buffer](error_code ec, std::size_t) {
                        if (gen != self->generation_) return;
                        self->writing_ = false;
                        if (ec) {
                          self->drop("write failed: " + ec.message());
                          return;
                        }
                        self->flush();
                      });
  }

  void read(std::uint64_t gen) {
    socket_.async_read_some(
        asio::buffer(read_buffer_), [self = shared_from_this(), gen](error_code ec, std::size_t n) {
          if (gen != self->generation_) return;
          if (ec) {
            self->drop(ec == asio::error::eof ? std::string("closed by the server")
                                              : "read failed: " + ec.message());
            return;
          }
          if (!self->reader_->feed(self->read_buffer_.data(), n)) {
            self->drop("protocol error: " + self->reader_->error());
            return;
          }
          if (self->process_replies(gen)) self->read(gen);
        });
  }

  // Returns false when the socket was torn down meanwhile.
  bool process_replies(std::uint64_t gen) {
    redis_reply reply;
    while (gen == generation_) {
      switch (reader_->next(reply)) {
        case resp_reader::result::need_more:
          return true;
        case resp_reader::result::error:
          drop("protocol error: " + reader_->error());
          return false;
        case resp_reader::result::reply:
          dispatch(reply);
          break;
      }
    }
    return false;
  }

  void dispatch(const redis_reply& reply) {
    if (pending_.empty() || pending_.front().after_subscribe) {
      redis_message message;
      if (subscribed_ && parse_message(reply, message)) {
        if (options_.on_message) guarded([&] { options_.on_message(message); });
        return;
      }
    }
    if (pending_.empty()) {
      drop("unexpected reply " + reply.describe().substr(0, 80));
      return;
    }
    auto& entry = pending_.front();
    if (entry.what == pending_entry::type::command || reply.is_error()) {
      // A refused (un)subscribe is answered by one error for the whole command.
      complete_front(reply);
      return;
    }
    if (!reply.is_array() || reply.elements.size() != 3 || !is_string_element(reply, 0) ||
        reply.elements[0].text != entry.confirmation) {
      drop("unexpected reply " + reply.describe().substr(0, 80) + " to " + entry.confirmation);
      return;
    }
    if (--entry.confirmations == 0) complete_front(reply);
  }

  void complete_front(const redis_reply& reply) {
    auto done = std::move(pending_.front().done);
    pending_.pop_front();
    if (done) guarded([&] { done(reply); });
  }

  // ---- helpers ---------------------------------------------------------------------------

  void log(int level, const std::string& message) {
    if (options_.log) guarded([&] { options_.log(level, options_.name + ": " + message); });
  }

  // Handlers belong to the layer above; one that throws must not take the connection down.
  template <class F>
  void guarded(F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      if (options_.log) {
        try {
          options_.log(redis_log_level::error,
                       options_.name + ": a handler threw: " + std::string(e.what()));
        } catch (...) {
        }
      }
    } catch (...) {
    }
  }

  asio::strand<asio::any_io_executor> strand_;
  redis_url url_;
  redis_connection_options options_;
  stream_socket socket_;
  asio::ip::tcp::resolver resolver_;
  asio::steady_timer timer_;  // connect timeout while connecting, backoff while waiting

  phase phase_ = phase::connecting;
  std::uint64_t generation_ = 0;  // bumped per socket; stale completions compare and bail
  std::atomic<bool> up_{false};
  std::chrono::milliseconds delay_;
  unsigned attempts_ = 0;
  bool outage_logged_ = false;
  std::string last_error_ = "not connected yet";

  std::unique_ptr<resp_reader> reader_;
  std::array<char, 16 * 1024> read_buffer_{};
  std::string out_pending_;
  bool writing_ = false;
  bool subscribed_ = false;  // a subscribe command was written on the current socket

  std::deque<pending_entry> pending_;
  std::vector<std::pair<std::string, reply_handler>> waiting_;  // during a connect attempt
  std::array<std::set<std::string>, 3> subscriptions_;
  std::vector<reply_handler> sub_waiters_;  // subscribe completions waiting for a connect
};

}  // namespace

std::shared_ptr<redis_connection> redis_connection::create(boost::asio::any_io_executor executor,
                                                           redis_url url,
                                                           redis_connection_options options) {
  if (options.reconnect_initial_delay.count() <= 0 ||
      options.reconnect_max_delay < options.reconnect_initial_delay ||
      options.connect_timeout.count() <= 0) {
    throw std::invalid_argument(
        "redis_connection_options: delays must be positive and max >= initial");
  }
  auto impl =
      std::make_shared<connection_impl>(std::move(executor), std::move(url), std::move(options));
  impl->start();
  // The handle given out is separate from the references the pending operations hold: when the
  // last handle goes, the connection closes itself instead of reconnecting forever unowned.
  return std::shared_ptr<redis_connection>(impl.get(),
                                           [impl](redis_connection*) { impl->close(); });
}

}  // namespace socketio::detail
