#include "socketio/memory_adapter.hpp"

namespace socketio {

// A room's members are the ids in rooms_[room] plus, when `room` is a socket id whose socket
// is in its own room, that socket. The two never overlap: a socket's own room is only ever
// the flag.

bool memory_adapter::is_member(const std::string& socket_id, const membership& m,
                               const std::string& room) const {
  return room == socket_id ? m.in_own_room : m.rooms.count(room) != 0;
}

template <class F>
void memory_adapter::for_each_member(const std::string& room, F&& f) const {
  if (const auto own = sids_.find(room); own != sids_.end() && own->second.in_own_room)
    f(own->first);
  if (const auto it = rooms_.find(room); it != rooms_.end()) {
    for (const auto& id : it->second)
      f(id);
  }
}

bool memory_adapter::has_room_locked(const std::string& room) const {
  if (rooms_.count(room) != 0) return true;
  const auto own = sids_.find(room);
  return own != sids_.end() && own->second.in_own_room;
}

void memory_adapter::add_all(const std::string& socket_id, const std::set<std::string>& rooms) {
  std::vector<std::string> created;
  {
    std::lock_guard lock(mutex_);
    auto& mine = sids_[socket_id];
    for (const auto& room : rooms) {
      if (room == socket_id) {
        if (mine.in_own_room) continue;
        if (rooms_.count(room) == 0) created.push_back(room);
        mine.in_own_room = true;
        continue;
      }
      if (!mine.rooms.insert(room).second) continue;
      if (!has_room_locked(room)) created.push_back(room);
      rooms_[room].insert(socket_id);
    }
  }
  for (const auto& room : created)
    on_room_created(room);
}

void memory_adapter::del(const std::string& socket_id, const std::string& room) {
  bool deleted = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = sids_.find(socket_id);
    if (room == socket_id) {
      if (it == sids_.end() || !it->second.in_own_room) return;
      it->second.in_own_room = false;
      deleted = rooms_.count(room) == 0;
    } else {
      if (it != sids_.end()) it->second.rooms.erase(room);
      if (const auto r = rooms_.find(room); r != rooms_.end()) {
        if (r->second.erase(socket_id) != 0 && r->second.empty()) {
          rooms_.erase(r);
          deleted = !has_room_locked(room);
        }
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
    const membership mine = std::move(it->second);
    sids_.erase(it);
    if (mine.in_own_room && rooms_.count(socket_id) == 0) deleted.push_back(socket_id);
    for (const auto& room : mine.rooms) {
      if (const auto r = rooms_.find(room); r != rooms_.end()) {
        r->second.erase(socket_id);
        if (r->second.empty()) {
          rooms_.erase(r);
          if (!has_room_locked(room)) deleted.push_back(room);
        }
      }
    }
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
    for (const auto& room : opts.except) {
      if (is_member(id, it->second, room)) return true;
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
    for_each_member(*opts.rooms.begin(), [&](const std::string& id) {
      if (!excluded(id)) visit(id);
    });
    return;
  }
  // A union: a socket in several of the rooms is reached once.
  std::unordered_set<std::string_view> seen;
  for (const auto& room : opts.rooms) {
    for_each_member(room, [&](const std::string& id) {
      if (seen.insert(id).second && !excluded(id)) visit(id);
    });
  }
}

std::set<std::string> memory_adapter::socket_rooms(const std::string& socket_id) const {
  std::lock_guard lock(mutex_);
  const auto it = sids_.find(socket_id);
  if (it == sids_.end()) return {};
  std::set<std::string> out(it->second.rooms.begin(), it->second.rooms.end());
  if (it->second.in_own_room) out.insert(socket_id);
  return out;
}

std::set<std::string> memory_adapter::rooms() const {
  std::lock_guard lock(mutex_);
  std::set<std::string> out;
  for (const auto& [room, ids] : rooms_)
    out.insert(room);
  for (const auto& [id, m] : sids_) {
    if (m.in_own_room) out.insert(id);
  }
  return out;
}

bool memory_adapter::has_room(const std::string& room) const {
  std::lock_guard lock(mutex_);
  return has_room_locked(room);
}

}  // namespace socketio
