// libFuzzer target: the HTTP request path from raw request bytes to the reply decision, without
// sockets. Beast's parser reads the heads (and bodies) with the server's limits; the real
// listener routes them; the real Engine.IO endpoint validates them (transport, EIO, sid,
// method), answers CORS and handshakes, and drives real sessions (polling GET/POST, WebSocket
// upgrades over a socket that is already closed). Only the connection is replaced: an
// in-memory http_exchange records what the endpoint answers and checks it.
//
// Input: byte 0 picks the endpoint's options; the rest is requests back to back. Each
// "{SID}" in a request is replaced by the id of the last session a handshake opened, so one
// input can open a session and then poll, post to or upgrade it. A request whose connection
// would close (a refused body, a parse error, an upgrade) ends the input; a parked polling GET
// does not hold up the requests after it (a client sends those on other connections).
//
// Invariants checked on every reply: one reply per request; a known status; no CR, LF or NUL
// in any header (response splitting); Engine.IO errors are {"code":N,"message":...} JSON with
// 403 exactly for code 4; an unknown or disabled transport is refused with code 0; CORS never
// allows an origin it was not configured to allow, never `*` with credentials, and sends
// nothing when off; a handshake reply is "0" + the open packet JSON with a fresh 20-character
// sid; polling replies decode as payloads. Also: parse_query survives re-encoding, and after
// the server closes every session no request is left without an answer.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engineio/detail/endpoint.hpp"
#include "engineio/detail/http_exchange.hpp"
#include "engineio/detail/http_listener.hpp"
#include "engineio/detail/packet.hpp"
#include "engineio/detail/url_query.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using namespace socketio::detail;

// The limits http_connection.cpp gives Beast's parser (max_header_bytes; the body limit is
// the endpoint's max_payload, passed to read_body).
constexpr std::uint32_t server_header_limit = 16 * 1024;

[[noreturn]] void fail() {
  __builtin_trap();
}
void check(bool ok) {
  if (!ok) fail();
}

std::string_view sv(beast::string_view s) {
  return {s.data(), s.size()};
}
beast::string_view bsv(std::string_view s) {
  return {s.data(), s.size()};
}

// A stream that has nothing more to give: Beast's synchronous read functions then parse
// exactly what is already in the buffer, as the connection's reads would.
struct drained_stream {
  using executor_type = boost::asio::io_context::executor_type;
  template <class Buffers>
  std::size_t read_some(const Buffers&, boost::system::error_code& ec) {
    ec = boost::asio::error::eof;
    return 0;
  }
  template <class Buffers>
  std::size_t read_some(const Buffers& b) {
    boost::system::error_code ec;
    read_some(b, ec);
    throw boost::system::system_error(ec);
  }
};

struct configuration {
  socketio::engine_options options;
  bool any_origin = false;
  bool abort_parked = false;
};

bool allowed_by_predicate(std::string_view origin) {
  return origin.ends_with(".example");
}

configuration configure(std::uint8_t bits) {
  configuration c;
  auto& o = c.options;
  o.path = "/engine.io";
  o.lanes = 1;
  o.logger.level = socketio::log_level::off;
  o.cors.enabled = (bits & 1) != 0;
  switch ((bits >> 1) & 3) {
    case 0:
      break;  // no list: any origin
    case 1:
      o.cors.origins = {"https://a.example"};
      break;
    case 2:
      o.cors.origins = {"https://a.example", "http://b.example:8080"};
      break;
    case 3:
      o.cors.allow_origin = allowed_by_predicate;
      break;
  }
  c.any_origin = ((bits >> 1) & 3) == 0;
  o.cors.credentials = (bits & 8) != 0 && !c.any_origin;
  if (bits & 16) o.cors.max_age_seconds = 600;
  o.allow_websocket = (bits & 32) == 0;
  o.allow_upgrades = (bits & 64) == 0;
  if (bits & 128) {
    o.max_payload = 64;
    o.allow_request = [](const socketio::request_info& r) -> std::optional<std::string> {
      for (const auto& [name, value] : r.headers)
        if (name == "x-deny") return "denied: " + value;
      return std::nullopt;
    };
  }
  // Inputs with the predicate also abort their parked GETs at the end (clients that went away).
  c.abort_parked = (bits & 6) == 6;
  return c;
}

