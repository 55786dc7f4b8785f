#include "engineio/detail/endpoint.hpp"

#include <boost/asio/post.hpp>

#include <boost/asio/strand.hpp>

#include <stdexcept>
#include <utility>

#include "common/detail/token_bucket.hpp"
#include "common/detail/user_call.hpp"
#include "engineio/detail/cors.hpp"
#include "engineio/detail/origin_check.hpp"
#include "engineio/detail/random_id.hpp"
#include "engineio/detail/url_query.hpp"
#include "engineio/detail/ws_frame.hpp"

namespace socketio::detail {

namespace {

std::string_view error_message(int code) {
  switch (code) {
    case 0:
      return "Transport unknown";
    case 1:
      return "Session ID unknown";
    case 2:
      return "Bad handshake method";
    case 3:
      return "Bad request";
    case 4:
      return "Forbidden";
    case 5:
      return "Unsupported protocol version";
    default:
      return "Bad request";
  }
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\u00";
          out.push_back(hex[(c >> 4) & 0xF]);
          out.push_back(hex[c & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// The reference refuses header values with characters outside TAB, SP-~ and 0x80-0xFF.
bool has_illegal_header_chars(std::string_view value) {
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c != '\t' && (c < 0x20 || c == 0x7F)) return true;
  }
  return false;
}

bool header_contains_token(std::string_view value, std::string_view token) {
  // Case-insensitive search of a comma-separated token list (e.g. "keep-alive, Upgrade").
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
  std::size_t start = 0;
  while (start <= value.size()) {
    const auto comma = value.find(',', start);
    std::string_view item = value.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
      item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
      item.remove_suffix(1);
    if (item.size() == token.size()) {
      bool same = true;
      for (std::size_t i = 0; i < item.size() && same; ++i)
        same = lower(item[i]) == token[i];
      if (same) return true;
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return false;
}

http_reply empty_reply(unsigned status, bool close_connection) {
  http_reply r;
  r.status = status;
  r.close_connection = close_connection;
  return r;
}

}  // namespace

endpoint::endpoint(boost::asio::any_io_executor executor, engine_options options)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      lanes_(executor_, options_.lanes),
      log_(std::make_shared<const logger>(options_.logger)),
      timers_(std::make_shared<timer_wheel>(executor_)),
      admission_(options_.admission, log_) {
  // Browsers refuse a credentialed response that allows any origin, and answering each
  // request's Origin instead would let every site make credentialed requests: a setup mistake,
  // refused here rather than sent as `*` with `Allow-Credentials: true`.
  if (options_.cors.enabled && options_.cors.credentials && cors_allows_any(options_.cors)) {
    throw std::invalid_argument(
        "cors: credentials need an origin list or an allow_origin predicate, not any origin");
  }
  token_bucket::validate(options_.websocket_pings, "websocket_pings");
  token_bucket::validate(options_.packet_rate, "packet_rate");
  // The reference normalises the path to exactly one trailing slash.
  while (!options_.path.empty() && options_.path.back() == '/')
    options_.path.pop_back();
  options_.path.push_back('/');
}

endpoint::~endpoint() {
  for (const auto& [id, s] : sessions_)
    s->abandon();
}

void endpoint::set_connection_handler(connection_handler h) {
  // Session strands read the handler while the host may set it: both under the lock.
  auto shared = std::make_shared<const connection_handler>(std::move(h));
  std::lock_guard lock(mutex_);
  on_connection_ = std::move(shared);
}

std::shared_ptr<const endpoint::connection_handler> endpoint::connection_handler_ptr() const {
  std::lock_guard lock(mutex_);
  return on_connection_;
}

http_reply endpoint::error_reply(int code, std::string message) {
  http_reply r;
  r.status = code == 4 ? 403 : 400;
  r.content_type = "application/json";
  r.body = "{\"code\":" + std::to_string(code) + ",\"message\":";
  append_json_string(r.body, message.empty() ? error_message(code) : std::string_view(message));
  r.body.push_back('}');
  return r;
}

session_limits endpoint::limits() const {
  return session_limits(options_);
}

void endpoint::refuse_upgrade(const std::shared_ptr<http_exchange>& exchange,
                              std::string_view message, unsigned status) {
  // docs/PROTOCOL.md 1.5: a refused upgrade is a raw HTTP 400 with the message as text/html
  // (403 for an Origin the allow-list refuses: our extension, docs/architecture.md).
  http_reply r;
  r.status = status;
  r.content_type = "text/html";
  r.body = std::string(message);
  r.close_connection = true;
  exchange->reply(std::move(r));
}

void endpoint::handle(const std::shared_ptr<http_exchange>& exchange) {
  const std::string_view method = exchange->method();
  const bool upgrade = exchange->is_websocket_upgrade();
  const bool preflight = method == "OPTIONS" && options_.cors.enabled;
  exchange->set_common_headers(cors_headers(options_.cors, *exchange, preflight, *log_));
  if (preflight) {
    http_reply r;
    r.status = 204;
    exchange->reply(std::move(r));
    return;
  }

  const query_list query = parse_query(exchange->target());
  const std::string* transport = find_param(query, "transport");
  const bool transport_ok =
      transport != nullptr && ((*transport == "polling" && options_.allow_polling) ||
                               (*transport == "websocket" && options_.allow_websocket));
  auto refuse = [&](int code, std::string message = {}) {
    // Names the refusal, never the request's URL, headers or the allow_request text: they may
    // carry tokens (docs/architecture.md, "Security and limits").
    if (log_->enabled(log_level::debug)) {
      log_->log(log_level::debug, std::string(upgrade ? "WebSocket upgrade" : method) +
                                      " refused: " + std::string(error_message(code)));
    }
    if (upgrade) {
      refuse_upgrade(exchange, message.empty() ? error_message(code) : std::string_view(message));
    } else {
      exchange->reply(error_reply(code, std::move(message)));
    }
  };
  if (!transport_ok) return refuse(0);
  if (exchange->has_header("origin") && has_illegal_header_chars(exchange->header("origin"))) {
    return refuse(3);
  }
  if (upgrade && !websocket_origin_allowed(options_.cors, *exchange, *log_)) {
    log_->log(log_level::debug, "WebSocket upgrade refused: Origin not allowed");
    return refuse_upgrade(exchange, "Origin not allowed", 403);
  }
  const std::string* eio = find_param(query, "EIO");
  const bool eio4 = eio != nullptr && *eio == "4";

  if (const std::string* sid = find_param(query, "sid")) {
    auto s = find(*sid);
    if (!s) return refuse(1);
    // A session bound to its handshake's address answers other addresses as if it did not
    // exist: the request learns nothing and the session is untouched.
    if (options_.bind_session_to_address &&
        s->request().remote_address != exchange->remote_address()) {
      log_->log(log_level::debug, "request for a session from another address refused");
      return refuse(1);
    }
    const auto current =
        s->current_transport() == transport_type::polling ? "polling" : "websocket";
    if (!upgrade && *transport != current) return refuse(3);
    if (!eio4) return refuse(3);
    serve_existing(exchange, s, upgrade);
    return;
  }

  if (method != "GET") return refuse(2);
  const bool websocket = *transport == "websocket";
  if (websocket && !upgrade) return refuse(3);

  // Admission (engine_options::admission) before anything is built for this client: a flood
  // of refused handshakes costs a counter and a short reply each.
  std::string address = exchange->remote_address();
  if (auto refusal = admission_.admit(address)) {
    return refuse_admission(exchange, refusal->status, refusal->message, refusal->retry_after);
  }
  session_slot slot(admission_);

  request_info request;
  request.method = std::string(method);
  request.url = std::string(exchange->target());
  request.headers = exchange->all_headers();
  request.query = query;
  request.remote_address = std::move(address);
  request.secure = exchange->secure();
  request.time = std::chrono::system_clock::now();
  if (options_.admission.admit) {
    // A throwing hook refuses the handshake ("Forbidden"), as allow_request does.
    auto decision =
        user_call(*log_, "admission hook", options_.admission.admit, std::as_const(request))
            .value_or(admission_decision::refuse(403, std::string(error_message(4))));
    if (!decision.admitted()) {
      if (decision.reason.empty()) decision.reason = error_message(4);
      // A refusal is a client error or an overload; anything else would read as success.
      if (decision.status < 400 || decision.status > 599) decision.status = 403;
      admission_.refused_by_policy();
      return refuse_admission(exchange, decision.status, decision.reason, decision.retry_after);
    }
  }
  if (options_.allow_request) {
    // A throwing predicate refuses the handshake ("Forbidden"), as a refusal would.
    auto denial = user_call(*log_, "allow_request", options_.allow_request, std::as_const(request))
                      .value_or(std::string(error_message(4)));
    if (denial) {
      log_->log(log_level::debug, "handshake refused by allow_request");
      admission_.refused_by_policy();
      return upgrade ? refuse_upgrade(exchange, *denial)
                     : exchange->reply(error_reply(4, std::move(*denial)));
    }
  }
  if (!eio4) return refuse(5);
  handshake(exchange, websocket, std::move(request), slot);
}

void endpoint::serve_existing(const std::shared_ptr<http_exchange>& exchange,
                              const std::shared_ptr<session>& s, bool upgrade) {
  const std::string_view method = exchange->method();
  if (upgrade) {
    std::string response = upgrade_response(*exchange, false, {});
    if (response.empty()) return refuse_upgrade(exchange, "Bad request");
    s->probe(take_websocket(*exchange, *s), std::move(response));
    return;
  }
  if (method == "GET") {
    s->poll_get(exchange);
    return;
  }
  if (method != "POST") {
    // docs/PROTOCOL.md 1.5: other methods on a valid sid get an empty 500; the session lives on.
    exchange->reply(empty_reply(500, /*close_connection=*/false));
    return;
  }
  // EIO4 polling bodies are text, so a binary body is a transport error (docs/PROTOCOL.md 1.3); so
  // is a POST overlapping another (1.6). Both: an empty 400, and the session closes.
  const bool binary_body = exchange->header("content-type").starts_with("application/octet-stream");
  if (binary_body || !s->begin_post()) {
    exchange->reply(empty_reply(400, /*close_connection=*/true));
    s->fail(disconnect_reason::transport_error);
    return;
  }
  if (const auto length = exchange->content_length(); length && *length > options_.max_payload) {
    s->end_post();
    exchange->reply(empty_reply(413, /*close_connection=*/true));
    return;
  }
  exchange->read_body(options_.max_payload,
                      [s, exchange](std::optional<std::string> body, bool too_large) {
                        if (!body) {
                          s->end_post();
                          if (too_large) {
                            // The reference answers 413 and keeps the session (1.6).
                            exchange->reply(empty_reply(413, /*close_connection=*/true));
                          }
                          return;
                        }
                        s->poll_post(std::move(*body), exchange);
                      });
}

std::string endpoint::open_packet_json(const std::string& sid, bool websocket) const {
  // Exactly these five keys, in this order (docs/PROTOCOL.md 1.4).
  std::string out = "{\"sid\":\"";
  out += sid;
  out += "\",\"upgrades\":";
  out += (!websocket && options_.allow_upgrades && options_.allow_websocket) ? "[\"websocket\"]"
                                                                             : "[]";
  out += ",\"pingInterval\":" + std::to_string(options_.ping_interval.count());
  out += ",\"pingTimeout\":" + std::to_string(options_.ping_timeout.count());
  out += ",\"maxPayload\":" + std::to_string(options_.max_payload);
  out += '}';
  return out;
}

std::string endpoint::upgrade_response(const http_exchange& exchange, bool with_initial_headers,
                                       const header_list& common) const {
  if (!header_contains_token(exchange.header("connection"), "upgrade")) return {};
  if (exchange.header("sec-websocket-version") != "13") return {};
  const std::string_view key = exchange.header("sec-websocket-key");
  if (key.empty()) return {};
  std::string r =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ";
  r += ws_accept_key(key);
  r += "\r\n";
  for (const auto& [name, value] : common)
    r += name + ": " + value + "\r\n";
  if (with_initial_headers) {
    for (const auto& [name, value] : options_.initial_headers)
      r += name + ": " + value + "\r\n";
  }
  r += "\r\n";
  return r;
}

void endpoint::handshake(const std::shared_ptr<http_exchange>& exchange, bool websocket,
                         request_info request, session_slot& slot) {
  std::string response;
  if (websocket) {
    response = upgrade_response(*exchange, true,
                                cors_headers(options_.cors, *exchange, /*preflight=*/false, *log_));
    if (response.empty()) return refuse_upgrade(exchange, "Bad request");
  }
  std::string id = make_random_id();
  auto s =
      std::make_shared<session>(weak_from_this(), lanes_.next(), id,
                                websocket ? transport_type::websocket : transport_type::polling,
                                limits(), std::move(request));
  {
    std::lock_guard lock(mutex_);
    sessions_.emplace(id, s);
  }
  // The slot is the table entry's now: remove_session gives it back.
  slot.keep();
  auto on_open = [weak_self = weak_from_this(), s] {
    auto self = weak_self.lock();
    if (!self) return;
    const auto handler = self->connection_handler_ptr();
    if (!handler || !*handler) return;
    user_call(
        *self->log_, [&] { return "connection handler of session " + s->id(); }, *handler, s);
  };
  const std::string open_json = open_packet_json(id, websocket);
  if (websocket) {
    s->start_websocket(take_websocket(*exchange, *s), std::move(response),
                       make_message(packet_type::open, false, open_json), std::move(on_open));
    return;
  }
  // The session starts (and its handler runs) before the handshake reply is sent, so the
  // client's next request always finds it ready.
  s->start_polling(std::move(on_open));
  http_reply r;
  r.content_type = "text/plain; charset=UTF-8";
  r.body = "0" + open_json;
  r.headers.emplace_back("cache-control", "no-store");
  for (const auto& h : options_.initial_headers)
    r.headers.push_back(h);
  exchange->reply(std::move(r));
}

std::shared_ptr<ws_transport> endpoint::take_websocket(http_exchange& exchange,
                                                       const session& s) const {
  std::string leftover;
  auto ws = exchange.secure()
                ? std::make_shared<ws_transport>(exchange.take_tls_stream(leftover), s.home(),
                                                 options_.max_payload, std::move(leftover))
                : std::make_shared<ws_transport>(exchange.take_socket(leftover), s.home(),
                                                 options_.max_payload, std::move(leftover));
  ws->limit_pings(options_.websocket_pings);
  return ws;
}

std::shared_ptr<session> endpoint::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second;
}

void endpoint::remove_session(const std::string& id) {
  std::function<void()> done;
  bool erased = false;
  {
    std::lock_guard lock(mutex_);
    erased = sessions_.erase(id) != 0;
    if (sessions_.empty()) done = std::move(on_all_closed_), on_all_closed_ = nullptr;
  }
  if (erased) admission_.release_session();
  if (done) boost::asio::post(executor_, std::move(done));
}

std::vector<std::shared_ptr<session>> endpoint::sessions() const {
  std::vector<std::shared_ptr<session>> all;
  std::lock_guard lock(mutex_);
  all.reserve(sessions_.size());
  for (const auto& [id, s] : sessions_)
    all.push_back(s);
  return all;
}

void endpoint::when_empty(std::function<void()> done) {
  std::lock_guard lock(mutex_);
  if (sessions_.empty()) {
    boost::asio::post(executor_, std::move(done));
    return;
  }
  // Runs when the last session leaves the table (remove_session), after any callback
  // registered before it.
  on_all_closed_ = [first = std::move(on_all_closed_), second = std::move(done)] {
    if (first) first();
    second();
  };
}

void endpoint::refuse_admission(const std::shared_ptr<http_exchange>& exchange, unsigned status,
                                const std::string& message, std::chrono::seconds retry_after) {
  // The Engine.IO error body with code 4 (a refused handshake, as allow_request's); the status
  // says why. A WebSocket upgrade gets the same reply instead of the 101: no upgrade happens.
  http_reply r = error_reply(4, message);
  r.status = status;
  if (retry_after.count() > 0) {
    r.headers.emplace_back("retry-after", std::to_string(retry_after.count()));
  }
  r.close_connection = true;
  exchange->reply(std::move(r));
}

std::size_t endpoint::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void endpoint::close_all(std::function<void()> done) {
  // Registered before the sessions are copied out: one that closes in between still empties
  // the table after the callback is in place.
  if (done) when_empty(std::move(done));
  for (const auto& s : sessions())
    s->close();
}

std::shared_ptr<const logger> endpoint::log_of(const std::weak_ptr<endpoint>& e) {
  if (const auto self = e.lock()) return self->log_;
  static const auto fallback = std::make_shared<const logger>();
  return fallback;
}

}  // namespace socketio::detail
