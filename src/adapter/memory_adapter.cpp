#include "socketio/memory_adapter.hpp"

namespace socketio {

void memory_adapter::add_all(const std::string& socket_id, const std::set<std::string>& rooms) {
  std::vector<std::string> created;
  {
    std::lock_guard lock(mutex_);
    auto& mine = sids_[socket_id];
    for (const auto& room : rooms) {
      if (!mine.insert(room).second) continue;
      auto& members = rooms_[room];
      if (members.empty()) created.push_back(room);
      members.insert(socket_id);
    }
  }
  for (const auto& room : created)
    on_room_created(room);
}

void memory_adapter::del(const std::string& socket_id, const std::string& room) {
  bool deleted = false;
  {
    std::lock_guard lock(mutex_);
    if (const auto it = sids_.find(socket_id); it != sids_.end()) it->second.erase(room);
    if (const auto it = rooms_.find(room); it != rooms_.end()) {
      if (it->second.erase(socket_id) != 0 && it->second.empty()) {
        rooms_.erase(it);
        deleted = true;
      }
    }
  }
  if (deleted) on_room_deleted(room);
}

void memory_adapter::del_all(const std::string& socket_id) {
  std::vector<std::string> deleted;
  {
    std::lock_guard lock(mutex_);
    const auto it = sids_.find(socket_id);
    if (it == sids_.end()) return;
    for (const auto& room : it->second) {
      if (const auto r = rooms_.find(room); r != rooms_.end()) {
        r->second.erase(socket_id);
        if (r->second.empty()) {
          rooms_.erase(r);
          deleted.push_back(room);
        }
      }
    }
    sids_.erase(it);
  }
  for (const auto& room : deleted)
    on_room_deleted(room);
}

std::vector<std::string> memory_adapter::sockets(const broadcast_options& opts) const {
  std::vector<std::string> out;
  for_each_socket(opts, [&](const std::string& id) { out.push_back(id); });
  return out;
}

void memory_adapter::for_each_socket(const broadcast_options& opts,
                                     const std::function<void(const std::string&)>& visit) const {
  std::lock_guard lock(mutex_);
  auto excluded = [&](const std::string& id) {
    if (opts.except.empty()) return false;
    const auto it = sids_.find(id);
    if (it == sids_.end()) return false;
    for (const auto& room : it->second) {
      if (opts.except.count(room) != 0) return true;
    }
    return false;
  };
  if (opts.rooms.empty()) {
    for (const auto& [id, rooms] : sids_) {
      if (!excluded(id)) visit(id);
    }
    return;
  }
  if (opts.rooms.size() == 1) {
    // The common case: one room, no union to deduplicate.
    const auto it = rooms_.find(*opts.rooms.begin());
    if (it == rooms_.end()) return;
    for (const auto& id : it->second) {
      if (!excluded(id)) visit(id);
    }
    return;
  }
  // A union: a socket in several of the rooms is reached once.
  std::unordered_set<std::string_view> seen;
  for (const auto& room : opts.rooms) {
    const auto it = rooms_.find(room);
    if (it == rooms_.end()) continue;
    for (const auto& id : it->second) {
      if (seen.insert(id).second && !excluded(id)) visit(id);
    }
  }
}

std::set<std::string> memory_adapter::socket_rooms(const std::string& socket_id) const {
  std::lock_guard lock(mutex_);
  const auto it = sids_.find(socket_id);
  if (it == sids_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::set<std::string> memory_adapter::rooms() const {
  std::lock_guard lock(mutex_);
  std::set<std::string> out;
  for (const auto& [room, ids] : rooms_)
    out.insert(room);
  return out;
}

bool memory_adapter::has_room(const std::string& room) const {
  std::lock_guard lock(mutex_);
  return rooms_.count(room) != 0;
}

}  // namespace socketio