bool header_safe(std::string_view s) {
  for (const char ch : s) {
    if (ch == '\r' || ch == '\n' || ch == '\0') return false;
  }
  return true;
}

const std::string* find_header(const header_list& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (beast::iequals(bsv(n), bsv(name))) return &v;
  }
  return nullptr;
}

struct world;

// One request as the endpoint sees it, backed by the parsed head and the input's bytes.
class memory_exchange final : public http_exchange,
                              public std::enable_shared_from_this<memory_exchange> {
 public:
  memory_exchange(world& w, beast::flat_buffer& buffer) : world_(w), buffer_(buffer) {
    head_.emplace();
    head_->header_limit(server_header_limit);
  }

  /// Reads the request head from the buffer, as http_connection.cpp does.
  bool read_head() {
    drained_stream stream;
    boost::system::error_code ec;
    http::read_header(stream, buffer_, *head_, ec);
    if (ec) return false;
    seen_.method = sv(head_->get().method_string());
    seen_.target = sv(head_->get().target());
    seen_.origin = header("origin");
    seen_.upgrade = is_websocket_upgrade();
    return true;
  }

  /// What the checks compare replies with, copied from the head.
  struct snapshot {
    std::string method;
    std::string target;
    std::string origin;
    bool upgrade = false;
  };
  const snapshot& seen() const { return seen_; }

  std::string_view method() const override { return sv(head().method_string()); }
  std::string_view target() const override { return sv(head().target()); }
  std::string_view header(std::string_view name) const override {
    const auto& h = head();
    const auto it = h.find(bsv(name));
    return it == h.end() ? std::string_view{} : sv(it->value());
  }
  bool has_header(std::string_view name) const override {
    return head().find(bsv(name)) != head().end();
  }
  header_list all_headers() const override {
    header_list out;
    for (const auto& f : head()) {
      std::string name(sv(f.name_string()));
      for (auto& c : name)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      out.emplace_back(std::move(name), std::string(sv(f.value())));
    }
    return out;
  }
  std::optional<std::uint64_t> content_length() const override {
    check(!body_taken_);
    const auto n = head_->content_length();
    if (!n) return std::nullopt;
    return *n;
  }
  bool is_websocket_upgrade() const override {
    // As http_connection.cpp decides it.
    return head().method() == http::verb::get &&
           beast::iequals(bsv(header("upgrade")), "websocket");
  }
  std::string remote_address() const override { return "127.0.0.1"; }
  bool secure() const override { return false; }
  void set_common_headers(header_list headers) override { common_ = std::move(headers); }
  void reply(http_reply r) override;
  void read_body(std::size_t limit,
                 std::function<void(std::optional<std::string>, bool)> done) override;
  void watch_abort(std::function<void()> on_abort) override { on_abort_ = std::move(on_abort); }
  boost::asio::ip::tcp::socket take_socket(std::string& leftover) override;
  // Never called: this exchange is not secure().
  std::unique_ptr<tls_stream> take_tls_stream(std::string&) override { return nullptr; }

  bool answered() const { return replied_ || socket_taken_; }
  bool replied() const { return replied_; }
  /// Answered without reading its body: the connection cannot read another request.
  bool body_left_unread() const { return replied_ && !body_taken_ && !head_->is_done(); }
  bool connection_ends() const { return ends_connection_; }
  void abort_if_parked();

 private:
  // http_connection.cpp moves the head's parser into the body's parser in read_body, and
  // its accessors keep reading the moved-from one: any use of them after read_body is a bug.
  const http::request<http::empty_body>& head() const {
    check(!body_taken_);
    return head_->get();
  }

  world& world_;
  std::optional<http::request_parser<http::empty_body>> head_;
  snapshot seen_;
  bool body_taken_ = false;
  beast::flat_buffer& buffer_;
  header_list common_;
  std::function<void()> on_abort_;
  bool replied_ = false;
  bool socket_taken_ = false;
  bool body_failed_ = false;
  bool aborted_ = false;  // the client closed the connection while the request was parked
  bool ends_connection_ = false;
  friend struct world;
};

