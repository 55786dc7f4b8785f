// The Engine.IO endpoint for one path: request validation (docs/PROTOCOL.md 1.5), handshakes, and
// routing of polling requests and WebSocket upgrades to their sessions.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/detail/logger.hpp"
#include "engineio/detail/admission.hpp"
#include "engineio/detail/http_exchange.hpp"
#include "engineio/detail/lane.hpp"
#include "engineio/detail/session.hpp"
#include "socketio/options.hpp"

namespace socketio::detail {

class endpoint : public std::enable_shared_from_this<endpoint> {
 public:
  using connection_handler = std::function<void(const std::shared_ptr<session>&)>;

  endpoint(boost::asio::any_io_executor executor, engine_options options);
  /// Runs when the io_context no longer runs (its pending handlers held the last references);
  /// breaks the session <-> transport and session <-> handler cycles of sessions still open.
  ~endpoint();

  const engine_options& options() const { return options_; }
  /// The deadlines of this endpoint's sessions (heartbeat, upgrade, close linger).
  const std::shared_ptr<timer_wheel>& timers() const { return timers_; }

  /// Runs on the new session's strand before it handles any packet.
  void set_connection_handler(connection_handler h);

  /// Handles one request whose path starts with options().path. On the connection's strand.
  void handle(const std::shared_ptr<http_exchange>& exchange);

  std::shared_ptr<session> find(const std::string& id) const;
  void remove_session(const std::string& id);
  std::size_t session_count() const;
  /// The open sessions, copied out of the table.
  std::vector<std::shared_ptr<session>> sessions() const;
  /// Posts `done` once the session table is empty (at once if it is). Callbacks registered
  /// before it becomes empty run in the order they were registered.
  void when_empty(std::function<void()> done);
  /// engine_options::admission: the limits on new sessions and the draining flag.
  admission_control& admission() { return admission_; }
  const admission_control& admission() const { return admission_; }
  const boost::asio::any_io_executor& executor() const { return executor_; }
  /// Closes every session (server shutdown). `done` (optional) is posted once the session
  /// table is empty.
  void close_all(std::function<void()> done = {});

  /// The log of options().logger; shared so that sessions can keep it.
  const logger& log() const { return *log_; }
  const std::shared_ptr<const logger>& log_ptr() const { return log_; }
  /// The endpoint's log, or a default one when the endpoint is gone.
  static std::shared_ptr<const logger> log_of(const std::weak_ptr<endpoint>& e);

  /// `{"code":N,"message":...}` with status 400 (403 for code 4).
  static http_reply error_reply(int code, std::string message = {});

 private:
  void handshake(const std::shared_ptr<http_exchange>& exchange, bool websocket,
                 request_info request, session_slot& slot);
  void refuse_upgrade(const std::shared_ptr<http_exchange>& exchange, std::string_view message,
                      unsigned status = 400);
  /// A handshake refused by admission: its status (and Retry-After) on polling and instead of
  /// the 101 alike, with `{"code":4,"message":...}`; the connection closes after it.
  void refuse_admission(const std::shared_ptr<http_exchange>& exchange, unsigned status,
                        const std::string& message, std::chrono::seconds retry_after);
  void serve_existing(const std::shared_ptr<http_exchange>& exchange,
                      const std::shared_ptr<session>& s, bool upgrade);
  std::string open_packet_json(const std::string& sid, bool websocket) const;
  /// The 101 response for a validated upgrade request, or empty if the request is not one.
  std::string upgrade_response(const http_exchange& exchange, bool with_initial_headers,
                               const header_list& common) const;
  session_limits limits() const;
  /// The connection of an accepted upgrade, as a WebSocket transport on `s`'s lane (over TLS
  /// when the connection is).
  std::shared_ptr<ws_transport> take_websocket(http_exchange& exchange, const session& s) const;

  boost::asio::any_io_executor executor_;
  engine_options options_;
  lane_pool lanes_;
  std::shared_ptr<const connection_handler> connection_handler_ptr() const;

  std::shared_ptr<const logger> log_;
  std::shared_ptr<timer_wheel> timers_;
  admission_control admission_;
  mutable std::mutex mutex_;
  std::shared_ptr<const connection_handler> on_connection_;  // guarded by mutex_
  std::function<void()> on_all_closed_;                      // guarded by mutex_
  std::unordered_map<std::string, std::shared_ptr<session>> sessions_;
};

}  // namespace socketio::detail
