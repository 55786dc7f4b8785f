// Values that cross the Socket.IO API: JSON arguments (binary included), acks, errors.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "socketio/options.hpp"

namespace socketio {

/// Arguments keep their key order: an object a client sent comes back as it was sent.
using json = nlohmann::ordered_json;
/// The arguments of an event or an ack, in order. Binary values are json::binary_t.
using args = std::vector<json>;

/// A binary argument (sent as an attachment; the JS client sees a Buffer/ArrayBuffer).
inline json binary(std::string_view bytes) {
  return json::binary(json::binary_t::container_type(bytes.begin(), bytes.end()));
}

/// Replies to a client's request for acknowledgement. Empty (false) when the client asked for
/// none. Only the first call sends; later calls do nothing. Safe from any thread.
class ack {
 public:
  ack() = default;
  explicit ack(std::function<void(args)> send) : send_(std::make_shared<state>(std::move(send))) {}

  explicit operator bool() const { return send_ != nullptr; }

  template <class... T>
  void operator()(T&&... values) const {
    send(args{json(std::forward<T>(values))...});
  }
  void send(args values) const {
    if (!send_) return;
    std::function<void(args)> fn;
    {
      std::lock_guard lock(send_->mutex);
      fn = std::move(send_->fn);
      send_->fn = nullptr;
    }
    if (fn) fn(std::move(values));
  }

 private:
  struct state {
    explicit state(std::function<void(args)> f) : fn(std::move(f)) {}
    std::mutex mutex;
    std::function<void(args)> fn;
  };
  std::shared_ptr<state> send_;
};

/// An error delivered to an ack callback: "operation has timed out" (the reference's text) or
/// "socket has been disconnected". For a broadcast, `answered` of `expected` recipients had
/// acked when the timeout expired (their responses come with the error).
struct ack_error {
  std::string message;
  std::size_t answered = 0;
  std::size_t expected = 0;
  /// Cluster requests: the nodes that did not answer in time, as the adapter names them.
  std::vector<std::string> missing_nodes;
};

/// Thrown by the future-returning emit_with_ack variants when no ack came in time.
class ack_timeout : public std::runtime_error {
 public:
  explicit ack_timeout(const std::string& message) : std::runtime_error(message) {}
};

/// A middleware refusal; reaches the client as CONNECT_ERROR {message, data}.
struct connect_error {
  std::string message;
  std::optional<json> data;
};

/// The request that opened the connection, as Socket.IO exposes it. The request is shared by
/// every socket of the connection (not copied per socket); `auth` is per namespace.
struct handshake {
  std::shared_ptr<const request_info> request;
  json auth = json::object();

  /// Header names in lower case, in arrival order.
  const std::vector<std::pair<std::string, std::string>>& headers() const { return req().headers; }
  const std::vector<std::pair<std::string, std::string>>& query() const { return req().query; }
  const std::string& address() const { return req().remote_address; }
  const std::string& url() const { return req().url; }
  std::chrono::system_clock::time_point time() const { return req().time; }
  bool secure() const { return req().secure; }
  /// True when the request came with an Origin header (the reference's `xdomain`).
  bool xdomain() const { return req().header("origin") != nullptr; }

 private:
  const request_info& req() const {
    static const request_info none;
    return request ? *request : none;
  }
};

/// The handshake as the reference serialises it for other nodes: `{headers, time, address,
/// xdomain, secure, issued, url, query, auth}` (headers and query as objects, `issued` in
/// milliseconds since the epoch).
json handshake_to_json(const handshake& hs);
/// The inverse, for sockets reported by other nodes; missing fields stay empty.
handshake handshake_from_json(const json& j);

}  // namespace socketio
