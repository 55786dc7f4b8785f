// A socket's event handlers: one flat vector in registration order. The obvious
// map<string, vector<handler>> cost ~2.4 KB per socket for the fixture's 16 handlers (a hash
// node, a vector and usually a name allocation per event, plus buckets); a socket has few
// handlers, so a linear scan on dispatch costs less than the hashing did. Event names are
// interned process-wide: every socket registers the same few names (server code chooses
// them), so an entry holds a pointer to the one shared copy instead of its own bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "socketio/socket.hpp"

namespace socketio::detail {

/// The process-wide copy of `name`, created on first use and never freed (thread-safe). Only
/// for names server code registers: the set grows with every distinct name, so names a peer
/// sends must never be interned.
const std::string& intern_event_name(std::string_view name);

class handler_table {
 public:
  void add(std::string_view event, socket::event_handler handler, bool once);
  /// Removes every handler of `event` (socket.off(event)).
  void remove(std::string_view event);
  /// The handlers for `event` in registration order, copied (a handler may change the table
  /// while it runs); the once-handlers among them are removed from the table.
  std::vector<socket::event_handler> take(std::string_view event);
  void clear();
  /// Gives back the capacity growth left unused: called once the connection handlers have
  /// registered a socket's handlers (17 handlers would otherwise hold room for 32).
  void trim();
  bool empty() const { return entries_.empty(); }

 private:
  struct entry {
    socket::event_handler handler;
    std::uintptr_t name_once;  // the interned name's address; the low bit marks a once-handler
    const std::string& name() const {
      return *reinterpret_cast<const std::string*>(name_once & ~std::uintptr_t{1});
    }
    bool once() const { return (name_once & 1) != 0; }
  };
  static_assert(alignof(std::string) > 1, "the low bit of a name's address is the once flag");

  std::vector<entry> entries_;
};

}  // namespace socketio::detail
