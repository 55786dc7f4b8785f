// The public API surface: every member that include/socketio/*.hpp and README.md promise is
// called at least once, so a member that is declared but never defined fails to link here,
// and each call's observable effect is checked. Only public headers are included: this file
// sees the library exactly as a user does.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "socketio/attach.hpp"
#include "socketio/engine.hpp"
#include "socketio/error.hpp"
#include "socketio/memory_adapter.hpp"
#include "socketio/socketio.hpp"

namespace {

using namespace std::chrono_literals;
using socketio::args;
using socketio::broadcast_options;
using socketio::json;

const std::set<std::string> none;

// --- an adapter that records what reaches it ---

struct adapter_record {
  std::mutex mutex;
  std::vector<broadcast_options> broadcasts;
  std::vector<json> broadcast_events;  // the packet's [event, args...]
  std::vector<args> server_side;
  std::vector<broadcast_options> fetches;
  std::vector<std::pair<broadcast_options, std::set<std::string>>> joins;
  std::vector<std::pair<broadcast_options, std::set<std::string>>> leaves;
  std::vector<std::pair<broadcast_options, bool>> disconnects;
  std::vector<std::string> namespaces;
};

class recording_adapter : public socketio::memory_adapter {
 public:
  recording_adapter(std::weak_ptr<socketio::adapter_host> host,
                    std::shared_ptr<adapter_record> record)
      : memory_adapter(std::move(host)), record_(std::move(record)) {}

  void init() override {
    std::lock_guard lock(record_->mutex);
    record_->namespaces.push_back(host() ? host()->name() : std::string("?"));
  }
  void broadcast(const socketio::outgoing_packet& packet, const broadcast_options& opts) override {
    {
      std::lock_guard lock(record_->mutex);
      record_->broadcasts.push_back(opts);
      record_->broadcast_events.push_back(packet.view().data);
    }
    memory_adapter::broadcast(packet, opts);
  }
  void fetch_sockets(const broadcast_options& opts, socketio::fetch_callback done) override {
    {
      std::lock_guard lock(record_->mutex);
      record_->fetches.push_back(opts);
    }
    memory_adapter::fetch_sockets(opts, std::move(done));
  }
  void add_sockets(const broadcast_options& opts, const std::set<std::string>& rooms) override {
    {
      std::lock_guard lock(record_->mutex);
      record_->joins.emplace_back(opts, rooms);
    }
    memory_adapter::add_sockets(opts, rooms);
  }
  void del_sockets(const broadcast_options& opts, const std::set<std::string>& rooms) override {
    {
      std::lock_guard lock(record_->mutex);
      record_->leaves.emplace_back(opts, rooms);
    }
    memory_adapter::del_sockets(opts, rooms);
  }
  void disconnect_sockets(const broadcast_options& opts, bool close) override {
    {
      std::lock_guard lock(record_->mutex);
      record_->disconnects.emplace_back(opts, close);
    }
    memory_adapter::disconnect_sockets(opts, close);
  }
  void server_side_emit(const args& values) override {
    std::lock_guard lock(record_->mutex);
    record_->server_side.push_back(values);
  }

