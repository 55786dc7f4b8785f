// A Redis client connection on Asio: pipelined commands, or pub/sub with subscriptions that
// survive reconnects. RESP2 only (hiredis 0.14 has no RESP3).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "redis/detail/redis_reply.hpp"
#include "redis/detail/redis_url.hpp"

namespace socketio::detail {

/// The three pub/sub families: SUBSCRIBE (delivers "message"), PSUBSCRIBE ("pmessage") and
/// SSUBSCRIBE ("smessage", Redis 7 sharded pub/sub).
enum class redis_subscription { channel, pattern, shard };

/// One pub/sub delivery. `pattern` is set for pattern subscriptions only; `payload` is
/// binary-safe.
struct redis_message {
  redis_subscription kind = redis_subscription::channel;
  std::string pattern;
  std::string channel;
  std::string payload;
};

/// Levels passed to redis_connection_options::log.
namespace redis_log_level {
inline constexpr int debug = 0;
inline constexpr int info = 1;
inline constexpr int warning = 2;
inline constexpr int error = 3;
}  // namespace redis_log_level

/// Set once at creation. Every handler runs on the connection's strand (never two at once for
/// one connection) and must not block; a handler that throws is logged and otherwise ignored.
struct redis_connection_options {
  /// First delay before reconnecting after a failure; doubles per failed attempt up to
  /// reconnect_max_delay, and starts over after a successful connect.
  std::chrono::milliseconds reconnect_initial_delay{50};
  std::chrono::milliseconds reconnect_max_delay{2000};
  /// Bound on connect + AUTH + SELECT; an attempt taking longer counts as failed.
  std::chrono::milliseconds connect_timeout{5000};
  /// Prefix of log lines, e.g. "redis subscriber".
  std::string name = "redis";
  /// Log hook: an outage is logged once (warning) when it starts and once (info) when the
  /// connection is back; retries in between are logged at debug level. Empty = silent.
  std::function<void(int level, std::string_view message)> log;
  /// true each time the connection becomes usable (connected, AUTH and SELECT done,
  /// subscriptions re-issued); false each time a usable connection is lost. It starts down.
  std::function<void(bool up)> on_state;
  /// Messages of every subscription of this connection.
  std::function<void(const redis_message&)> on_message;
};

/// A connection to one Redis server. Use one connection for commands (PUBLISH, SPUBLISH,
/// PUBSUB, ...) and another one for subscriptions: under RESP2 a subscribed connection accepts
/// only (P|S)(UN)SUBSCRIBE and PING.
///
/// All member functions are safe from any thread and return at once; completions run later on
/// the connection's strand. A command's completion is called exactly once: with the server's
/// reply, or with a local error reply (text starting with "ERR") when the connection is down,
/// drops before the reply arrives, or is closed. Commands are never queued across an outage,
/// except while the first connect attempt (or a reconnect attempt) is under way.
///
/// Created by create(); the returned handle owns the connection: close() or releasing the last
/// handle stops it (the execution context must still be alive then, or be destroyed later,
/// which also frees it).
class redis_connection {
 public:
  using reply_handler = std::function<void(const redis_reply&)>;

  /// Starts connecting at once on a strand of `executor`.
  static std::shared_ptr<redis_connection> create(boost::asio::any_io_executor executor,
                                                  redis_url url,
                                                  redis_connection_options options = {});

  virtual ~redis_connection() = default;

  /// Sends `argv` (binary-safe) pipelined behind earlier commands; replies are matched in
  /// order. `done` may be empty. Throws std::invalid_argument if argv is empty.
  virtual void command(std::vector<std::string> argv, reply_handler done) = 0;

  /// Adds subscriptions. They are remembered and re-issued after every reconnect, until
  /// unsubscribed. `done` (optional) runs once the server confirmed every channel, with the
  /// last confirmation; if the connection is down it waits for the next successful connect.
  /// It receives an error reply if the server refuses the command or the connection is closed.
  virtual void subscribe(redis_subscription kind, std::vector<std::string> channels,
                         reply_handler done = {}) = 0;

  /// Removes subscriptions (an empty list removes none).
  virtual void unsubscribe(redis_subscription kind, std::vector<std::string> channels) = 0;

  /// Stops for good: the socket is closed, pending completions get an error reply, the handlers
  /// in the options are released. Idempotent.
  virtual void close() = 0;

  /// Whether the connection is usable right now (a snapshot; may change at any moment).
  virtual bool is_up() const = 0;
};

}  // namespace socketio::detail
