#include "socketio/detail/handler_table.hpp"

#include <mutex>
#include <set>
#include <utility>

namespace socketio::detail {

const std::string& intern_event_name(std::string_view name) {
  // Never destroyed: handler tables of sockets torn down during static destruction may still
  // point here. A node-based set: an element's address never changes.
  static auto* const mutex = new std::mutex;
  static auto* const names = new std::set<std::string, std::less<>>;
  const std::lock_guard lock(*mutex);
  auto it = names->find(name);
  if (it == names->end()) it = names->emplace(name).first;
  return *it;
}

void handler_table::add(std::string_view event, socket::event_handler handler, bool once) {
  const auto name = reinterpret_cast<std::uintptr_t>(&intern_event_name(event));
  entries_.push_back({std::move(handler), name | (once ? 1u : 0u)});
}

void handler_table::remove(std::string_view event) {
  std::erase_if(entries_, [&](const entry& e) { return e.name() == event; });
}

std::vector<socket::event_handler> handler_table::take(std::string_view event) {
  std::vector<socket::event_handler> out;
  bool any_once = false;
  for (const auto& e : entries_) {
    if (e.name() != event) continue;
    out.push_back(e.handler);
    any_once = any_once || e.once();
  }
  if (any_once)
    std::erase_if(entries_, [&](const entry& e) { return e.once() && e.name() == event; });
  return out;
}

void handler_table::clear() {
  entries_ = {};
}

void handler_table::trim() {
  if (entries_.capacity() > entries_.size()) entries_.shrink_to_fit();
}

}  // namespace socketio::detail