 private:
  std::shared_ptr<adapter_record> record_;
};

socketio::adapter_factory recording_factory(const std::shared_ptr<adapter_record>& record) {
  return [record](std::weak_ptr<socketio::adapter_host> host) {
    return std::make_shared<recording_adapter>(std::move(host), record);
  };
}

// --- a minimal blocking HTTP/1.1 client (Connection: close) ---

std::string http(std::uint16_t port, const std::string& method, const std::string& target,
                 const std::string& body = {}) {
  boost::asio::io_context ctx;
  boost::asio::ip::tcp::socket sock(ctx);
  sock.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  std::string request = method + " " + target +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                        "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
  boost::asio::write(sock, boost::asio::buffer(request));
  std::string reply;
  boost::system::error_code ec;
  boost::asio::read(sock, boost::asio::dynamic_buffer(reply), ec);  // until the server closes
  const auto head_end = reply.find("\r\n\r\n");
  if (!reply.starts_with("HTTP/1.1 200") || head_end == std::string::npos) {
    throw std::runtime_error("unexpected reply: " + reply);
  }
  return reply.substr(head_end + 4);
}

/// The sid of an Engine.IO polling handshake at `path`.
std::string eio_handshake(std::uint16_t port, const std::string& path) {
  const std::string body = http(port, "GET", path + "?EIO=4&transport=polling");
  if (body.empty() || body[0] != '0') throw std::runtime_error("not an OPEN packet: " + body);
  return json::parse(body.substr(1)).at("sid").get<std::string>();
}

/// Runs `ioc` on one thread until the object is destroyed.
class loop_thread {
 public:
  explicit loop_thread(boost::asio::io_context& ioc)
      : ioc_(ioc), work_(ioc.get_executor()), thread_([this] {
          id_promise_.set_value(std::this_thread::get_id());
          ioc_.run();
        }) {
    id_ = id_promise_.get_future().get();
  }
  ~loop_thread() {
    work_.reset();
    ioc_.stop();
    thread_.join();
  }
  std::thread::id id() const { return id_; }

