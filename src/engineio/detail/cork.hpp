// Corked output: while one read (or one hand-off of broadcasts) is being handled on a lane,
// sessions of that lane queue what they are asked to send and flush once, when the handling
// ends. A socket that receives 32 broadcasts from one read then writes them in one sendmsg
// instead of 32 (docs/architecture.md, "Lanes and corked output").
#pragma once
#include <memory>
#include <vector>

namespace socketio::detail {

class lane;

/// Something with output held back by a cork; flushed when the outermost scope of its lane ends.
class corked_writer {
 public:
  virtual ~corked_writer() = default;
  virtual void uncork() = 0;
};

/// A cork for one lane on the calling thread. Scopes nest: an inner scope of the same lane
/// does nothing (the outer one flushes); an inner scope of another lane (a strand run inline
/// inside another) corks its own lane only, and restores the outer cork when it ends.
class cork_scope {
 public:
  explicit cork_scope(const lane* owner);
  ~cork_scope();
  cork_scope(const cork_scope&) = delete;
  cork_scope& operator=(const cork_scope&) = delete;

  /// True when code of lane `l` runs under a cork on this thread: a writer of that lane may
  /// then call defer() instead of writing.
  static bool active_for(const lane* l);
  /// True when any cork is open on this thread.
  static bool any_active();
  /// Holds `w` until the cork ends (the caller makes sure it is deferred at most once).
  static void defer(std::shared_ptr<corked_writer> w);

 private:
  const lane* lane_;
  cork_scope* outer_ = nullptr;
  bool owns_ = false;
  std::vector<std::shared_ptr<corked_writer>> deferred_;
};

}  // namespace socketio::detail
