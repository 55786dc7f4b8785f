// The outcome of decoding bytes that came from Redis: a value or the reason it was refused.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace socketio::detail::redis {

/// Why a payload was refused. Decoders never throw on network input; they return this.
struct wire_error {
  std::string message;
};

/// A decoded value or a wire_error (std::expected is C++23).
template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}           // NOLINT(google-explicit-constructor)
  result(wire_error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  /// Precondition: ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  /// Precondition: !ok().
  const wire_error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, wire_error> v_;
};

}  // namespace socketio::detail::redis