struct world {
  explicit world(std::uint8_t bits) : config(configure(bits)) {
    ep = std::make_shared<endpoint>(ioc.get_executor(), config.options);
    listener = std::make_shared<http_listener>(ioc.get_executor(),
                                               std::vector<std::shared_ptr<endpoint>>{ep});
  }
  ~world() {
    ep->close_all();
    run();
    // Every request was answered, handed a socket, or lost its connection (a body that did
    // not arrive whole, a parked GET whose client went away); none is left waiting after the
    // server closed its sessions.
    for (const auto& e : exchanges) {
      check(e->answered() || e->body_failed_ || e->aborted_);
    }
    exchanges.clear();
  }

  void run() {
    ioc.restart();
    ioc.poll();
  }

  void check_reply(const memory_exchange& e, const http_reply& r);

  boost::asio::io_context ioc;
  configuration config;
  std::shared_ptr<endpoint> ep;
  std::shared_ptr<http_listener> listener;
  std::vector<std::shared_ptr<memory_exchange>> exchanges;
  std::string last_sid;
  std::set<std::string> sids;
  beast::flat_buffer buffer;
};

// HTTP_FUZZ_TRACE=1 prints each request line and its reply (to read what an input does).
const bool trace = std::getenv("HTTP_FUZZ_TRACE") != nullptr;

void memory_exchange::reply(http_reply r) {
  if (trace) {
    std::fprintf(stderr, "%s %s -> %u %s\n", seen_.method.c_str(), seen_.target.c_str(), r.status,
                 r.body.substr(0, 80).c_str());
  }
  check(!replied_ && !socket_taken_);
  replied_ = true;
  if (r.close_connection) ends_connection_ = true;
  world_.check_reply(*this, r);
}

void memory_exchange::read_body(std::size_t limit,
                                std::function<void(std::optional<std::string>, bool)> done) {
  check(!replied_ && !socket_taken_ && head_);
  // As http_connection.cpp reads a body: the same parser continues, with the endpoint's limit.
  http::request_parser<http::string_body> body(std::move(*head_));
  body_taken_ = true;
  body.body_limit(limit);
  drained_stream stream;
  boost::system::error_code ec;
  http::read(stream, buffer_, body, ec);
  std::optional<std::string> result;
  bool too_large = false;
  if (ec == http::error::body_limit) {
    too_large = true;
  } else if (!ec) {
    result = std::move(body.get().body());
    check(result->size() <= limit);
  }
  if (!result) {
    body_failed_ = true;
    ends_connection_ = true;
  }
  // The connection calls back from its read's completion, never from inside read_body.
  boost::asio::post(world_.ioc, [done = std::move(done), result = std::move(result),
                                 too_large]() mutable { done(std::move(result), too_large); });
}

boost::asio::ip::tcp::socket memory_exchange::take_socket(std::string& leftover) {
  if (trace) {
    std::fprintf(stderr, "%s %s -> upgrade\n", seen_.method.c_str(), seen_.target.c_str());
  }
  check(!replied_ && !socket_taken_);
  check(is_websocket_upgrade());
  socket_taken_ = true;
  ends_connection_ = true;
  const auto data = buffer_.data();
  leftover.assign(static_cast<const char*>(data.data()), data.size());
  buffer_.consume(buffer_.size());
  // Never opened: the transport parses `leftover` (frames sent with the upgrade request),
  // then its first write or read fails and the session closes as for a dropped connection.
  return boost::asio::ip::tcp::socket(world_.ioc);
}

