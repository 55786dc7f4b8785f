#include "redis/detail/redis_link.hpp"

#include <boost/asio/post.hpp>

#include <string>

namespace socketio::detail::redis {

namespace {

log_level to_log_level(int redis_level) {
  switch (redis_level) {
    case redis_log_level::debug:
      return log_level::debug;
    case redis_log_level::info:
      return log_level::info;
    case redis_log_level::warning:
      return log_level::warning;
    default:
      return log_level::error;
  }
}

}  // namespace

redis_link::~redis_link() {
  if (pub_) pub_->close();
  if (sub_) sub_->close();
}

void redis_link::attach(const boost::asio::any_io_executor& executor, log_fn log) {
  std::lock_guard lock(mutex_);
  ++attached_;
  if (!log_) log_ = std::move(log);
  if (pub_) return;
  const std::weak_ptr<redis_link> weak = weak_from_this();
  auto base = [&](std::string name) {
    redis_connection_options o;
    o.reconnect_initial_delay = options_.reconnect_initial_delay;
    o.reconnect_max_delay = options_.reconnect_max_delay;
    o.name = std::move(name);
    o.log = [weak](int level, std::string_view message) {
      if (const auto self = weak.lock()) self->log(to_log_level(level), message);
    };
    return o;
  };
  auto pub_options = base("redis publisher");
  pub_options.on_state = [weak](bool up) {
    // A new outage gets its own publish-failure line.
    if (const auto self = weak.lock(); self && up) self->publish_failing_ = false;
  };
  auto sub_options = base("redis subscriber");
  sub_options.on_message = [weak](const redis_message& m) {
    if (const auto self = weak.lock()) self->route(m);
  };
  pub_ = redis_connection::create(executor, options_.url, std::move(pub_options));
  sub_ = redis_connection::create(executor, options_.url, std::move(sub_options));
}

void redis_link::detach() {
  std::shared_ptr<redis_connection> pub;
  std::shared_ptr<redis_connection> sub;
  {
    std::lock_guard lock(mutex_);
    if (attached_ == 0 || --attached_ != 0) return;
    pub = std::exchange(pub_, nullptr);
    sub = std::exchange(sub_, nullptr);
    routes_.clear();
  }
  if (pub) pub->close();
  if (sub) sub->close();
}

std::shared_ptr<redis_connection> redis_link::pub() const {
  std::lock_guard lock(mutex_);
  return pub_;
}

std::shared_ptr<redis_connection> redis_link::sub() const {
  std::lock_guard lock(mutex_);
  return sub_;
}

void redis_link::subscribe(redis_subscription kind, const std::vector<std::string>& channels,
                           const std::weak_ptr<redis_listener>& listener) {
  if (channels.empty()) return;
  std::shared_ptr<redis_connection> sub;
  {
    std::lock_guard lock(mutex_);
    for (const auto& c : channels)
      routes_[{kind, c}] = listener;
    sub = sub_;
  }
  if (!sub) return;
  const std::weak_ptr<redis_link> weak = weak_from_this();
  sub->subscribe(kind, channels, [weak](const redis_reply& r) {
    const auto self = weak.lock();
    if (self && r.is_error()) {
      self->log(log_level::warning, "subscribe failed: " + r.describe());
    }
  });
}

void redis_link::unsubscribe(redis_subscription kind, const std::vector<std::string>& channels) {
  if (channels.empty()) return;
  std::shared_ptr<redis_connection> sub;
  {
    std::lock_guard lock(mutex_);
    for (const auto& c : channels)
      routes_.erase({kind, c});
    sub = sub_;
  }
  if (sub) sub->unsubscribe(kind, channels);
}

void redis_link::route(const redis_message& message) {
  std::shared_ptr<redis_listener> target;
  {
    std::lock_guard lock(mutex_);
    const auto& key =
        message.kind == redis_subscription::pattern ? message.pattern : message.channel;
    const auto it = routes_.find({message.kind, key});
    if (it != routes_.end()) target = it->second.lock();
  }
  if (target) target->on_redis_message(message);
}

void redis_link::publish(bool sharded, std::string channel, std::string payload,
                         std::function<void()> on_failed) {
  const auto conn = pub();
  if (!conn) {
    if (on_failed) on_failed();
    return;
  }
  const std::weak_ptr<redis_link> weak = weak_from_this();
  conn->command({sharded ? "SPUBLISH" : "PUBLISH", std::move(channel), std::move(payload)},
                [weak, on_failed = std::move(on_failed)](const redis_reply& r) {
                  if (!r.is_error()) return;
                  if (const auto self = weak.lock();
                      self && !self->publish_failing_.exchange(true)) {
                    self->log(log_level::warning,
                              "publish failed (" + r.describe() +
                                  "); further failures are not logged until Redis is back");
                  }
                  if (on_failed) on_failed();
                });
}

void redis_link::count_subscribers(bool sharded, const std::string& channel,
                                   std::function<void(std::size_t, std::string)> done) {
  const auto conn = pub();
  if (!conn) {
    done(0, "the adapter is closed");
    return;
  }
  conn->command({"PUBSUB", sharded ? "SHARDNUMSUB" : "NUMSUB", channel}, [done = std::move(done)](
                                                                             const redis_reply& r) {
    // Reply: [channel, count].
    if (r.is_error()) {
      done(0, r.text);
    } else if (r.is_array() && r.elements.size() == 2 &&
               r.elements[1].kind == redis_reply_kind::integer) {
      done(static_cast<std::size_t>(std::max<std::int64_t>(0, r.elements[1].integer)), {});
    } else {
      done(0, "unexpected PUBSUB reply " + r.describe());
    }
  });
}

void redis_link::report_bad_message(std::string_view channel, std::string_view why) {
  std::size_t dropped = 0;
  {
    std::lock_guard lock(mutex_);
    ++bad_since_log_;
    const auto now = std::chrono::steady_clock::now();
    if (last_bad_log_ != std::chrono::steady_clock::time_point{} &&
        now - last_bad_log_ < std::chrono::seconds(10)) {
      return;
    }
    last_bad_log_ = now;
    dropped = std::exchange(bad_since_log_, 0);
  }
  log(log_level::warning, "dropped " + std::to_string(dropped) +
                              " unreadable message(s); last on " + std::string(channel) + ": " +
                              std::string(why));
}

void redis_link::log(log_level level, std::string_view message) const {
  log_fn fn;
  {
    std::lock_guard lock(mutex_);
    fn = log_;
  }
  if (fn) fn(level, message);
}

std::shared_ptr<one_shot_timer> one_shot_timer::start(const boost::asio::any_io_executor& strand,
                                                      std::chrono::milliseconds after,
                                                      std::function<void()> fire) {
  auto t = std::make_shared<one_shot_timer>(strand);
  boost::asio::post(strand, [t, after, fire = std::move(fire)]() mutable {
    t->timer_.expires_after(after);
    t->timer_.async_wait([t, fire = std::move(fire)](boost::system::error_code ec) {
      if (!ec) fire();
    });
  });
  return t;
}

void one_shot_timer::cancel() {
  boost::asio::post(timer_.get_executor(), [self = shared_from_this()] { self->timer_.cancel(); });
}

}  // namespace socketio::detail::redis
