#include "engineio/detail/cork.hpp"

namespace socketio::detail {

namespace {
thread_local cork_scope* current_cork = nullptr;
}  // namespace

cork_scope::cork_scope(const lane* owner) : lane_(owner) {
  if (current_cork != nullptr && current_cork->lane_ == owner) return;  // the outer one flushes
  outer_ = current_cork;
  owns_ = true;
  current_cork = this;
}

cork_scope::~cork_scope() {
  if (!owns_) return;
  // Uncorked first: whatever the flushes cause (a failed write's close handlers emitting)
  // is written at once instead of being deferred to a cork that is ending.
  current_cork = outer_;
  auto writers = std::move(deferred_);
  for (const auto& w : writers)
    w->uncork();
}

bool cork_scope::active_for(const lane* l) {
  return current_cork != nullptr && current_cork->lane_ == l;
}

bool cork_scope::any_active() {
  return current_cork != nullptr;
}

void cork_scope::defer(std::shared_ptr<corked_writer> w) {
  if (current_cork != nullptr) current_cork->deferred_.push_back(std::move(w));
}

}  // namespace socketio::detail