void memory_exchange::abort_if_parked() {
  if (!on_abort_ || answered()) return;
  aborted_ = true;
  boost::asio::post(world_.ioc, [abort = on_abort_] { abort(); });
}

void check_cors(const configuration& c, const memory_exchange& e, const header_list& headers,
                bool preflight) {
  const auto& cors = c.options.cors;
  if (!cors.enabled) {
    for (const auto& [name, value] : headers)
      check(!std::string_view(name).starts_with("Access-Control-"));
    return;
  }
  const std::string* allow = find_header(headers, "Access-Control-Allow-Origin");
  const std::string_view origin = e.seen().origin;
  if (c.any_origin) {
    check(allow != nullptr && *allow == "*");
  } else if (allow != nullptr) {
    check(*allow != "*");
    if (cors.allow_origin) {
      check(*allow == origin && allowed_by_predicate(origin));
    } else if (cors.origins.size() == 1) {
      check(*allow == cors.origins.front());
    } else {
      check(*allow == origin &&
            std::find(cors.origins.begin(), cors.origins.end(), origin) != cors.origins.end());
    }
  }
  if (!c.any_origin) check(find_header(headers, "Vary") != nullptr);
  check((find_header(headers, "Access-Control-Allow-Credentials") != nullptr) == cors.credentials);
  check((find_header(headers, "Access-Control-Allow-Methods") != nullptr) == preflight);
}

void check_payload(std::string_view body) {
  const auto decoded = decode_payload(body);
  check(decoded.valid && !decoded.packets.empty());
}

void world::check_reply(const memory_exchange& e, const http_reply& r) {
  static const std::set<unsigned> statuses{200, 204, 400, 403, 404, 413, 500};
  check(statuses.count(r.status) == 1);
  for (const auto* list : {&e.common_, &r.headers}) {
    for (const auto& [name, value] : *list)
      check(!name.empty() && header_safe(name) && header_safe(value));
  }
  check(header_safe(r.content_type));

  const bool preflight = e.seen().method == "OPTIONS" && config.options.cors.enabled;
  check_cors(config, e, e.common_, preflight);
  if (preflight) {
    check(r.status == 204 && r.body.empty());
    return;
  }

  const query_list query = parse_query(e.seen().target);
  const std::string* transport = find_param(query, "transport");
  const bool transport_ok =
      transport != nullptr && ((*transport == "polling" && config.options.allow_polling) ||
                               (*transport == "websocket" && config.options.allow_websocket));
  const bool upgrade = e.seen().upgrade;

  if (r.content_type == "application/json") {
    check(r.status == 400 || r.status == 403);
    const auto body = nlohmann::json::parse(r.body, nullptr, false);
    check(body.is_object() && body.size() == 2 && body.contains("code") &&
          body.contains("message") && body["code"].is_number_integer() &&
          body["message"].is_string());
    const int code = body["code"].get<int>();
    check(code >= 0 && code <= 5);
    check((r.status == 403) == (code == 4));
    check(code == 0 || transport_ok);
    check(!upgrade);
    return;
  }
  if (r.content_type == "text/html" && (r.status == 400 || r.status == 403)) {
    // A refused WebSocket upgrade: a raw 400 with the message (403 when the Origin is not on
    // the allow-list), then the connection closes.
    check(upgrade && r.close_connection && !r.body.empty());
    check((r.status == 403) == (r.body == "Origin not allowed"));
    if (!transport_ok) check(r.body == "Transport unknown");
    return;
  }
  // Everything else passed transport validation.
  check(transport_ok);
  if (r.status != 200) {
    check(r.body.empty());
    return;
  }
  const std::string& method = e.seen().method;
  check(method == "GET" || method == "POST");
  if (method == "POST") {
    check(r.body == "ok" && r.content_type == "text/html");
    return;
  }
  const bool handshake = find_param(query, "sid") == nullptr;
  if (!handshake) {
    check_payload(r.body);
    return;
  }
  // A polling handshake: "0" and the open packet (docs/PROTOCOL.md 1.4).
  const std::string* eio = find_param(query, "EIO");
  check(eio != nullptr && *eio == "4" && *transport == "polling");
  check(r.content_type == "text/plain; charset=UTF-8" && r.body.starts_with("0{"));
  const auto open = nlohmann::json::parse(r.body.substr(1), nullptr, false);
  check(open.is_object() && open.size() == 5 && open["sid"].is_string() &&
        open["upgrades"].is_array() && open["pingInterval"].is_number() &&
        open["pingTimeout"].is_number() && open["maxPayload"] == config.options.max_payload);
  std::string sid = open["sid"].get<std::string>();
  check(sid.size() == 20 && sids.insert(sid).second);
  check(ep->find(sid) != nullptr);
  last_sid = std::move(sid);
}

