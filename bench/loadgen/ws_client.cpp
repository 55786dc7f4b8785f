#include "ws_client.hpp"

#include "http_head.hpp"
#include "tcp_link.hpp"
#include "tls_link.hpp"
#include "ws_codec.hpp"

namespace loadgen {

namespace {
std::unique_ptr<stream_link> make_link(loop& l, stream_link::handler& h) {
  if (l.tls()) return std::make_unique<tls_link>(l, h);
  return std::make_unique<tcp_link>(l, h);
}
}  // namespace

ws_client::ws_client(loop& l, sio_sink& sink, std::size_t index)
    : sio_client(sink, index), loop_(l), link_(make_link(l, *this)), mask_key_(l.random32()) {}

void ws_client::start() {
  link_->connect();
}

void ws_client::close() {
  link_->close();
}

void ws_client::disconnect() {
  send_sio("1");
  // Status code 1000 (normal closure), big-endian.
  send_frame(ws_op::close, {}, std::string_view("\x03\xe8", 2));
}

void ws_client::abort() {
  link_->reset();
}

void ws_client::stall() {
  link_->stall();
}

bool ws_client::server_closed_after_stall() {
  return link_->server_closed_after_stall();
}

bool ws_client::server_closed_unread() {
  return link_->server_closed_unread();
}

void ws_client::fail(std::string_view why) {
  link_->close();
  mark_closed(why);
}

void ws_client::on_link_connected() {
  // The key is fixed: the generator does not check Sec-WebSocket-Accept (status 101 is enough
  // to know the server took the upgrade), so a random one would buy nothing.
  std::string request;
  request.reserve(256);
  request.append("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ");
  request.append(loop_.host_header());
  request.append(
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  link_->write(request);
}

void ws_client::on_link_closed(std::string_view why) {
  mark_closed(why);
}

void ws_client::on_link_data(std::string_view data) {
  if (in_.empty()) {
    const std::size_t used = consume(data);
    if (used == std::string::npos) return;
    in_.assign(data.substr(used));
  } else {
    in_.append(data);
    const std::size_t used = consume(in_);
    if (used == std::string::npos) return;
    in_.erase(0, used);
  }
}

std::size_t ws_client::consume(std::string_view data) {
  std::size_t used = 0;
  if (!upgraded_) {
    response_head head;
    std::size_t head_size = 0;
    switch (parse_response_head(data, head, head_size)) {
      case head_result::need_more:
        return 0;
      case head_result::error:
        fail("bad upgrade response");
        return std::string::npos;
      case head_result::complete:
        break;
    }
    if (head.status != 101) {
      fail("upgrade refused with HTTP " + std::to_string(head.status));
      return std::string::npos;
    }
    upgraded_ = true;
    used = head_size;
  }
  std::string why;
  while (used < data.size()) {
    server_frame frame;
    std::size_t size = 0;
    const auto result = parse_server_frame(data.substr(used), frame, size, why);
    if (result == parse_result::need_more) break;
    if (result == parse_result::error) {
      fail(why);
      return std::string::npos;
    }
    used += size;
    switch (frame.op) {
      case ws_op::text:
      case ws_op::binary:
      case ws_op::continuation:
        if (frame.fin && fragments_.empty()) {
          on_message(frame.payload);
        } else {
          fragments_.append(frame.payload);
          if (frame.fin) {
            const std::string whole = std::move(fragments_);
            fragments_.clear();
            on_message(whole);
          }
        }
        break;
      case ws_op::ping:
        send_frame(ws_op::pong, {}, frame.payload);
        break;
      case ws_op::pong:
        break;
      case ws_op::close:
        fail("WebSocket close from the server");
        return std::string::npos;
      default:
        fail("unknown WebSocket opcode");
        return std::string::npos;
    }
    if (closed()) return std::string::npos;
  }
  return used;
}

void ws_client::on_message(std::string_view text) {
  on_engine_packet(text);
  if (closed()) link_->close();
}

void ws_client::on_open() {
  if (opened_) return fail("second Engine.IO OPEN");
  opened_ = true;
  send_frame(ws_op::text, "40", {});
}

void ws_client::send_sio(std::string_view packet) {
  send_frame(ws_op::text, "4", packet);
}

void ws_client::send_pong() {
  send_frame(ws_op::text, "3", {});
}

void ws_client::send_frame(ws_op op, std::string_view prefix, std::string_view body) {
  if (!link_->is_open()) return;
  frame_out_.clear();
  append_client_frame(frame_out_, op, prefix, body, mask_key_);
  link_->write(frame_out_);
}

}  // namespace loadgen
