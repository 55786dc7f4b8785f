// The in-memory adapter: the room index of one namespace on one node.
#pragma once

#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "socketio/adapter.hpp"

namespace socketio::detail {

class memory_adapter : public adapter {
 public:
  void add_all(const std::string& socket_id, const std::set<std::string>& rooms) override;
  void del(const std::string& socket_id, const std::string& room) override;
  void del_all(const std::string& socket_id) override;
  std::vector<std::string> sockets(const broadcast_options& opts) const override;
  std::set<std::string> socket_rooms(const std::string& socket_id) const override;
  std::set<std::string> all_rooms() const override;

 private:
  // One mutex; lookups copy ids out, so no lock is held while packets are delivered.
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::unordered_set<std::string>> rooms_;  // room -> ids
  std::unordered_map<std::string, std::unordered_set<std::string>> sids_;   // id -> rooms
};

}  // namespace socketio::detail
