// The default (this node only) implementations of the adapter's operations.
#include "socketio/adapter.hpp"

namespace socketio {

void adapter_host::deliver_matching(const adapter& index, const broadcast_options& opts,
                                    const outgoing_packet& packet, bool is_volatile) {
  deliver_all(index.sockets(opts), packet, is_volatile);
}

void adapter::for_each_socket(const broadcast_options& opts,
                              const std::function<void(const std::string&)>& visit) const {
  for (const auto& id : sockets(opts))
    visit(id);
}

void adapter::broadcast(const outgoing_packet& packet, const broadcast_options& opts) {
  if (const auto h = host()) h->deliver_matching(*this, opts, packet, opts.flags.is_volatile);
}

void adapter::broadcast_with_ack(const outgoing_packet& packet, const broadcast_options& opts,
                                 std::function<void(std::size_t)> on_client_count,
                                 std::function<void(json)> on_ack) {
  const auto h = host();
  const auto ids = h ? sockets(opts) : std::vector<std::string>{};
  // The count goes first: the caller completes when the acks received reach the counts.
  on_client_count(ids.size());
  const auto timeout = opts.flags.timeout.value_or(std::chrono::milliseconds(0));
  for (const auto& id : ids) {
    h->deliver_with_ack(id, packet, opts.flags.is_volatile, timeout, on_ack);
  }
}

void adapter::fetch_sockets(const broadcast_options& opts, fetch_callback done) {
  std::vector<remote_socket> out;
  if (const auto h = host()) {
    for (const auto& id : sockets(opts)) {
      if (auto s = h->describe_socket(id)) out.push_back(std::move(*s));
    }
  }
  done(std::nullopt, std::move(out));
}

void adapter::add_sockets(const broadcast_options& opts, const std::set<std::string>& rooms) {
  if (const auto h = host()) {
    for (const auto& id : sockets(opts))
      h->join_socket(id, rooms);
  }
}

void adapter::del_sockets(const broadcast_options& opts, const std::set<std::string>& rooms) {
  if (const auto h = host()) {
    for (const auto& id : sockets(opts))
      h->leave_socket(id, rooms);
  }
}

void adapter::disconnect_sockets(const broadcast_options& opts, bool close) {
  if (const auto h = host()) {
    for (const auto& id : sockets(opts))
      h->disconnect_socket(id, close);
  }
}

}  // namespace socketio
