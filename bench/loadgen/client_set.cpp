#include "client_set.hpp"

#include "polling_client.hpp"
#include "ws_client.hpp"

namespace loadgen {

client_set::client_set(loop& l, std::string_view transport, std::size_t count)
    : loop_(l), was_connected_(count, false) {
  clients_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (transport == "polling") {
      clients_.push_back(std::make_unique<polling_client>(l, *this, i));
    } else {
      clients_.push_back(std::make_unique<ws_client>(l, *this, i));
    }
  }
}

bool client_set::connect_all(std::size_t in_flight, std::chrono::steady_clock::time_point deadline,
                             std::string& error) {
  for (std::size_t i = 0; i < in_flight && next_ < clients_.size(); ++i)
    start_next();
  const bool settled =
      loop_.run_until([&] { return connected_ + failed_ == clients_.size(); }, deadline);
  if (settled && failed_ == 0) return true;
  error = std::to_string(connected_) + " of " + std::to_string(clients_.size()) + " connected" +
          (settled ? "" : " before the deadline") +
          (first_error_.empty() ? "" : "; first failure: " + first_error_);
  return false;
}

void client_set::close_all() {
  for (auto& c : clients_)
    c->close();
}

void client_set::start_next() {
  if (next_ < clients_.size()) clients_[next_++]->start();
}

void client_set::on_connected(sio_client& c) {
  was_connected_[c.index()] = true;
  ++connected_;
  start_next();
}

void client_set::on_event(sio_client& c, std::string_view array) {
  if (array.starts_with("[\"auth\"")) return;
  if (event_handler) {
    event_handler(c, array);
  } else {
    ++unexpected_;
  }
}

void client_set::on_ack(sio_client& c, std::uint64_t id, std::string_view array) {
  if (ack_handler) {
    ack_handler(c, id, array);
  } else {
    ++unexpected_;
  }
}

void client_set::on_closed(sio_client& c, std::string_view why) {
  if (first_error_.empty())
    first_error_ = "client " + std::to_string(c.index()) + ": " + std::string(why);
  if (was_connected_[c.index()]) {
    ++dropped_;
    --connected_;
  } else {
    ++failed_;
    start_next();
  }
}

}  // namespace loadgen
