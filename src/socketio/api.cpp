// The public handles (server, namespace_handle, socket, broadcast_operator, remote_socket):
// thin forwarding to the internals, posting to the right strand where state is strand-owned.
#include <future>
#include <regex>
#include <stdexcept>

#include "common/detail/user_call.hpp"
#include "socketio/attach.hpp"
#include "socketio/detail/core.hpp"
#include "socketio/detail/handle_access.hpp"

namespace socketio {

using detail::sio_socket;

// --- socket ---

socket::socket(std::shared_ptr<const detail::socket_ref> ref) : ref_(std::move(ref)) {}

namespace {
const std::string& empty_string() {
  static const std::string empty;
  return empty;
}
std::shared_ptr<sio_socket> impl_of(const std::shared_ptr<const detail::socket_ref>& ref) {
  return ref ? ref->impl.lock() : nullptr;
}
}  // namespace

const std::string& socket::id() const {
  return ref_ ? ref_->id : empty_string();
}
const std::string& socket::nsp() const {
  return ref_ ? ref_->nsp : empty_string();
}

bool socket::connected() const {
  const auto s = impl_of(ref_);
  return s && s->connected();
}

namespace {
template <class F>
void with(const std::shared_ptr<const detail::socket_ref>& ref, F&& f) {
  if (const auto s = impl_of(ref)) s->on_strand(std::forward<F>(f));
}
}  // namespace

void socket::on(const std::string& event, event_handler handler) const {
  with(ref_, [event, handler = std::move(handler)](sio_socket& s) mutable {
    s.handlers.add(event, std::move(handler), false);
  });
}
void socket::on(const std::string& event, reason_handler handler) const {
  if (event == "disconnect") return on_disconnect(std::move(handler));
  if (event == "disconnecting") return on_disconnecting(std::move(handler));
  throw std::invalid_argument(
      "a handler taking a reason is for \"disconnect\" or "
      "\"disconnecting\", not \"" +
      event + "\"");
}
void socket::once(const std::string& event, event_handler handler) const {
  with(ref_, [event, handler = std::move(handler)](sio_socket& s) mutable {
    s.handlers.add(event, std::move(handler), true);
  });
}
void socket::off(const std::string& event) const {
  with(ref_, [event](sio_socket& s) { s.handlers.remove(event); });
}
void socket::on_any(any_handler handler) const {
  with(ref_, [handler = std::move(handler)](sio_socket& s) {
    s.more_listeners().any.push_back(handler);
  });
}
void socket::prepend_any(any_handler handler) const {
  with(ref_, [handler = std::move(handler)](sio_socket& s) {
    auto& any = s.more_listeners().any;
    any.insert(any.begin(), handler);
  });
}
void socket::off_any() const {
  with(ref_, [](sio_socket& s) {
    if (s.listeners_if_any()) s.more_listeners().any.clear();
  });
}
void socket::on_any_outgoing(any_handler handler) const {
  with(ref_, [handler = std::move(handler)](sio_socket& s) {
    s.more_listeners().outgoing_any.push_back(handler);
  });
}
void socket::use(packet_middleware middleware) const {
  with(ref_, [middleware = std::move(middleware)](sio_socket& s) {
    s.more_listeners().packet_middlewares.push_back(middleware);
  });
}
void socket::on_disconnecting(reason_handler handler) const {
  with(ref_, [handler = std::move(handler)](sio_socket& s) {
    s.more_listeners().disconnecting.push_back(handler);
  });
}
void socket::on_disconnect(reason_handler handler) const {
  with(ref_, [handler = std::move(handler)](sio_socket& s) {
    s.more_listeners().disconnect.push_back(handler);
  });
}
void socket::on_error(std::function<void(const std::string&)> handler) const {
  with(ref_, [handler = std::move(handler)](sio_socket& s) { s.more_listeners().error = handler; });
}
void socket::on_rate_limited(rate_limited_handler handler) const {
  with(ref_, [handler = std::move(handler)](sio_socket& s) {
    s.more_listeners().rate_limited.push_back(handler);
  });
}
std::uint64_t socket::rate_limited_count() const {
  const auto s = impl_of(ref_);
  return s ? s->rate_limited_count() : 0;
}

bool socket::emit_args(std::string_view event, args values) const {
  detail::check_event_name(event);
  const auto s = impl_of(ref_);
  if (!s || !s->connected()) return false;
  s->on_strand([event = std::string(event), values = std::move(values)](sio_socket& t) mutable {
    t.emit_now(event, std::move(values));
  });
  return true;
}

void socket::emit_with_ack(std::string_view event, args values, std::chrono::milliseconds timeout,
                           ack_callback callback) const {
  detail::check_event_name(event);
  const auto s = impl_of(ref_);
  if (!s || !s->connected()) {
    if (callback)
      callback(ack_error{make_error_code(error::socket_disconnected).message(), 0, 0, {}}, {});
    return;
  }
  s->on_strand([event = std::string(event), values = std::move(values), timeout,
                callback = std::move(callback)](sio_socket& t) mutable {
    if (!t.connected()) {
      detail::user_call(
          t.log(), [&] { return t.where("ack callback (disconnected)"); }, callback,
          ack_error{make_error_code(error::socket_disconnected).message(), 0, 0, {}}, args{});
      return;
    }
    const std::uint64_t id = t.nsp()->next_ack_id();
    t.expect_ack(id, timeout, std::move(callback));
    t.emit_now(event, std::move(values), id);
  });
}

std::future<args> socket::emit_with_ack(std::string_view event, args values,
                                        std::chrono::milliseconds timeout) const {
  auto bridge = std::make_shared<detail::future_bridge<args>>();
  auto future = bridge->promise.get_future();
  emit_with_ack(event, std::move(values), timeout,
                [bridge](std::optional<ack_error> err, args response) {
                  if (err) {
                    bridge->set_exception(std::make_exception_ptr(ack_timeout(err->message)));
                  } else {
                    bridge->set_value(std::move(response));
                  }
                });
  const auto s = impl_of(ref_);
  detail::refuse_if_pending_on_io_thread(s ? s->nsp() : nullptr, *bridge);
  return future;
}

void socket::join(const std::string& room) const {
  join(std::set<std::string>{room});
}
void socket::join(const std::set<std::string>& rooms) const {
  if (const auto s = impl_of(ref_)) s->nsp()->join(id(), rooms);
}
void socket::leave(const std::string& room) const {
  if (const auto s = impl_of(ref_)) s->nsp()->leave(id(), {room});
}
std::set<std::string> socket::rooms() const {
  const auto s = impl_of(ref_);
  return s ? s->nsp()->adapter_ptr()->socket_rooms(id()) : std::set<std::string>{};
}

json socket::data() const {
  const auto s = impl_of(ref_);
  return s ? s->data() : json();
}
void socket::set_data(json value) const {
  if (const auto s = impl_of(ref_)) s->set_data(std::move(value));
}
socketio::handshake socket::handshake() const {
  const auto s = impl_of(ref_);
  return s ? s->handshake() : socketio::handshake{};
}

void socket::disconnect(bool close) const {
  if (const auto s = impl_of(ref_)) s->nsp()->disconnect_socket(id(), close);
}

broadcast_operator socket::to(const std::string& room) const {
  return broadcast().to(room);
}
broadcast_operator socket::except(const std::string& room) const {
  return broadcast().except(room);
}
broadcast_operator socket::broadcast() const {
  const auto s = impl_of(ref_);
  broadcast_options opts;
  opts.except.insert(id());  // the sender never receives its own broadcast
  return detail::handle_access::make_operator(s ? s->nsp() : nullptr, std::move(opts));
}

// --- broadcast_operator ---

broadcast_operator::broadcast_operator(std::shared_ptr<detail::sio_namespace> nsp,
                                       broadcast_options opts)
    : nsp_(std::move(nsp)), opts_(std::move(opts)) {}

namespace {
// Each operator returns a changed copy.
template <class F>
broadcast_operator with_options(const broadcast_operator& op,
                                const std::shared_ptr<detail::sio_namespace>& nsp, F&& change) {
  auto o = op.options();
  change(o);
  return detail::handle_access::make_operator(nsp, std::move(o));
}
}  // namespace

broadcast_operator broadcast_operator::to(const std::string& room) const {
  return with_options(*this, nsp_, [&](broadcast_options& o) { o.rooms.insert(room); });
}
broadcast_operator broadcast_operator::except(const std::string& room) const {
  return with_options(*this, nsp_, [&](broadcast_options& o) { o.except.insert(room); });
}
broadcast_operator broadcast_operator::volatile_() const {
  return with_options(*this, nsp_, [](broadcast_options& o) { o.flags.is_volatile = true; });
}
broadcast_operator broadcast_operator::local() const {
  return with_options(*this, nsp_, [](broadcast_options& o) { o.flags.local = true; });
}
broadcast_operator broadcast_operator::compress(bool on) const {
  return with_options(*this, nsp_, [on](broadcast_options& o) { o.flags.compress = on; });
}
broadcast_operator broadcast_operator::timeout(std::chrono::milliseconds t) const {
  return with_options(*this, nsp_, [t](broadcast_options& o) { o.flags.timeout = t; });
}

bool broadcast_operator::emit_args(std::string_view event, args values) const {
  if (!nsp_) return false;
  return nsp_->broadcast(event, std::move(values), opts_);
}
void broadcast_operator::emit_with_ack(std::string_view event, args values,
                                       ack_callback callback) const {
  if (!nsp_) {
    callback(ack_error{make_error_code(error::socket_disconnected).message(), 0, 0, {}}, {});
    return;
  }
  nsp_->broadcast_with_ack(event, std::move(values), opts_, std::move(callback));
}
std::future<std::vector<json>> broadcast_operator::emit_with_ack(std::string_view event,
                                                                 args values) const {
  auto bridge = std::make_shared<detail::future_bridge<std::vector<json>>>();
  auto future = bridge->promise.get_future();
  emit_with_ack(event, std::move(values),
                [bridge](std::optional<ack_error> err, std::vector<json> responses) {
                  if (err) {
                    bridge->set_exception(std::make_exception_ptr(ack_timeout(err->message)));
                  } else {
                    bridge->set_value(std::move(responses));
                  }
                });
  detail::refuse_if_pending_on_io_thread(nsp_, *bridge);
  return future;
}

void broadcast_operator::fetch_sockets(fetch_callback done) const {
  if (!nsp_) return done(std::nullopt, {});
  nsp_->fetch_sockets(opts_, std::move(done));
}

void broadcast_operator::fetch_sockets(std::function<void(std::vector<remote_socket>)> done) const {
  fetch_sockets(fetch_callback(
      [done = std::move(done)](std::optional<ack_error>, std::vector<remote_socket> sockets) {
        done(std::move(sockets));
      }));
}

std::future<std::vector<remote_socket>> broadcast_operator::fetch_sockets() const {
  auto bridge = std::make_shared<detail::future_bridge<std::vector<remote_socket>>>();
  auto future = bridge->promise.get_future();
  fetch_sockets(
      fetch_callback([bridge](std::optional<ack_error> err, std::vector<remote_socket> sockets) {
        if (err) {
          bridge->set_exception(std::make_exception_ptr(ack_timeout(err->message)));
        } else {
          bridge->set_value(std::move(sockets));
        }
      }));
  detail::refuse_if_pending_on_io_thread(nsp_, *bridge);
  return future;
}
void broadcast_operator::sockets_join(const std::set<std::string>& rooms) const {
  if (nsp_) nsp_->sockets_join(opts_, rooms);
}
void broadcast_operator::sockets_leave(const std::set<std::string>& rooms) const {
  if (nsp_) nsp_->sockets_leave(opts_, rooms);
}
void broadcast_operator::disconnect_sockets(bool close) const {
  if (nsp_) nsp_->disconnect_sockets(opts_, close);
}

// --- remote_socket ---
// Every action addresses the socket by its id room through the adapter, so with a cluster
// adapter it reaches the socket on whichever node holds it.

namespace {
broadcast_options to_socket(const std::string& id) {
  broadcast_options o;
  o.rooms.insert(id);
  o.flags.expect_single_response = true;
  return o;
}
std::shared_ptr<detail::sio_namespace> namespace_of(const std::weak_ptr<adapter_host>& weak) {
  return std::dynamic_pointer_cast<detail::sio_namespace>(weak.lock());
}
}  // namespace

bool remote_socket::emit_args(std::string_view event, args values) const {
  const auto n = namespace_of(nsp_);
  if (!n) return false;
  return n->broadcast(event, std::move(values), to_socket(id));
}
void remote_socket::join(const std::string& room) const {
  if (const auto n = namespace_of(nsp_)) n->sockets_join(to_socket(id), {room});
}
void remote_socket::leave(const std::string& room) const {
  if (const auto n = namespace_of(nsp_)) n->sockets_leave(to_socket(id), {room});
}
void remote_socket::disconnect(bool close) const {
  if (const auto n = namespace_of(nsp_)) n->disconnect_sockets(to_socket(id), close);
}

// --- namespace_handle ---

namespace_handle::namespace_handle(std::shared_ptr<detail::sio_namespace> impl)
    : impl_(std::move(impl)) {}

const std::string& namespace_handle::name() const {
  return impl_->name();
}
void namespace_handle::on_connection(std::function<void(socket)> handler) const {
  impl_->add_connection_handler(std::move(handler));
}
void namespace_handle::use(connect_middleware middleware) const {
  impl_->add_middleware(std::move(middleware));
}
broadcast_operator namespace_handle::all() const {
  return detail::handle_access::make_operator(impl_);
}
void namespace_handle::on_server_side(const std::string& event,
                                      std::function<void(const args&, ack)> h) const {
  impl_->add_server_side_handler(event, std::move(h));
}
void namespace_handle::server_side_emit(std::string_view event, args values) const {
  impl_->server_side_emit(event, std::move(values));
}
void namespace_handle::server_side_emit_with_ack(std::string_view event, args values,
                                                 std::chrono::milliseconds timeout,
                                                 broadcast_operator::ack_callback callback) const {
  impl_->server_side_emit_with_ack(event, std::move(values), timeout, std::move(callback));
}

namespace {
bool is_connection_event(const std::string& event) {
  return event == "connection" || event == "connect";
}
}  // namespace

void namespace_handle::on(const std::string& event, std::function<void(socket)> handler) const {
  if (!is_connection_event(event)) {
    throw std::invalid_argument("a handler taking a socket is for \"connection\", not \"" + event +
                                "\"");
  }
  on_connection(std::move(handler));
}
void namespace_handle::on(const std::string& event,
                          std::function<void(const args&, ack)> handler) const {
  on_server_side(event, std::move(handler));
}

std::size_t namespace_handle::size() const {
  return impl_->size();
}
void namespace_handle::server_count(std::function<void(std::size_t)> done) const {
  impl_->adapter_ptr()->server_count(std::move(done));
}
void namespace_handle::all_rooms(rooms_callback done) const {
  impl_->adapter_ptr()->all_rooms(std::move(done));
}
socketio::adapter& namespace_handle::adapter() const {
  // The namespace keeps its adapter until it is replaced (server::adapter before listen).
  return *impl_->adapter_ptr();
}

// --- server ---

server::server(boost::asio::io_context& ioc, server_options options)
    : server(ioc.get_executor(), std::move(options)) {}

server::server(boost::asio::any_io_executor executor, server_options options)
    : impl_(std::make_shared<detail::sio_server>(std::move(executor), std::move(options))) {
  impl_->init();
}

server::~server() {
  impl_->close({});
}

void server::on_connection(std::function<void(socket)> handler) {
  main().on_connection(std::move(handler));
}
void server::use(connect_middleware middleware) {
  main().use(std::move(middleware));
}
void server::on_server_side(const std::string& event, std::function<void(const args&, ack)> h) {
  main().on_server_side(event, std::move(h));
}
void server::server_side_emit(std::string_view event, args values) const {
  main().server_side_emit(event, std::move(values));
}
void server::server_side_emit_with_ack(std::string_view event, args values,
                                       std::chrono::milliseconds timeout,
                                       broadcast_operator::ack_callback callback) const {
  main().server_side_emit_with_ack(event, std::move(values), timeout, std::move(callback));
}
void server::on(const std::string& event, std::function<void(socket)> handler) {
  main().on(event, std::move(handler));
}
void server::on(const std::string& event, std::function<void(const args&, ack)> handler) {
  main().on(event, std::move(handler));
}
void server::adapter(adapter_factory factory) {
  impl_->set_adapter_factory(std::move(factory));
}
namespace_handle server::of(const std::string& name) {
  return detail::handle_access::make_namespace(impl_->of(name));
}
namespace_handle server::of(std::function<bool(const std::string&, const json&)> predicate) {
  return detail::handle_access::make_namespace(impl_->add_parent(std::move(predicate)));
}
namespace_handle server::of(const std::regex& pattern) {
  return of(
      [pattern](const std::string& name, const json&) { return std::regex_match(name, pattern); });
}
namespace_handle server::main() const {
  return detail::handle_access::make_namespace(impl_->of("/"));
}
broadcast_operator server::all() const {
  return detail::handle_access::make_operator(impl_->of("/"));
}
std::uint16_t server::listen(std::uint16_t port, const std::string& address) {
  return impl_->listen(port, address, extra_endpoints_);
}
std::uint16_t server::listen(std::uint16_t port, const tls_options& tls,
                             const std::string& address) {
  return impl_->listen(port, tls, address, extra_endpoints_);
}
void server::reload_tls(const tls_options& tls) {
  impl_->reload_tls(tls);
}
void serve_connection(server& io, boost::asio::ip::tcp::socket socket) {
  detail::handle_access::impl_of(io)->serve(std::move(socket),
                                            detail::handle_access::extra_endpoints_of(io));
}

void server::also_serve(const engine::server& raw) {
  extra_endpoints_.push_back(detail::handle_access::endpoint_of(raw));
}
void server::close(std::function<void()> done) {
  impl_->close(std::move(done));
}
std::future<void> server::drain(drain_options options, std::function<void()> done) {
  return impl_->drain(options, std::move(done));
}
engine::admission_stats server::admission() const {
  return impl_->engine()->admission().stats();
}

// --- outgoing_packet ---

const packet& outgoing_packet::view() const {
  static const packet none;
  return encoded_ ? encoded_->source : none;
}

}  // namespace socketio

namespace socketio::detail {

socket handle_access::make_socket(const std::shared_ptr<sio_socket>& s) {
  return socket(s ? s->ref() : nullptr);
}

}  // namespace socketio::detail
