#include "socketio/detail/handler_table.hpp"

#include <stdexcept>
#include <utility>

namespace socketio::detail {

void handler_table::add(std::string_view event, socket::event_handler handler, bool once) {
  if (event.size() >= once_bit) throw std::length_error("event name too long");
  // Handlers of one event share its name bytes.
  std::uint32_t offset = 0;
  bool found = false;
  for (const auto& e : entries_) {
    if (name_of(e) == event) {
      offset = e.name_offset;
      found = true;
      break;
    }
  }
  if (!found) {
    offset = static_cast<std::uint32_t>(names_.size());
    names_.append(event);
  }
  entries_.push_back({std::move(handler), offset,
                      static_cast<std::uint32_t>(event.size()) | (once ? once_bit : 0u)});
}

template <class Pred>
void handler_table::erase_if(Pred dead) {
  std::vector<entry> kept;
  std::string names;
  kept.reserve(entries_.size());
  for (auto& e : entries_) {
    if (dead(e)) continue;
    const auto name = name_of(e);
    std::uint32_t offset = 0;
    bool found = false;
    for (const auto& k : kept) {
      if (std::string_view(names.data() + k.name_offset, k.name_size()) == name) {
        offset = k.name_offset;
        found = true;
        break;
      }
    }
    if (!found) {
      offset = static_cast<std::uint32_t>(names.size());
      names.append(name);
    }
    e.name_offset = offset;
    kept.push_back(std::move(e));
  }
  entries_ = std::move(kept);
  names_ = std::move(names);
}

void handler_table::remove(std::string_view event) {
  erase_if([&](const entry& e) { return name_of(e) == event; });
}

std::vector<socket::event_handler> handler_table::take(std::string_view event) {
  std::vector<socket::event_handler> out;
  bool any_once = false;
  for (const auto& e : entries_) {
    if (name_of(e) != event) continue;
    out.push_back(e.handler);
    any_once = any_once || e.once();
  }
  if (any_once) erase_if([&](const entry& e) { return e.once() && name_of(e) == event; });
  return out;
}

void handler_table::clear() {
  entries_ = {};
  names_ = {};
}

}  // namespace socketio::detail