 private:
  boost::asio::io_context& ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::promise<std::thread::id> id_promise_;
  std::thread::id id_;
  std::thread thread_;
};

template <class T>
T wait(std::future<T>& f) {
  if (f.wait_for(5s) != std::future_status::ready) throw std::runtime_error("no completion in 5 s");
  return f.get();
}

/// Calls every fetch form and the room utilities on a broadcast operator or a handle that
/// starts one, which addresses no socket: each fetch form reports none (inline, with the
/// in-memory adapter).
template <class Operators>
void expect_utilities_address_nobody(const Operators& op) {
  std::optional<std::size_t> with_error;
  op.fetch_sockets(socketio::fetch_callback(
      [&](std::optional<socketio::ack_error> err, std::vector<socketio::remote_socket> s) {
        EXPECT_FALSE(err);
        with_error = s.size();
      }));
  std::optional<std::size_t> without_error;
  op.fetch_sockets([&](std::vector<socketio::remote_socket> s) { without_error = s.size(); });
  auto future = op.fetch_sockets();
  EXPECT_EQ(with_error, std::optional<std::size_t>(0));
  EXPECT_EQ(without_error, std::optional<std::size_t>(0));
  EXPECT_TRUE(wait(future).empty());
  op.sockets_join({"j"});
  op.sockets_leave({"j"});
  op.disconnect_sockets(false);
  op.disconnect_sockets(true);
}

// --- broadcast operators ---

TEST(ApiSurface, ServerOperatorChainsBuildTheBroadcastOptions) {
  boost::asio::io_context ioc;
  socketio::server io(ioc);

  const auto op =
      io.to("a").in("b").except("c").volatile_().local().compress(false).timeout(250ms).options();
  EXPECT_EQ(op.rooms, (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(op.except, (std::set<std::string>{"c"}));
  EXPECT_TRUE(op.flags.is_volatile);
  EXPECT_TRUE(op.flags.local);
  EXPECT_FALSE(op.flags.compress);
  ASSERT_TRUE(op.flags.timeout.has_value());
  EXPECT_EQ(*op.flags.timeout, 250ms);

  // Each operator of the server, on its own.
  EXPECT_EQ(io.to("r").options().rooms, (std::set<std::string>{"r"}));
  EXPECT_EQ(io.in("r").options().rooms, (std::set<std::string>{"r"}));
  EXPECT_EQ(io.except("x").options().except, (std::set<std::string>{"x"}));
  EXPECT_EQ(io.except("x").options().rooms, none);
  EXPECT_TRUE(io.volatile_().options().flags.is_volatile);
  EXPECT_FALSE(io.local().options().flags.is_volatile);
  EXPECT_TRUE(io.local().options().flags.local);
  EXPECT_FALSE(io.compress(false).options().flags.compress);
  EXPECT_TRUE(io.compress(true).options().flags.compress);
  EXPECT_EQ(io.timeout(7ms).options().flags.timeout, std::optional(7ms));
  // Operators are immutable: a chain does not change where it started from.
  const auto base = io.to("base");
  const auto more = base.to("more").volatile_();
  EXPECT_EQ(base.options().rooms, (std::set<std::string>{"base"}));
  EXPECT_FALSE(base.options().flags.is_volatile);
  EXPECT_EQ(more.options().rooms, (std::set<std::string>{"base", "more"}));
}

TEST(ApiSurface, NamespaceOperatorsAndNameNormalisation) {
  boost::asio::io_context ioc;
  socketio::server io(ioc);

  const socketio::namespace_handle chat = io.of("chat");
  EXPECT_EQ(chat.name(), "/chat");
  EXPECT_EQ(io.of("/chat").name(), "/chat");
  EXPECT_EQ(io.sockets().name(), "/");
  EXPECT_EQ(io.of("/").name(), "/");

  const auto op = chat.to("a").in("b").except("c").local().compress(false).timeout(1s).options();
  EXPECT_EQ(op.rooms, (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(op.except, (std::set<std::string>{"c"}));
  EXPECT_TRUE(op.flags.local);
  EXPECT_FALSE(op.flags.compress);
  EXPECT_EQ(op.flags.timeout, std::optional<std::chrono::milliseconds>(1s));
  EXPECT_EQ(chat.in("i").options().rooms, (std::set<std::string>{"i"}));
  EXPECT_EQ(chat.except("e").options().except, (std::set<std::string>{"e"}));
  EXPECT_TRUE(chat.volatile_().options().flags.is_volatile);
  EXPECT_TRUE(chat.local().options().flags.local);
  EXPECT_FALSE(chat.compress(false).options().flags.compress);
  EXPECT_EQ(chat.timeout(3ms).options().flags.timeout, std::optional(3ms));

  EXPECT_EQ(chat.size(), 0u);
  std::optional<std::size_t> count;
  chat.server_count([&](std::size_t n) { count = n; });
  EXPECT_EQ(count, std::optional<std::size_t>(1));  // the in-memory adapter: one node, inline
  std::optional<std::set<std::string>> rooms;
  chat.all_rooms([&](std::optional<socketio::ack_error> err, std::set<std::string> r) {
    EXPECT_FALSE(err);
    rooms = std::move(r);
  });
  EXPECT_EQ(rooms, std::optional(none));
  // The default adapter is the public in-memory one.
  auto* memory = dynamic_cast<socketio::memory_adapter*>(&chat.adapter());
  ASSERT_NE(memory, nullptr);
  EXPECT_FALSE(memory->has_room("nowhere"));

  // Handlers and middleware on every kind of namespace.
  chat.on_connection([](socketio::socket) {});
  chat.use([](socketio::socket, auto next) { next(std::nullopt); });
  chat.on_server_side("sse", [](const args&, socketio::ack) {});
  const auto by_regex = io.of(std::regex("^/r-[0-9]+$"));
  by_regex.on_connection([](socketio::socket) {});
  const auto by_predicate =
      io.of([](const std::string& name, const json&) { return name.starts_with("/p-"); });
  by_predicate.use([](socketio::socket, auto next) { next(std::nullopt); });
  EXPECT_TRUE(by_regex.to("x").options().rooms.contains("x"));
  EXPECT_TRUE(by_predicate.local().options().flags.local);
}

// --- the adapter seam: what each server utility hands to the adapter ---

TEST(ApiSurface, ServerUtilitiesReachAnInstalledAdapter) {
  boost::asio::io_context ioc;
  auto record = std::make_shared<adapter_record>();
  socketio::server io(ioc);
  io.of("/before");  // an existing namespace gets the new adapter too
  io.adapter(recording_factory(record));
  loop_thread loop(ioc);

  {
    std::lock_guard lock(record->mutex);
    EXPECT_TRUE(std::count(record->namespaces.begin(), record->namespaces.end(), "/"));
    EXPECT_TRUE(std::count(record->namespaces.begin(), record->namespaces.end(), "/before"));
  }
  EXPECT_NE(dynamic_cast<recording_adapter*>(&io.sockets().adapter()), nullptr);
  EXPECT_NE(dynamic_cast<recording_adapter*>(&io.of("/before").adapter()), nullptr);
  EXPECT_NE(dynamic_cast<recording_adapter*>(&io.of("/after").adapter()), nullptr);

  io.emit("plain", 1, "two");
  io.emit_args("by-args", args{3});
  io.local().compress(false).volatile_().emit("flagged");
  io.to("room").except("other").emit("roomed");
  {
    std::lock_guard lock(record->mutex);
    ASSERT_EQ(record->broadcasts.size(), 4u);
    EXPECT_EQ(record->broadcast_events[0], json::array({"plain", 1, "two"}));
    EXPECT_EQ(record->broadcast_events[1], json::array({"by-args", 3}));
    const auto& flagged = record->broadcasts[2].flags;
    EXPECT_TRUE(flagged.local);
    EXPECT_FALSE(flagged.compress);
    EXPECT_TRUE(flagged.is_volatile);
    const auto& plain = record->broadcasts[0].flags;
    EXPECT_FALSE(plain.local);
    EXPECT_TRUE(plain.compress);
    EXPECT_FALSE(plain.is_volatile);
    EXPECT_EQ(record->broadcasts[3].rooms, (std::set<std::string>{"room"}));
    EXPECT_EQ(record->broadcasts[3].except, (std::set<std::string>{"other"}));
  }

  io.server_side_emit("sse", args{1, "x"});
  io.of("/before").server_side_emit("sse2", args{});
  std::promise<std::size_t> sse_ack;
  io.server_side_emit_with_ack(
      "sse3", args{}, 100ms,
      [&](std::optional<socketio::ack_error> err, std::vector<json> responses) {
        EXPECT_FALSE(err);
        sse_ack.set_value(responses.size());
      });
  auto sse_done = sse_ack.get_future();
  EXPECT_EQ(wait(sse_done), 0u);  // no other node
  EXPECT_THROW(io.server_side_emit("connect", args{}), std::invalid_argument);
  io.on_server_side("sse", [](const args&, socketio::ack) {});
  {
    std::lock_guard lock(record->mutex);
    ASSERT_EQ(record->server_side.size(), 2u);
    EXPECT_EQ(record->server_side[0], (args{"sse", 1, "x"}));
    EXPECT_EQ(record->server_side[1], (args{"sse2"}));
  }

  io.in("r1").sockets_join({"j1", "j2"});
  io.in("r2").sockets_leave({"l1"});
  io.in("r3").disconnect_sockets(true);
  io.disconnect_sockets();
  std::optional<std::size_t> with_error;
  io.in("f1").fetch_sockets(socketio::fetch_callback(
      [&](std::optional<socketio::ack_error> err, std::vector<socketio::remote_socket> s) {
        EXPECT_FALSE(err);
        with_error = s.size();
      }));
  std::optional<std::size_t> without_error;
  io.in("f2").fetch_sockets(
      [&](std::vector<socketio::remote_socket> s) { without_error = s.size(); });
  auto fetched = io.in("f3").fetch_sockets();
  EXPECT_EQ(with_error, std::optional<std::size_t>(0));  // inline with the in-memory index
  EXPECT_EQ(without_error, std::optional<std::size_t>(0));
  EXPECT_TRUE(wait(fetched).empty());
  {
    std::lock_guard lock(record->mutex);
    ASSERT_EQ(record->joins.size(), 1u);
    EXPECT_EQ(record->joins[0].first.rooms, (std::set<std::string>{"r1"}));
    EXPECT_EQ(record->joins[0].second, (std::set<std::string>{"j1", "j2"}));
    ASSERT_EQ(record->leaves.size(), 1u);
    EXPECT_EQ(record->leaves[0].second, (std::set<std::string>{"l1"}));
    ASSERT_EQ(record->disconnects.size(), 2u);
    EXPECT_EQ(record->disconnects[0].first.rooms, (std::set<std::string>{"r3"}));
    EXPECT_TRUE(record->disconnects[0].second);
    EXPECT_FALSE(record->disconnects[1].second);
    ASSERT_EQ(record->fetches.size(), 3u);
    EXPECT_EQ(record->fetches[2].rooms, (std::set<std::string>{"f3"}));
  }
}

TEST(ApiSurface, BroadcastOperatorAcksAndUtilities) {
  boost::asio::io_context ioc;
  socketio::server io(ioc);
  loop_thread loop(ioc);

  const auto op = io.of("/acks").to("nobody").timeout(50ms);
  EXPECT_TRUE(op.emit("ev", 1));
  EXPECT_TRUE(op.emit_args("ev", args{}));
  std::promise<std::size_t> responses;
  op.emit_with_ack("ev", args{}, [&](std::optional<socketio::ack_error> err, std::vector<json> r) {
    EXPECT_FALSE(err);  // no recipient: complete at once, with nothing
    responses.set_value(r.size());
  });
  auto cb_done = responses.get_future();
  EXPECT_EQ(wait(cb_done), 0u);
  auto future = op.emit_with_ack("ev", args{});  // not an I/O thread: may be waited on
  EXPECT_TRUE(wait(future).empty());
  EXPECT_THROW(io.to("x").emit_with_ack("ev", args{}, [](auto, auto) {}), std::invalid_argument);
  EXPECT_THROW(op.emit("disconnect"), std::invalid_argument);

  expect_utilities_address_nobody(op);
  // The namespace's own utilities (broadcast_operators<namespace_handle>).
  const auto nsp = io.of("/acks");
  EXPECT_TRUE(nsp.emit("ev"));
  EXPECT_TRUE(nsp.emit_args("ev", args{1}));
  expect_utilities_address_nobody(nsp);
  std::promise<void> nsp_sse;
  nsp.server_side_emit_with_ack(
      "sse", args{}, 10ms,
      [&](std::optional<socketio::ack_error>, std::vector<json>) { nsp_sse.set_value(); });
  auto nsp_sse_done = nsp_sse.get_future();
  ASSERT_EQ(nsp_sse_done.wait_for(5s), std::future_status::ready);
}

// --- handles that address nothing ---

TEST(ApiSurface, DefaultSocketHandleIsASafeNoOp) {
  const socketio::socket s;
  EXPECT_EQ(s.id(), "");
  EXPECT_EQ(s.nsp(), "");
  EXPECT_FALSE(s.connected());
  s.on("ev", [](const args&, socketio::ack) {});
  s.once("ev", [](const args&, socketio::ack) {});
  s.off("ev");
  s.on_any([](const std::string&, const args&) {});
  s.prepend_any([](const std::string&, const args&) {});
  s.off_any();
  s.on_any_outgoing([](const std::string&, const args&) {});
  s.use([](const std::string&, args&, auto next) { next(std::nullopt); });
  s.on_disconnecting([](const std::string&) {});
  s.on_disconnect([](const std::string&) {});
  s.on_error([](const std::string&) {});
  s.on_rate_limited([](const std::string&, std::uint64_t) {});
  EXPECT_EQ(s.rate_limited_count(), 0u);
  EXPECT_FALSE(s.emit("ev", 1));
  EXPECT_FALSE(s.emit_args("ev", args{}));
  EXPECT_THROW(s.emit("connect"), std::invalid_argument);

  std::optional<std::string> ack_message;
  s.emit_with_ack("ev", args{}, 10ms, [&](std::optional<socketio::ack_error> err, args) {
    ack_message = err ? err->message : "no error";
  });
  EXPECT_EQ(ack_message, std::optional<std::string>("socket has been disconnected"));
  auto future = s.emit_with_ack("ev", args{}, 10ms);
  ASSERT_EQ(future.wait_for(0s), std::future_status::ready);
  EXPECT_THROW(future.get(), socketio::ack_timeout);

  s.join("r");
  s.join(std::set<std::string>{"a", "b"});
  s.leave("r");
  EXPECT_TRUE(s.rooms().empty());
  s.set_data(json{{"k", 1}});
  EXPECT_TRUE(s.data().is_null());
  const socketio::handshake hs = s.handshake();
  EXPECT_EQ(hs.request, nullptr);
  EXPECT_EQ(hs.auth, json::object());
  EXPECT_TRUE(hs.headers().empty());
  EXPECT_TRUE(hs.query().empty());
  EXPECT_EQ(hs.address(), "");
  EXPECT_EQ(hs.url(), "");
  EXPECT_FALSE(hs.secure());
  EXPECT_FALSE(hs.xdomain());
  EXPECT_EQ(hs.time(), std::chrono::system_clock::time_point{});
  s.disconnect();
  s.disconnect(true);
  EXPECT_FALSE(s.to("r").emit("ev"));
  EXPECT_FALSE(s.in("r").emit("ev"));
  EXPECT_FALSE(s.except("r").emit("ev"));
  EXPECT_FALSE(s.broadcast().emit("ev"));
  EXPECT_EQ(s.to("r").except("x").options().rooms, (std::set<std::string>{"r"}));
}

TEST(ApiSurface, RemoteSocketWithoutNamespace) {
  socketio::handshake hs;
  hs.auth = json{{"token", "t"}};
  const socketio::remote_socket r({}, "sid-1", hs, {"sid-1", "room"}, json{{"d", 1}});
  EXPECT_EQ(r.id, "sid-1");
  EXPECT_EQ(r.handshake.auth, (json{{"token", "t"}}));
  EXPECT_EQ(r.rooms, (std::set<std::string>{"sid-1", "room"}));
  EXPECT_EQ(r.data, (json{{"d", 1}}));
  EXPECT_FALSE(r.emit("ev", 1));
  EXPECT_FALSE(r.emit_args("ev", args{}));
  r.join("x");
  r.leave("x");
  r.disconnect(true);
}

// --- types.hpp, error.hpp, packet.hpp ---

TEST(ApiSurface, HandshakeJsonRoundTrip) {
  auto req = std::make_shared<socketio::request_info>();
  req->method = "GET";
  req->url = "/socket.io/?EIO=4&transport=polling&a=1";
  req->headers = {{"host", "127.0.0.1"}, {"origin", "http://example.test"}};
  req->query = {{"EIO", "4"}, {"transport", "polling"}, {"a", "1"}};
  req->remote_address = "127.0.0.1";
  req->secure = true;
  req->time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'123));
  socketio::handshake hs{req, json{{"token", "abc"}, {"n", 2}}};
  EXPECT_EQ(*req->header("origin"), "http://example.test");
  EXPECT_EQ(*req->query_param("a"), "1");
  EXPECT_EQ(req->header("missing"), nullptr);

  const json j = socketio::handshake_to_json(hs);
  EXPECT_EQ(j.at("address"), "127.0.0.1");
  EXPECT_EQ(j.at("issued"), 1'700'000'000'123);
  EXPECT_EQ(j.at("xdomain"), true);
  EXPECT_EQ(j.at("secure"), true);
  EXPECT_EQ(j.at("query").at("a"), "1");

  const socketio::handshake back = socketio::handshake_from_json(j);
  ASSERT_NE(back.request, nullptr);
  EXPECT_EQ(back.auth, hs.auth);
  EXPECT_EQ(back.url(), hs.url());
  EXPECT_EQ(back.address(), hs.address());
  EXPECT_EQ(back.headers(), hs.headers());
  EXPECT_EQ(back.query(), hs.query());
  EXPECT_EQ(back.secure(), hs.secure());
  EXPECT_EQ(back.xdomain(), hs.xdomain());
  EXPECT_EQ(back.time(), hs.time());
  EXPECT_EQ(socketio::handshake_to_json(back), j);
}

TEST(ApiSurface, ValueTypes) {
  const json b = socketio::binary(std::string_view("\x00\x01", 2));
  ASSERT_TRUE(b.is_binary());
  EXPECT_EQ(b.get_binary().size(), 2u);

  std::vector<args> sent;
  const socketio::ack reply([&](args a) { sent.push_back(std::move(a)); });
  EXPECT_TRUE(static_cast<bool>(reply));
  reply(1, "x");
  reply.send(args{2});  // only the first call sends
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], (args{1, "x"}));
  EXPECT_FALSE(static_cast<bool>(socketio::ack{}));
  socketio::ack{}(1);  // an empty ack does nothing

  const socketio::ack_timeout timeout("operation has timed out");
  EXPECT_STREQ(timeout.what(), "operation has timed out");
  const socketio::connect_error refusal{"no", json{{"why", 1}}};
  EXPECT_EQ(refusal.message, "no");

  const socketio::outgoing_packet empty;
  EXPECT_FALSE(static_cast<bool>(empty));
  EXPECT_EQ(empty.encoded_form(), nullptr);
  EXPECT_EQ(empty.view().type, socketio::packet_type::event);
}

TEST(ApiSurface, ErrorsAndDisconnectReasons) {
  const boost::system::error_code ec = socketio::error::ack_timeout;
  EXPECT_EQ(ec.category().name(), std::string("socketio"));
  EXPECT_EQ(&ec.category(), &socketio::error_category());
  EXPECT_EQ(ec.message(), "operation has timed out");
  EXPECT_EQ(socketio::make_error_code(socketio::error::session_unknown).message(),
            "Session ID unknown");
  EXPECT_EQ(socketio::to_string(socketio::disconnect_reason::server_shutting_down),
            "server shutting down");
  EXPECT_EQ(socketio::parse_disconnect_reason("ping timeout"),
            std::optional(socketio::disconnect_reason::ping_timeout));
  EXPECT_EQ(socketio::parse_disconnect_reason("Ping Timeout"), std::nullopt);
}

// --- servers on an executor the host chose, serving real connections ---

TEST(ApiSurface, ServersConstructedWithAnExecutorServeOnIt) {
  boost::asio::io_context ioc;
  auto strand = boost::asio::make_strand(ioc);
  socketio::server_options options;
  options.engine.ping_interval = 60s;
  socketio::server io(boost::asio::any_io_executor(strand), options);
  socketio::engine::server raw(boost::asio::any_io_executor(ioc.get_executor()));

  std::promise<std::thread::id> sio_connected;
  io.on_connection([&](socketio::socket s) {
    EXPECT_TRUE(s.connected());
    EXPECT_EQ(s.nsp(), "/");
    sio_connected.set_value(std::this_thread::get_id());
  });
  io.use([](socketio::socket, auto next) { next(std::nullopt); });
  std::promise<socketio::engine::socket> raw_connected;
  raw.on_connection([&](socketio::engine::socket s) { raw_connected.set_value(s); });
  io.also_serve(raw);
  const std::uint16_t port = io.listen(0, "127.0.0.1");
  ASSERT_NE(port, 0);

  // A connection the host accepted itself, handed over with serve_connection.
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  std::function<void()> accept_next = [&] {
    acceptor.async_accept([&](boost::system::error_code ec, boost::asio::ip::tcp::socket sock) {
      if (ec) return;  // closed
      socketio::serve_connection(io, std::move(sock));
      accept_next();
    });
  };
  accept_next();
  const std::uint16_t own_port = acceptor.local_endpoint().port();

  std::optional<loop_thread> loop;
  loop.emplace(ioc);

  // Socket.IO over polling: handshake, CONNECT to "/", then the CONNECT reply.
  const std::string sid = eio_handshake(port, "/socket.io/");
  EXPECT_EQ(http(port, "POST", "/socket.io/?EIO=4&transport=polling&sid=" + sid, "40"), "ok");
  auto connected = sio_connected.get_future();
  EXPECT_EQ(wait(connected), loop->id());  // the handler ran on the thread running `ioc`
  EXPECT_TRUE(
      http(port, "GET", "/socket.io/?EIO=4&transport=polling&sid=" + sid).starts_with("40"));
  EXPECT_EQ(io.sockets().size(), 1u);

  // The raw engine, on the same port.
  const std::string raw_sid = eio_handshake(port, "/engine.io/");
  auto raw_future = raw_connected.get_future();
  const socketio::engine::socket es = wait(raw_future);
  EXPECT_EQ(es.id(), raw_sid);
  EXPECT_EQ(raw.client_count(), 1u);
  const socketio::request_info req = *es.request();
  EXPECT_EQ(req.method, "GET");
  ASSERT_NE(req.query_param("transport"), nullptr);
  EXPECT_EQ(*req.query_param("transport"), "polling");
  es.on_message([](bool, std::string_view) {});
  es.on_close([](std::string_view) {});
  EXPECT_TRUE(es.send("hi"));
  EXPECT_TRUE(es.send_binary("\x01"));
  EXPECT_EQ(http(port, "GET", "/engine.io/?EIO=4&transport=polling&sid=" + raw_sid),
            "4hi\x1e"
            "b"
            "AQ==");

  // The host's own acceptor.
  const std::string own_sid = eio_handshake(own_port, "/socket.io/");

  // A polling session closes once its client fetched the CLOSE packet: done waits for that.
  std::promise<void> raw_closed;
  raw.close([&] { raw_closed.set_value(); });
  auto raw_closed_future = raw_closed.get_future();
  EXPECT_EQ(http(port, "GET", "/engine.io/?EIO=4&transport=polling&sid=" + raw_sid), "1");
  ASSERT_EQ(raw_closed_future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(raw.client_count(), 0u);
  EXPECT_FALSE(es.send("late"));
  EXPECT_EQ(es.request()->method, "");  // a gone session gives an empty request

  std::promise<void> closed;
  io.close([&] { closed.set_value(); });
  auto closed_future = closed.get_future();
  // The listener is closed now; the host's own acceptor still hands connections over.
  EXPECT_EQ(http(own_port, "GET", "/socket.io/?EIO=4&transport=polling&sid=" + sid), "1");
  EXPECT_EQ(closed_future.wait_for(0s), std::future_status::timeout);  // one session left
  EXPECT_EQ(http(own_port, "GET", "/socket.io/?EIO=4&transport=polling&sid=" + own_sid), "1");
  ASSERT_EQ(closed_future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(io.sockets().size(), 0u);
  boost::asio::post(ioc, [&] { acceptor.close(); });
  loop.reset();
}

TEST(ApiSurface, DefaultEngineSocketIsASafeNoOp) {
  const socketio::engine::socket s;
  EXPECT_EQ(s.id(), "");
  EXPECT_FALSE(s.send("x"));
  EXPECT_FALSE(s.send_binary("x"));
  s.on_message([](bool, std::string_view) {});
  s.on_close([](std::string_view) {});
  s.close();
  EXPECT_EQ(s.request()->url, "");
  EXPECT_TRUE(s.request()->headers.empty());
}

TEST(ApiSurface, CloseWithoutSessionsStillCompletes) {
  boost::asio::io_context ioc;
  socketio::server io(ioc);
  io.listen(0, "127.0.0.1");
  bool done = false;
  io.close([&] { done = true; });
  ioc.run_for(5s);
  EXPECT_TRUE(done);
}

TEST(ApiSurface, RateLimitOptionsAreValidatedAtConstruction) {
  boost::asio::io_context ioc;
  // The README's form.
  EXPECT_NO_THROW(socketio::server(
      ioc,
      {.event_rate_limit = {
           .per_second = 20, .burst = 40, .action = socketio::rate_limit_action::disconnect}}));
  EXPECT_THROW(socketio::server(ioc, {.event_rate_limit = {.per_second = -1}}),
               std::invalid_argument);
  socketio::engine_options bad_pings;
  bad_pings.websocket_pings = {.per_second = 10, .burst = 0.5};
  EXPECT_THROW(socketio::engine::server(ioc, bad_pings), std::invalid_argument);
  socketio::engine_options bad_packets;
  bad_packets.packet_rate.per_second = std::numeric_limits<double>::infinity();
  EXPECT_THROW(socketio::engine::server(ioc, bad_packets), std::invalid_argument);
  // The defaults: events and packets unlimited, pings 10 a second with a burst of 20.
  const socketio::engine_options defaults;
  EXPECT_FALSE(defaults.packet_rate.enabled());
  EXPECT_EQ(defaults.websocket_pings.per_second, 10);
  EXPECT_EQ(defaults.websocket_pings.burst, 20);
  EXPECT_FALSE(defaults.bind_session_to_address);
  EXPECT_TRUE(defaults.cors.check_websocket_origin);
  EXPECT_FALSE(socketio::server_options{}.event_rate_limit.limit().enabled());
}

}  // namespace