// parse_query(target) must come back unchanged from its own percent-encoded form.
void check_query_round_trip(std::string_view target) {
  const query_list query = parse_query(target);
  std::string again = "/p?";
  static constexpr char hex[] = "0123456789ABCDEF";
  auto append_encoded = [&](const std::string& s) {
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '.' || c == '_' || c == '~') {
        again.push_back(ch);
      } else {
        again.push_back('%');
        again.push_back(hex[c >> 4]);
        again.push_back(hex[c & 15]);
      }
    }
  };
  for (const auto& [name, value] : query) {
    append_encoded(name);
    again.push_back('=');
    append_encoded(value);
    again.push_back('&');
  }
  check(parse_query(again) == query);
  check(target_path(target).find('?') == std::string_view::npos);
}

std::string with_sid(std::string_view bytes, const std::string& sid) {
  static constexpr std::string_view placeholder = "{SID}";
  std::string out;
  std::size_t at = 0;
  while (true) {
    const auto next = bytes.find(placeholder, at);
    out.append(bytes.substr(at, next == std::string_view::npos ? next : next - at));
    if (next == std::string_view::npos) return out;
    out += sid;
    at = next + placeholder.size();
  }
}

void fill(beast::flat_buffer& buffer, std::string_view bytes) {
  buffer.consume(buffer.size());
  if (bytes.empty()) return;
  const auto space = buffer.prepare(bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  buffer.commit(bytes.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  world w(data[0]);
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  fill(w.buffer, input);
  std::string sid_used;
  for (int requests = 0; requests < 64 && w.buffer.size() != 0; ++requests) {
    if (w.last_sid != sid_used) {
      // A new session: later requests name it.
      const auto pending = w.buffer.data();
      const std::string rest = with_sid(
          std::string_view(static_cast<const char*>(pending.data()), pending.size()), w.last_sid);
      fill(w.buffer, rest);
      sid_used = w.last_sid;
    }
    auto exchange = std::make_shared<memory_exchange>(w, w.buffer);
    if (!exchange->read_head()) break;  // the server answers 400 (or nothing) and closes
    const std::string& target = exchange->seen().target;
    check_query_round_trip(target);
    const auto path = target_path(target);
    const std::string& method = exchange->seen().method;
    if (w.listener->mounted_file(method, path)) break;
    const auto ep = w.listener->route(path);
    if (!ep) {
      check(!path.starts_with("/engine.io/"));
      // 404; with no body read the connection closes unless the request had none.
      break;
    }
    w.exchanges.push_back(exchange);
    ep->handle(exchange);
    w.run();
    if (exchange->connection_ends()) break;
    if (exchange->answered() && !exchange->replied()) break;
    if (exchange->body_left_unread()) break;
  }
  if (w.config.abort_parked) {
    for (const auto& e : w.exchanges)
      e->abort_if_parked();
    w.run();
  }
  return 0;
}
