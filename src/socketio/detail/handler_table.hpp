// A socket's event handlers: one flat vector in registration order, names packed into one
// string. The obvious map<string, vector<handler>> cost ~2.4 KB per socket for the fixture's
// 16 handlers (a hash node, a vector and usually a name allocation per event, plus buckets);
// a socket has few handlers, so a linear scan on dispatch costs less than the hashing did.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "socketio/socket.hpp"

namespace socketio::detail {

class handler_table {
 public:
  void add(std::string_view event, socket::event_handler handler, bool once);
  /// Removes every handler of `event` (socket.off(event)).
  void remove(std::string_view event);
  /// The handlers for `event` in registration order, copied (a handler may change the table
  /// while it runs); the once-handlers among them are removed from the table.
  std::vector<socket::event_handler> take(std::string_view event);
  void clear();
  bool empty() const { return entries_.empty(); }

 private:
  struct entry {
    socket::event_handler handler;
    std::uint32_t name_offset;
    std::uint32_t name_size_once;  // the name's size; the top bit marks a once-handler
    std::uint32_t name_size() const { return name_size_once & ~once_bit; }
    bool once() const { return (name_size_once & once_bit) != 0; }
  };
  static constexpr std::uint32_t once_bit = 1u << 31;
  std::string_view name_of(const entry& e) const {
    return {names_.data() + e.name_offset, e.name_size()};
  }
  /// Drops the entries `dead` marks and the name bytes no entry uses any more.
  template <class Pred>
  void erase_if(Pred dead);

  std::vector<entry> entries_;
  std::string names_;  // each distinct name once, back to back
};

}  // namespace socketio::detail
