// Admission control for new Engine.IO sessions (engine_options::admission): the session cap,
// the handshake rates (global and per client address), the draining flag, the refusal
// counters and their once-per-episode log lines. No I/O: the clock is injected, so the unit
// tests drive the buckets without sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "socketio/engine.hpp"
#include "socketio/options.hpp"

namespace socketio::detail {

class logger;

using admission_clock = std::chrono::steady_clock;

/// A token bucket whose rate and capacity are kept by its owner, so that a table of many
/// buckets stores two fields each (common/detail/token_bucket.hpp keeps its own limit: one per
/// socket or session). Not thread-safe: the owner locks.
class compact_token_bucket {
 public:
  compact_token_bucket(double burst, admission_clock::time_point now)
      : tokens_(burst), last_(now) {}

  /// Refills for the time since the last call, then takes one token if there is one.
  bool take(double rate, double burst, admission_clock::time_point now);
  /// How long until one token is there (zero when there is one now).
  std::chrono::nanoseconds wait(double rate, double burst, admission_clock::time_point now) const;
  /// Refilled to capacity: the bucket is the same as a new one and can be forgotten.
  bool full(double rate, double burst, admission_clock::time_point now) const;

 private:
  double level(double rate, double burst, admission_clock::time_point now) const;

  double tokens_;
  admission_clock::time_point last_;
};

/// A bounded table of token buckets by client address, least recently seen last. Not
/// thread-safe: the owner locks.
class address_buckets {
 public:
  address_buckets(double rate, double burst, std::size_t capacity);

  /// Takes a token from `key`'s bucket (a new, full bucket for an unknown key). Returns
  /// nullopt when a token was taken, or the wait until the next one.
  std::optional<std::chrono::nanoseconds> take(const std::string& key,
                                               admission_clock::time_point now);
  std::size_t size() const { return index_.size(); }
  /// Addresses forgotten at the bound while their bucket was not yet full.
  std::uint64_t evicted_early() const { return evicted_early_; }

 private:
  struct entry {
    std::string key;
    compact_token_bucket bucket;
  };
  /// Forgets idle addresses from the least recently seen end, and the oldest one at the bound.
  void make_room(admission_clock::time_point now);

  double rate_;
  double burst_;
  std::size_t capacity_;
  std::list<entry> order_;  // front: most recently seen; nodes never move in memory
  std::unordered_map<std::string_view, std::list<entry>::iterator> index_;  // keys in order_
  std::uint64_t evicted_early_ = 0;
};

/// The key an address is limited by: IPv4 as is (also when IPv4-mapped), IPv6 by its /64 (one
/// subscriber usually holds a whole /64).
std::string address_key(std::string_view address);

/// Why a handshake was refused; also the index of its counter.
enum class refusal_kind { draining, full, rate, address_rate, policy };

struct admission_refusal {
  refusal_kind kind;
  unsigned status;
  std::string message;
  std::chrono::seconds retry_after;  // 0: no Retry-After
};

/// The limits of one endpoint. Every member is safe from any thread.
class admission_control {
 public:
  using clock_function = std::function<admission_clock::time_point()>;

  /// `now` (empty: the steady clock) is for tests.
  admission_control(const admission_options& options, std::shared_ptr<const logger> log,
                    clock_function now = {});

  /// Checks a handshake from `address` against the draining flag, the session cap and the
  /// rates. When admitted, one session slot is reserved: the caller either turns it into a
  /// session (and calls release_session() when that session is gone) or gives it back with
  /// release_session().
  std::optional<admission_refusal> admit(std::string_view address);
  void release_session();
  /// A handshake refused by the admit hook or allow_request (counted and logged like the rest;
  /// the refusal's text is not logged, it may quote credentials).
  void refused_by_policy();

  /// From now on every handshake is refused (503, "Server is draining").
  void start_draining();
  bool draining() const { return draining_.load(std::memory_order_relaxed); }

  engine::admission_stats stats() const;

 private:
  void count(refusal_kind kind, const std::string& what);

  const admission_options options_;
  std::shared_ptr<const logger> log_;
  clock_function now_;
  std::atomic<bool> draining_{false};
  std::atomic<std::size_t> sessions_{0};
  mutable std::mutex mutex_;  // guards the buckets
  std::optional<compact_token_bucket> global_;
  std::optional<address_buckets> by_address_;
  static constexpr std::size_t kinds = 5;
  std::atomic<std::uint64_t> refused_[kinds] = {};
  // For the once-per-episode log: the time of each kind's last refusal (clock ticks; the
  // lowest value: none yet).
  std::atomic<std::int64_t> last_refusal_[kinds] = {};
};

/// Reserves nothing itself: gives a slot admitted by admission_control back unless kept.
class session_slot {
 public:
  explicit session_slot(admission_control& a) : admission_(&a) {}
  session_slot(const session_slot&) = delete;
  session_slot& operator=(const session_slot&) = delete;
  ~session_slot() {
    if (admission_) admission_->release_session();
  }
  /// The slot now belongs to a session in the endpoint's table.
  void keep() { admission_ = nullptr; }

 private:
  admission_control* admission_;
};

}  // namespace socketio::detail
