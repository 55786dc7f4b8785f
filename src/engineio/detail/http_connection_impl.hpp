// One HTTP/1.1 connection over a stream: Beast's tcp_stream (plain) or an OpenSSL stream over
// it (TLS). The request handling is the same; what differs per stream (telling an abort from a
// pipelined request, closing, handing the connection to a WebSocket) is specialised in the
// stream's own translation unit: http_connection.cpp (plain), https_connection.cpp (TLS).
// Included by those two files only: it brings Beast.
#pragma once

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <optional>
#include <type_traits>

#include "common/detail/logger.hpp"
#include "engineio/detail/endpoint.hpp"
#include "engineio/detail/http_exchange.hpp"
#include "engineio/detail/http_listener.hpp"
#include "engineio/detail/static_files.hpp"
#include "engineio/detail/url_query.hpp"

namespace socketio::detail::http_impl {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::uint32_t max_header_bytes = 16 * 1024;
constexpr std::chrono::seconds write_timeout{30};

// Beast in Boost 1.74 speaks boost::string_view; the rest of the project std::string_view.
inline std::string_view sv(beast::string_view s) {
  return {s.data(), s.size()};
}
inline beast::string_view bsv(std::string_view s) {
  return {s.data(), s.size()};
}

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

template <class Stream>
class http_connection final : public http_exchange,
                              public std::enable_shared_from_this<http_connection<Stream>> {
 public:
  /// `buffer`: bytes already read from the connection (by TLS detection), parsed first.
  /// `keep`: what the stream needs alive as long as it lives (the TLS context).
  http_connection(Stream stream, std::shared_ptr<const http_listener> listener,
                  std::chrono::milliseconds request_timeout, beast::flat_buffer buffer = {},
                  std::shared_ptr<void> keep = nullptr)
      : stream_(std::move(stream)),
        buffer_(std::move(buffer)),
        listener_(std::move(listener)),
        request_timeout_(request_timeout),
        keep_(std::move(keep)) {}

  /// A plain connection straight from its accepted socket (no stream to move).
  template <class S = Stream>
  requires std::is_same_v<S, beast::tcp_stream> http_connection(
      boost::asio::ip::tcp::socket socket, std::shared_ptr<const http_listener> listener,
      std::chrono::milliseconds request_timeout)
      : stream_(std::move(socket)),
        listener_(std::move(listener)),
        request_timeout_(request_timeout) {}

  void start() { read_header(); }

  // --- http_exchange: request accessors (valid on the strand while the request is current) ---
  std::string_view method() const override { return sv(header_parser_->get().method_string()); }
  std::string_view target() const override { return sv(header_parser_->get().target()); }
  std::string_view header(std::string_view name) const override {
    const auto& h = header_parser_->get();
    const auto it = h.find(bsv(name));
    return it == h.end() ? std::string_view{} : sv(it->value());
  }
  bool has_header(std::string_view name) const override {
    return header_parser_->get().find(bsv(name)) != header_parser_->get().end();
  }
  header_list all_headers() const override {
    // Sized exactly: the list lives as long as the session (request_info), and growth by
    // doubling would keep up to half of it empty.
    header_list out;
    const auto& fields = header_parser_->get();
    out.reserve(static_cast<std::size_t>(std::distance(fields.begin(), fields.end())));
    for (const auto& f : fields) {
      out.emplace_back(to_lower(sv(f.name_string())), std::string(sv(f.value())));
    }
    return out;
  }
  std::optional<std::uint64_t> content_length() const override {
    const auto n = header_parser_->content_length();
    if (!n) return std::nullopt;
    return *n;
  }
  bool is_websocket_upgrade() const override {
    return method_ == http::verb::get && beast::iequals(bsv(header("upgrade")), "websocket");
  }
  std::string remote_address() const override {
    boost::system::error_code ec;
    const auto ep = socket().remote_endpoint(ec);
    return ec ? std::string{} : ep.address().to_string();
  }
  bool secure() const override;

  void set_common_headers(header_list headers) override { common_headers_ = std::move(headers); }

  void reply(http_reply r) override {
    boost::asio::dispatch(stream_.get_executor(),
                          [self = this->shared_from_this(), r = std::move(r)]() mutable {
                            self->write_reply(std::move(r));
                          });
  }

  void read_body(std::size_t limit,
                 std::function<void(std::optional<std::string>, bool)> done) override {
    body_parser_.emplace(std::move(*header_parser_));
    body_parser_->body_limit(limit);
    body_read_ = true;
    lowest().expires_after(request_timeout_);
    http::async_read(stream_, buffer_, *body_parser_,
                     [self = this->shared_from_this(), done = std::move(done)](beast::error_code ec,
                                                                               std::size_t) {
                       self->lowest().expires_never();
                       if (ec == http::error::body_limit) return done(std::nullopt, true);
                       if (ec) {
                         done(std::nullopt, false);
                         self->shutdown();
                         return;
                       }
                       done(std::move(self->body_parser_->get().body()), false);
                     });
  }

  void watch_abort(std::function<void()> on_abort) override {
    boost::asio::dispatch(stream_.get_executor(), [self = this->shared_from_this(),
                                                   on_abort = std::move(on_abort)]() mutable {
      if (self->replying_ || self->closed_) return;
      // Each watch has a generation: a wait that completes after its request was answered
      // (the connection may already be reading or parking the next request) is stale.
      self->wait_for_abort(++self->watch_generation_,
                           std::make_shared<std::function<void()>>(std::move(on_abort)));
    });
  }

  boost::asio::ip::tcp::socket take_socket(std::string& leftover) override;
  std::unique_ptr<tls_stream> take_tls_stream(std::string& leftover) override;

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  boost::asio::ip::tcp::socket& socket() { return lowest().socket(); }
  const boost::asio::ip::tcp::socket& socket() const {
    return beast::get_lowest_layer(stream_).socket();
  }

  void wait_for_abort(std::uint64_t generation, std::shared_ptr<std::function<void()>> on_abort) {
    socket().async_wait(
        boost::asio::ip::tcp::socket::wait_read,
        [self = this->shared_from_this(), generation, on_abort](boost::system::error_code ec) {
          if (generation != self->watch_generation_ || self->replying_) return;
          if (ec == boost::asio::error::operation_aborted) return;
          if (ec) return (*on_abort)();
          switch (self->check_readable()) {
            case readable::nothing:
              self->wait_for_abort(generation, on_abort);
              return;
            case readable::request:
              return;
            case readable::closed:
              (*on_abort)();
              return;
          }
        });
  }

  /// What a readable connection under an abort watch holds.
  enum class readable { nothing, request, closed };
  /// Specialised per stream: the peer's close, a pipelined request, or nothing yet.
  readable check_readable();

  void read_header() {
    header_parser_.emplace();
    header_parser_->header_limit(max_header_bytes);
    body_parser_.reset();
    body_read_ = false;
    common_headers_.clear();
    lowest().expires_after(request_timeout_);
    http::async_read_header(stream_, buffer_, *header_parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (ec) {
      // EOF between requests, a header timeout or a malformed head: nothing to answer.
      if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
          ec != boost::asio::error::operation_aborted && ec != boost::asio::error::eof &&
          !peer_closed(ec)) {
        bad_request();
        return;
      }
      shutdown();
      return;
    }
    // A parked GET may wait far longer than the header timeout.
    lowest().expires_never();
    const auto& req = header_parser_->get();
    method_ = req.method();
    keep_alive_ = req.keep_alive();
    const auto path = target_path(sv(req.target()));
    if (auto file = listener_->mounted_file(sv(req.method_string()), path)) {
      write_reply(std::move(*file));
      return;
    }
    const auto ep = listener_->route(path);
    if (!ep) {
      auto file = listener_->file_under_root(sv(req.method_string()), path);
      write_reply(file ? std::move(*file) : not_found_reply());
      return;
    }
    ep->handle(this->shared_from_this());
  }

  /// Specialised per stream: errors of the stream itself (beyond EOF), which end the
  /// connection without an HTTP answer.
  bool peer_closed(const beast::error_code& ec) const;

  void bad_request() {
    http_reply r;
    r.status = 400;
    r.close_connection = true;
    write_reply(std::move(r));
  }

  void write_reply(http_reply r) {
    if (closed_ || released_ || replying_) return;
    replying_ = true;
    // Retire any abort watch: only a wait can be pending while a reply is being prepared.
    ++watch_generation_;
    boost::system::error_code cancel_ec;
    socket().cancel(cancel_ec);
    // A request whose body was never read leaves the stream mid-message: close after.
    const bool body_pending = !body_read_ && header_parser_ && !header_parser_->is_done();
    const bool keep = keep_alive_ && !r.close_connection && !body_pending;
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(r.status);
    if (!r.content_type.empty()) res->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : common_headers_)
      res->insert(bsv(name), bsv(value));
    for (const auto& [name, value] : r.headers)
      res->insert(bsv(name), bsv(value));
    res->body() = std::move(r.body);
    res->keep_alive(keep);
    res->prepare_payload();
    if (r.status == 204) res->set(http::field::content_length, "0");
    if (r.head_content_length) {
      res->set(http::field::content_length, std::to_string(*r.head_content_length));
    }
    lowest().expires_after(write_timeout);
    http::async_write(
        stream_, *res,
        [self = this->shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
          self->replying_ = false;
          if (ec || !keep) {
            self->shutdown();
            return;
          }
          self->read_header();
        });
  }

