// The default (this node only) implementations of the adapter's operations.
#include "socketio/adapter.hpp"

namespace socketio {

void adapter::broadcast(adapter_host& host, const adapter_host::encoded_ptr& packet,
                        const broadcast_options& opts) {
  for (const auto& id : sockets(opts))
    host.deliver(id, packet, opts.flags.is_volatile);
}

void adapter::broadcast_with_ack(adapter_host& host, const adapter_host::encoded_ptr& packet,
                                 const broadcast_options& opts,
                                 std::function<void(std::size_t)> on_client_count,
                                 std::function<void(json)> on_ack) {
  const auto ids = sockets(opts);
  // The count goes first: the caller completes when the acks received reach the counts.
  on_client_count(ids.size());
  const auto timeout = opts.flags.timeout.value_or(std::chrono::milliseconds(0));
  for (const auto& id : ids) {
    host.deliver_with_ack(id, packet, opts.flags.is_volatile, timeout, on_ack);
  }
}

void adapter::fetch_sockets(adapter_host& host, const broadcast_options& opts,
                            std::function<void(std::vector<remote_socket>)> done) {
  std::vector<remote_socket> out;
  for (const auto& id : sockets(opts)) {
    if (auto s = host.describe_socket(id)) out.push_back(std::move(*s));
  }
  done(std::move(out));
}

void adapter::add_sockets(adapter_host& host, const broadcast_options& opts,
                          const std::set<std::string>& rooms) {
  for (const auto& id : sockets(opts))
    host.join_socket(id, rooms);
}

void adapter::del_sockets(adapter_host& host, const broadcast_options& opts,
                          const std::set<std::string>& rooms) {
  for (const auto& id : sockets(opts))
    host.leave_socket(id, rooms);
}

void adapter::disconnect_sockets(adapter_host& host, const broadcast_options& opts, bool close) {
  for (const auto& id : sockets(opts))
    host.disconnect_socket(id, close);
}

}  // namespace socketio
