#include "engineio/detail/admission.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/detail/logger.hpp"

namespace socketio::detail {

namespace {

// A kind of refusal logs again only after this long without one: one line per episode.
constexpr std::chrono::seconds episode_gap{10};

double burst_of(double rate, std::size_t burst) {
  // Default capacity: one second's worth, and never less than one token.
  return std::max(1.0, burst != 0 ? static_cast<double>(burst) : std::ceil(rate));
}

std::chrono::seconds whole_seconds_up(std::chrono::nanoseconds wait) {
  const auto s = std::chrono::ceil<std::chrono::seconds>(wait);
  return std::max(s, std::chrono::seconds(1));
}

}  // namespace

double compact_token_bucket::level(double rate, double burst,
                                   admission_clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  return std::min(burst, tokens_ + std::max(0.0, elapsed) * rate);
}

bool compact_token_bucket::take(double rate, double burst, admission_clock::time_point now) {
  tokens_ = level(rate, burst, now);
  if (now > last_) last_ = now;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

std::chrono::nanoseconds compact_token_bucket::wait(double rate, double burst,
                                                    admission_clock::time_point now) const {
  const double missing = 1.0 - level(rate, burst, now);
  if (missing <= 0 || rate <= 0) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::ceil(missing / rate * 1e9)));
}

bool compact_token_bucket::full(double rate, double burst, admission_clock::time_point now) const {
  return level(rate, burst, now) >= burst;
}

address_buckets::address_buckets(double rate, double burst, std::size_t capacity)
    : rate_(rate), burst_(burst), capacity_(std::max<std::size_t>(capacity, 1)) {}

void address_buckets::make_room(admission_clock::time_point now) {
  // An address whose bucket has refilled behaves exactly like an unknown one: forgetting it
  // changes nothing. Checked from the least recently seen end, so the sweep stops at the first
  // address still in use (amortised O(1) per call).
  while (!order_.empty() && order_.back().bucket.full(rate_, burst_, now)) {
    index_.erase(order_.back().key);
    order_.pop_back();
  }
  if (index_.size() < capacity_) return;
  // At the bound with every address active (more addresses than the table holds, typically
  // spoofed or spread over a large range): the oldest starts again with a full bucket. Memory
  // stays bounded; the global rate still holds them all.
  index_.erase(order_.back().key);
  order_.pop_back();
  ++evicted_early_;
}

std::optional<std::chrono::nanoseconds> address_buckets::take(const std::string& key,
                                                              admission_clock::time_point now) {
  auto it = index_.find(key);
  if (it == index_.end()) {
    make_room(now);
    order_.push_front(entry{key, compact_token_bucket(burst_, now)});
    // The index's key views the string inside the list node, which never moves.
    it = index_.emplace(order_.front().key, order_.begin()).first;
  } else if (it->second != order_.begin()) {
    order_.splice(order_.begin(), order_, it->second);
  }
  auto& bucket = it->second->bucket;
  if (bucket.take(rate_, burst_, now)) return std::nullopt;
  return bucket.wait(rate_, burst_, now);
}

std::string address_key(std::string_view address) {
  if (address.find(':') == std::string_view::npos) return std::string(address);
  const std::string text(address);
  unsigned char bytes[16];
  if (::inet_pton(AF_INET6, text.c_str(), bytes) != 1) return text;
  static constexpr unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(bytes, bytes + 12, v4_mapped)) {
    return std::to_string(bytes[12]) + '.' + std::to_string(bytes[13]) + '.' +
           std::to_string(bytes[14]) + '.' + std::to_string(bytes[15]);
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string key;
  for (int i = 0; i < 8; ++i) {
    key.push_back(hex[bytes[i] >> 4]);
    key.push_back(hex[bytes[i] & 0xF]);
    if (i % 2 == 1) key.push_back(':');
  }
  key += ":/64";
  return key;
}

admission_control::admission_control(const admission_options& options,
                                     std::shared_ptr<const logger> log, clock_function now)
    : options_(options), log_(std::move(log)), now_(std::move(now)) {
  if (!now_) now_ = [] { return admission_clock::now(); };
  for (auto& t : last_refusal_)
    t.store(std::numeric_limits<std::int64_t>::min(), std::memory_order_relaxed);
  const auto start = now_();
  if (options_.handshakes_per_second > 0) {
    global_.emplace(burst_of(options_.handshakes_per_second, options_.handshake_burst), start);
  }
  if (options_.handshakes_per_second_per_address > 0) {
    by_address_.emplace(
        options_.handshakes_per_second_per_address,
        burst_of(options_.handshakes_per_second_per_address, options_.handshake_burst_per_address),
        options_.max_tracked_addresses);
  }
}

