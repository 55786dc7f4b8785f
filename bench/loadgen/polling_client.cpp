#include "polling_client.hpp"

namespace loadgen {

namespace {

constexpr char record_separator = '\x1e';

// Percent-encodes what is not URL-safe; Engine.IO session ids normally need nothing.
std::string url_encode(std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 15]);
    }
  }
  return out;
}

}  // namespace

polling_client::polling_client(loop& l, sio_sink& sink, std::size_t index)
    : sio_client(sink, index), get_(l), post_(l) {}

void polling_client::start() {
  get_.request("GET", "/socket.io/?EIO=4&transport=polling", {},
               [this](int status, std::string_view body, std::string_view error) {
                 on_handshake(status, body, error);
               });
}

void polling_client::close() {
  get_.close();
  post_.close();
}

void polling_client::fail(std::string_view why) {
  close();
  mark_closed(why);
}

void polling_client::on_handshake(int status, std::string_view body, std::string_view error) {
  if (status != 200) {
    return fail(status == 0 ? std::string(error) : "handshake HTTP " + std::to_string(status));
  }
  // 0{"sid":"...",...}
  const std::string_view key = "\"sid\":\"";
  const auto at = body.find(key);
  if (body.empty() || body[0] != '0' || at == std::string_view::npos) {
    return fail("bad handshake body");
  }
  const auto start = at + key.size();
  const auto end = body.find('"', start);
  if (end == std::string_view::npos) return fail("bad handshake body");
  path_ = "/socket.io/?EIO=4&transport=polling&sid=" + url_encode(body.substr(start, end - start));
  on_engine_packet(body);  // the OPEN itself: sends "40"
  if (!closed()) poll();
}

void polling_client::on_open() {
  if (opened_) return fail("second Engine.IO OPEN");
  opened_ = true;
  enqueue("40");
}

void polling_client::poll() {
  get_.request("GET", path_, {}, [this](int status, std::string_view body, std::string_view error) {
    on_poll(status, body, error);
  });
}

void polling_client::on_poll(int status, std::string_view body, std::string_view error) {
  if (status != 200) {
    return fail(status == 0 ? "poll: " + std::string(error)
                            : "poll HTTP " + std::to_string(status));
  }
  ++polls_;
  while (!closed()) {
    const auto sep = body.find(record_separator);
    on_engine_packet(body.substr(0, sep));
    if (sep == std::string_view::npos) break;
    body.remove_prefix(sep + 1);
  }
  if (closed()) return close();
  poll();
}

void polling_client::send_sio(std::string_view packet) {
  std::string engine_packet;
  engine_packet.reserve(packet.size() + 1);
  engine_packet.push_back('4');
  engine_packet.append(packet);
  enqueue(engine_packet);
}

void polling_client::send_pong() {
  enqueue("3");
}

void polling_client::enqueue(std::string_view engine_packet) {
  if (!pending_.empty()) pending_.push_back(record_separator);
  pending_.append(engine_packet);
  flush_posts();
}

void polling_client::flush_posts() {
  if (post_.busy() || pending_.empty() || closed()) return;
  const std::string body = std::move(pending_);
  pending_.clear();
  post_.request("POST", path_, body,
                [this](int status, std::string_view response, std::string_view error) {
                  if (status != 200) {
                    return fail(status == 0 ? "post: " + std::string(error)
                                            : "post HTTP " + std::to_string(status));
                  }
                  if (response != "ok") return fail("post answered " + std::string(response));
                  flush_posts();
                });
}

}  // namespace loadgen
