// One keep-alive HTTP/1.1 connection that carries one request at a time, as a browser's
// connection does for Engine.IO polling. When the server has closed an idle connection (Node
// closes them after its keep-alive timeout), the next request opens a new one; a request
// that finds its reused connection closed before any response byte is sent again once.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "http_head.hpp"
#include "loop.hpp"
#include "tcp_link.hpp"

namespace loadgen {

class http_channel final : private tcp_link::handler {
 public:
  // `status` is 0 when the request failed without a response; `error` then says why.
  using callback = std::function<void(int status, std::string_view body, std::string_view error)>;

  explicit http_channel(loop& l);

  // Sends a request; `done` runs once with the response. Only one request may be in flight.
  void request(std::string_view method, std::string_view target, std::string_view body,
               callback done);
  bool busy() const { return static_cast<bool>(done_); }
  void close();

 private:
  void on_link_connected() override;
  void on_link_data(std::string_view data) override;
  void on_link_closed(std::string_view why) override;
  void send();
  void complete(int status, std::string_view body, std::string_view error);

  loop& loop_;
  tcp_link link_;
  std::string request_;
  std::string in_;
  callback done_;
  unsigned requests_on_link_ = 0;  // requests this connection carried before the current one
  bool retried_ = false;
};

}  // namespace loadgen