void admission_control::count(refusal_kind kind, const std::string& what) {
  // Overload is worth a warning; a policy refusal or a refusal while draining is the server
  // doing what it was told.
  const log_level level =
      kind == refusal_kind::full || kind == refusal_kind::rate || kind == refusal_kind::address_rate
          ? log_level::warning
          : log_level::info;
  const auto i = static_cast<std::size_t>(kind);
  refused_[i].fetch_add(1, std::memory_order_relaxed);
  const std::int64_t now = now_().time_since_epoch().count();
  const std::int64_t before = last_refusal_[i].exchange(now, std::memory_order_relaxed);
  const std::int64_t gap =
      std::chrono::duration_cast<admission_clock::duration>(episode_gap).count();
  // One line when an episode starts, none for the refusals that follow it: under a flood the
  // log must not become the next resource to run out.
  if (before == std::numeric_limits<std::int64_t>::min() || now - before >= gap) {
    if (log_ && log_->enabled(level)) {
      log_->log(level, "refusing handshakes: " + what +
                           " (further refusals of this kind are counted, not "
                           "logged, until 10 s pass without one)");
    }
  }
}

std::optional<admission_refusal> admission_control::admit(std::string_view address) {
  if (draining()) {
    count(refusal_kind::draining, "the server is draining");
    return admission_refusal{refusal_kind::draining, 503, "Server is draining",
                             options_.retry_after};
  }
  // The slot first: a handshake refused for being over the cap spends no rate token.
  const std::size_t before = sessions_.fetch_add(1, std::memory_order_relaxed);
  if (options_.max_sessions != 0 && before >= options_.max_sessions) {
    sessions_.fetch_sub(1, std::memory_order_relaxed);
    count(refusal_kind::full,
          "max_sessions (" + std::to_string(options_.max_sessions) + ") sessions are open");
    return admission_refusal{refusal_kind::full, 503, "Server is full", options_.retry_after};
  }
  if (!global_ && !by_address_) return std::nullopt;
  std::optional<admission_refusal> refusal;
  {
    const auto now = now_();
    std::lock_guard lock(mutex_);
    // Per address first: one address's flood must not spend the budget of everyone else.
    if (by_address_) {
      if (const auto wait = by_address_->take(address_key(address), now)) {
        refusal =
            admission_refusal{refusal_kind::address_rate, 429,
                              "Too many handshakes from this address", whole_seconds_up(*wait)};
      }
    }
    if (!refusal && global_) {
      const double rate = options_.handshakes_per_second;
      const double burst = burst_of(rate, options_.handshake_burst);
      if (!global_->take(rate, burst, now)) {
        refusal = admission_refusal{refusal_kind::rate, 503, "Too many handshakes",
                                    whole_seconds_up(global_->wait(rate, burst, now))};
      }
    }
  }
  if (!refusal) return std::nullopt;
  sessions_.fetch_sub(1, std::memory_order_relaxed);
  if (refusal->kind == refusal_kind::address_rate) {
    count(refusal->kind, "an address passed handshakes_per_second_per_address (" +
                             std::to_string(options_.handshakes_per_second_per_address) + ")");
  } else {
    count(refusal->kind,
          "handshakes_per_second (" + std::to_string(options_.handshakes_per_second) + ") reached");
  }
  return refusal;
}

void admission_control::release_session() {
  sessions_.fetch_sub(1, std::memory_order_relaxed);
}

void admission_control::refused_by_policy() {
  // The refusal's text is not logged: a hook may quote what it refused (a token, a cookie).
  count(refusal_kind::policy, "handshake refused by the admission hook or allow_request");
}

void admission_control::start_draining() {
  if (!draining_.exchange(true) && log_ && log_->enabled(log_level::info)) {
    log_->log(log_level::info, "draining: new handshakes are refused");
  }
}

engine::admission_stats admission_control::stats() const {
  engine::admission_stats s;
  s.sessions = sessions_.load(std::memory_order_relaxed);
  auto refused = [&](refusal_kind k) {
    return refused_[static_cast<std::size_t>(k)].load(std::memory_order_relaxed);
  };
  s.refused_draining = refused(refusal_kind::draining);
  s.refused_full = refused(refusal_kind::full);
  s.refused_rate = refused(refusal_kind::rate);
  s.refused_address_rate = refused(refusal_kind::address_rate);
  s.refused_policy = refused(refusal_kind::policy);
  s.draining = draining();
  std::lock_guard lock(mutex_);
  if (by_address_) {
    s.tracked_addresses = by_address_->size();
    s.addresses_evicted_early = by_address_->evicted_early();
  }
  return s;
}

}  // namespace socketio::detail
