#include "http_channel.hpp"

#include <utility>

namespace loadgen {

http_channel::http_channel(loop& l) : loop_(l), link_(l, *this) {}

void http_channel::request(std::string_view method, std::string_view target, std::string_view body,
                           callback done) {
  request_.clear();
  request_.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
  request_.append(loop_.host_header()).append("\r\n");
  if (method == "POST") {
    request_.append("Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ");
    request_.append(std::to_string(body.size())).append("\r\n\r\n").append(body);
  } else {
    request_.append("\r\n");
  }
  done_ = std::move(done);
  retried_ = false;
  in_.clear();
  send();
}

void http_channel::send() {
  if (!link_.is_open()) {
    requests_on_link_ = 0;
    link_.connect();  // on_link_connected writes the request
    return;
  }
  link_.write(request_);
}

void http_channel::close() {
  link_.close();
  done_ = nullptr;
}

void http_channel::on_link_connected() {
  if (done_) link_.write(request_);
}

void http_channel::on_link_data(std::string_view data) {
  if (!done_) {
    // Bytes with no request in flight: a server closing an idle connection sends none, so
    // this is a protocol error on the server's side.
    link_.close();
    return;
  }
  in_.append(data);
  response_head head;
  std::size_t head_size = 0;
  switch (parse_response_head(in_, head, head_size)) {
    case head_result::need_more:
      return;
    case head_result::error:
      link_.close();
      return complete(0, {}, "bad HTTP response head");
    case head_result::complete:
      break;
  }
  if (head.chunked || !head.has_content_length) {
    link_.close();
    return complete(0, {}, "HTTP response without Content-Length");
  }
  if (in_.size() < head_size + head.content_length) return;
  if (in_.size() > head_size + head.content_length) {
    link_.close();
    return complete(0, {}, "bytes after the HTTP response");
  }
  ++requests_on_link_;
  if (head.close) link_.close();
  const std::string body = in_.substr(head_size);
  in_.clear();
  complete(head.status, body, {});
}

void http_channel::on_link_closed(std::string_view why) {
  if (!done_) return;  // an idle keep-alive connection went away: reopened on the next request
  if (in_.empty() && requests_on_link_ > 0 && !retried_) {
    // The server closed the reused connection as the request went out.
    retried_ = true;
    in_.clear();
    send();
    return;
  }
  complete(0, {}, why);
}

void http_channel::complete(int status, std::string_view body, std::string_view error) {
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(status, body, error);
}

}  // namespace loadgen