  /// Specialised per stream: ends the connection (the TCP socket closes).
  void shutdown();

  Stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<const http_listener> listener_;
  std::chrono::milliseconds request_timeout_;
  std::shared_ptr<void> keep_;
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> body_parser_;
  header_list common_headers_;
  http::verb method_ = http::verb::unknown;
  bool keep_alive_ = true;
  bool body_read_ = false;
  bool replying_ = false;
  std::uint64_t watch_generation_ = 0;
  bool closed_ = false;
  bool released_ = false;
};

using plain_http_connection = http_connection<beast::tcp_stream>;

// The plain connection's stream-specific members (http_connection.cpp).
template <>
bool plain_http_connection::secure() const;
template <>
plain_http_connection::readable plain_http_connection::check_readable();
template <>
bool plain_http_connection::peer_closed(const beast::error_code& ec) const;
template <>
void plain_http_connection::shutdown();
template <>
boost::asio::ip::tcp::socket plain_http_connection::take_socket(std::string& leftover);
template <>
std::unique_ptr<tls_stream> plain_http_connection::take_tls_stream(std::string& leftover);

/// Serves a plain connection whose first bytes (`buffer`) TLS detection already read.
void serve_plain(beast::tcp_stream stream, beast::flat_buffer buffer,
                 std::shared_ptr<const http_listener> listener,
                 std::chrono::milliseconds request_timeout);

}  // namespace socketio::detail::http_impl
