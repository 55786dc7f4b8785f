#include "engineio/detail/http_connection.hpp"

#include <sys/socket.h>

#include <cerrno>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <optional>

#include "engineio/detail/endpoint.hpp"
#include "engineio/detail/http_exchange.hpp"
#include "engineio/detail/http_listener.hpp"
#include "engineio/detail/static_files.hpp"
#include "engineio/detail/url_query.hpp"

namespace socketio::detail {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::uint32_t max_header_bytes = 16 * 1024;
constexpr std::chrono::seconds write_timeout{30};

// Beast in Boost 1.74 speaks boost::string_view; the rest of the project std::string_view.
std::string_view sv(beast::string_view s) {
  return {s.data(), s.size()};
}
beast::string_view bsv(std::string_view s) {
  return {s.data(), s.size()};
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

class http_connection final : public http_exchange,
                              public std::enable_shared_from_this<http_connection> {
 public:
  http_connection(boost::asio::ip::tcp::socket socket,
                  std::shared_ptr<const http_listener> listener,
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
    const auto ep = stream_.socket().remote_endpoint(ec);
    return ec ? std::string{} : ep.address().to_string();
  }

  void set_common_headers(header_list headers) override { common_headers_ = std::move(headers); }

  void reply(http_reply r) override {
    boost::asio::dispatch(stream_.get_executor(),
                          [self = shared_from_this(), r = std::move(r)]() mutable {
                            self->write_reply(std::move(r));
                          });
  }

  void read_body(std::size_t limit,
                 std::function<void(std::optional<std::string>, bool)> done) override {
    body_parser_.emplace(std::move(*header_parser_));
    body_parser_->body_limit(limit);
    body_read_ = true;
    stream_.expires_after(request_timeout_);
    http::async_read(
        stream_, buffer_, *body_parser_,
        [self = shared_from_this(), done = std::move(done)](beast::error_code ec, std::size_t) {
          self->stream_.expires_never();
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
    boost::asio::dispatch(stream_.get_executor(), [self = shared_from_this(),
                                                   on_abort = std::move(on_abort)]() mutable {
      if (self->replying_ || self->closed_) return;
      // Each watch has a generation: a wait that completes after its request was answered
      // (the connection may already be reading or parking the next request) is stale.
      self->wait_for_abort(++self->watch_generation_,
                           std::make_shared<std::function<void()>>(std::move(on_abort)));
    });
  }

  boost::asio::ip::tcp::socket take_socket(std::string& leftover) override {
    const auto data = buffer_.data();
    leftover.assign(static_cast<const char*>(data.data()), data.size());
    buffer_.consume(buffer_.size());
    stream_.expires_never();
    released_ = true;
    return stream_.release_socket();
  }

 private:
  void wait_for_abort(std::uint64_t generation, std::shared_ptr<std::function<void()>> on_abort) {
    stream_.socket().async_wait(
        boost::asio::ip::tcp::socket::wait_read,
        [self = shared_from_this(), generation, on_abort](boost::system::error_code ec) {
          if (generation != self->watch_generation_ || self->replying_) return;
          if (ec == boost::asio::error::operation_aborted) return;
          if (ec) return (*on_abort)();
          // A wait can complete without the socket being readable; peek to tell EOF (0),
          // nothing yet (EAGAIN: wait again) and a pipelined request (bytes: not an abort).
          char byte = 0;
          const auto n =
              ::recv(self->stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
          if (n > 0) return;
          if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            self->wait_for_abort(generation, on_abort);
            return;
          }
          (*on_abort)();
        });
  }

  void read_header() {
    header_parser_.emplace();
    header_parser_->header_limit(max_header_bytes);
    body_parser_.reset();
    body_read_ = false;
    common_headers_.clear();
    stream_.expires_after(request_timeout_);
    http::async_read_header(
        stream_, buffer_, *header_parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) {
      // EOF between requests, a header timeout or a malformed head: nothing to answer.
      if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
          ec != boost::asio::error::operation_aborted && ec != boost::asio::error::eof) {
        bad_request();
        return;
      }
      shutdown();
      return;
    }
    // A parked GET may wait far longer than the header timeout.
    stream_.expires_never();
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
    ep->handle(shared_from_this());
  }

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
    stream_.socket().cancel(cancel_ec);
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
    stream_.expires_after(write_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
                        self->replying_ = false;
                        if (ec || !keep) {
                          self->shutdown();
                          return;
                        }
                        self->read_header();
                      });
  }

  void shutdown() {
    if (closed_ || released_) return;
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<const http_listener> listener_;
  std::chrono::milliseconds request_timeout_;
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

}  // namespace

void serve_http_connection(boost::asio::ip::tcp::socket socket,
                           std::shared_ptr<const http_listener> listener,
                           std::chrono::milliseconds request_timeout) {
  auto c =
      std::make_shared<http_connection>(std::move(socket), std::move(listener), request_timeout);
  c->start();
}

}  // namespace socketio::detail
