// The in-memory adapter: the room index of one namespace on one node. The default adapter,
// and a base for cluster adapters that reuse its room index.
#pragma once

#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "socketio/adapter.hpp"

namespace socketio {

class memory_adapter : public adapter {
 public:
  using adapter::adapter;

  void add_all(const std::string& socket_id, const std::set<std::string>& rooms) override;
  void del(const std::string& socket_id, const std::string& room) override;
  void del_all(const std::string& socket_id) override;
  std::vector<std::string> sockets(const broadcast_options& opts) const override;
  /// Visits under the index's lock, without copying the ids.
  void for_each_socket(const broadcast_options& opts,
                       const std::function<void(const std::string&)>& visit) const override;
  std::set<std::string> socket_rooms(const std::string& socket_id) const override;
  std::set<std::string> rooms() const override;
  /// True when this node has a socket in `room`.
  bool has_room(const std::string& room) const;

 protected:
  /// Called after a room gains its first socket / loses its last one (without the lock held),
  /// for cluster adapters that subscribe per room.
  virtual void on_room_created(const std::string& room) { (void)room; }
  virtual void on_room_deleted(const std::string& room) { (void)room; }

 private:
  struct membership {
    // Every socket starts in the room named by its own id: a flag here instead of a set node
    // and an id copy on each side of the index (~500 bytes of every socket otherwise).
    bool in_own_room = false;
    std::unordered_set<std::string> rooms;  // the other rooms (allocates only once joined)
  };
  bool is_member(const std::string& socket_id, const membership& m, const std::string& room) const;
  /// Calls f(id) for every member of `room` (mutex_ held).
  template <class F>
  void for_each_member(const std::string& room, F&& f) const;
  bool has_room_locked(const std::string& room) const;

  // One mutex; lookups copy ids out, so no lock is held while packets are delivered.
  mutable std::mutex mutex_;
  // room -> ids, for rooms other than a member's own id room
  std::unordered_map<std::string, std::unordered_set<std::string>> rooms_;
  std::unordered_map<std::string, membership> sids_;  // id -> rooms
};

}  // namespace socketio
