#include "redis/detail/msgpack.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>

namespace socketio::detail::redis {

namespace {

void put_u8(std::string& out, std::uint8_t b) {
  out.push_back(static_cast<char>(b));
}

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i)
    put_u8(out, static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_unsigned(std::string& out, std::uint64_t v) {
  if (v < 0x80) {
    put_u8(out, static_cast<std::uint8_t>(v));
  } else if (v < 0x100) {
    put_u8(out, 0xcc);
    put_be(out, v, 1);
  } else if (v < 0x10000) {
    put_u8(out, 0xcd);
    put_be(out, v, 2);
  } else if (v < 0x100000000ULL) {
    put_u8(out, 0xce);
    put_be(out, v, 4);
  } else {
    put_u8(out, 0xcf);
    put_be(out, v, 8);
  }
}

void put_signed(std::string& out, std::int64_t v) {
  if (v >= 0) return put_unsigned(out, static_cast<std::uint64_t>(v));
  const auto bits = static_cast<std::uint64_t>(v);
  if (v >= -0x20) {
    put_u8(out, static_cast<std::uint8_t>(bits));
  } else if (v >= -0x80) {
    put_u8(out, 0xd0);
    put_be(out, bits, 1);
  } else if (v >= -0x8000) {
    put_u8(out, 0xd1);
    put_be(out, bits, 2);
  } else if (v >= -0x80000000LL) {
    put_u8(out, 0xd2);
    put_be(out, bits, 4);
  } else {
    put_u8(out, 0xd3);
    put_be(out, bits, 8);
  }
}

void put_float64(std::string& out, double d) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &d, sizeof bits);
  put_u8(out, 0xcb);
  put_be(out, bits, 8);
}

void put_double(std::string& out, double d) {
  // notepack: a JS number is an integer on the wire when Math.floor(v) === v and it is finite.
  if (std::isfinite(d) && std::floor(d) == d) {
    if (d >= 0 && d < 18446744073709551616.0)
      return put_unsigned(out, static_cast<std::uint64_t>(d));
    if (d < 0 && d >= -9223372036854775808.0) return put_signed(out, static_cast<std::int64_t>(d));
  }
  put_float64(out, d);
}

void put_length(std::string& out, std::size_t n, std::uint8_t fix_base, std::size_t fix_limit,
                std::uint8_t op8, std::uint8_t op16, std::uint8_t op32) {
  if (n < fix_limit) {
    put_u8(out, static_cast<std::uint8_t>(fix_base | n));
  } else if (op8 != 0 && n < 0x100) {
    put_u8(out, op8);
    put_be(out, n, 1);
  } else if (n < 0x10000) {
    put_u8(out, op16);
    put_be(out, n, 2);
  } else {
    put_u8(out, op32);
    put_be(out, n, 4);
  }
}

void put_string(std::string& out, std::string_view s) {
  put_length(out, s.size(), 0xa0, 32, 0xd9, 0xda, 0xdb);
  out.append(s);
}

void put_value(std::string& out, const json& v) {
  switch (v.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      put_u8(out, 0xc0);
      break;
    case json::value_t::boolean:
      put_u8(out, v.get<bool>() ? 0xc3 : 0xc2);
      break;
    case json::value_t::number_unsigned:
      put_unsigned(out, v.get<std::uint64_t>());
      break;
    case json::value_t::number_integer:
      put_signed(out, v.get<std::int64_t>());
      break;
    case json::value_t::number_float:
      put_double(out, v.get<double>());
      break;
    case json::value_t::string:
      put_string(out, v.get_ref<const std::string&>());
      break;
    case json::value_t::binary: {
      const auto& bin = v.get_binary();
      // bin 8 has no fix form: 0xc4 even for short buffers (notepack does the same).
      put_length(out, bin.size(), 0, 0, 0xc4, 0xc5, 0xc6);
      out.append(reinterpret_cast<const char*>(bin.data()), bin.size());
      break;
    }
    case json::value_t::array:
      put_length(out, v.size(), 0x90, 16, 0, 0xdc, 0xdd);
      for (const auto& item : v)
        put_value(out, item);
      break;
    case json::value_t::object:
      put_length(out, v.size(), 0x80, 16, 0, 0xde, 0xdf);
      for (const auto& [key, item] : v.items()) {
        put_string(out, key);
        put_value(out, item);
      }
      break;
  }
}

// --- decoding ---

constexpr std::int64_t ms_per_day = 86'400'000;

// JavaScript's Date.prototype.toISOString for a time value already clipped to +-8.64e15 ms.
std::string iso_date(std::int64_t ms) {
  std::int64_t days = ms / ms_per_day;
  std::int64_t rem = ms % ms_per_day;
  if (rem < 0) {
    rem += ms_per_day;
    --days;
  }
  // Civil date from days since 1970-01-01 (proleptic Gregorian).
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[48];
  const char* year_fmt =
      (year >= 0 && year <= 9999) ? "%04lld" : (year < 0 ? "-%06lld" : "+%06lld");
  int n = std::snprintf(buf, sizeof buf, year_fmt, static_cast<long long>(year < 0 ? -year : year));
  std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n),
                "-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(month),
                static_cast<long long>(day), static_cast<long long>(rem / 3'600'000),
                static_cast<long long>(rem / 60'000 % 60), static_cast<long long>(rem / 1000 % 60),
                static_cast<long long>(rem % 1000));
  return buf;
}

// new Date(t) followed by JSON.stringify: TimeClip (NaN beyond 8.64e15 ms, else truncation
// toward zero), and an invalid date stringifies as null.
json date_value(double ms) {
  if (!std::isfinite(ms) || std::fabs(ms) > 8.64e15) return nullptr;
  return iso_date(static_cast<std::int64_t>(std::trunc(ms)));
}

class reader {
 public:
  explicit reader(std::string_view bytes) : p_(bytes) {}

  bool at_end() const { return pos_ == p_.size(); }

  // Parses one value into `out`; `undefined` is set for notepack's legacy undefined ext.
  std::optional<wire_error> value(json& out, bool& undefined, std::size_t depth) {
    undefined = false;
    if (depth > max_wire_depth) return wire_error{"msgpack: nesting too deep"};
    std::uint8_t op = 0;
    if (!byte(op)) return truncated();
    if (op < 0x80) {
      out = static_cast<std::uint64_t>(op);
      return {};
    }
    if (op >= 0xe0) {
      out = static_cast<std::int64_t>(static_cast<std::int8_t>(op));
      return {};
    }
    if (op >= 0xa0 && op <= 0xbf) return str(out, op & 0x1fu);
    if (op >= 0x90 && op <= 0x9f) return array(out, op & 0x0fu, depth);
    if (op >= 0x80 && op <= 0x8f) return map(out, op & 0x0fu, depth);
    std::uint64_t n = 0;
    switch (op) {
      case 0xc0:
        out = nullptr;
        return {};
      case 0xc2:
        out = false;
        return {};
      case 0xc3:
        out = true;
        return {};
      case 0xc4:
      case 0xc5:
      case 0xc6:
        if (!be(n, 1u << (op - 0xc4))) return truncated();
        return bin(out, n);
      case 0xc7:
      case 0xc8:
      case 0xc9:
        if (!be(n, 1u << (op - 0xc7))) return truncated();
        return ext(out, undefined, n, true);
      case 0xca: {
        std::uint64_t bits = 0;
        if (!be(bits, 4)) return truncated();
        float f = 0;
        const auto b32 = static_cast<std::uint32_t>(bits);
        std::memcpy(&f, &b32, sizeof f);
        out = static_cast<double>(f);
        return {};
      }
      case 0xcb: {
        std::uint64_t bits = 0;
        if (!be(bits, 8)) return truncated();
        double d = 0;
        std::memcpy(&d, &bits, sizeof d);
        out = d;
        return {};
      }
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf:
        if (!be(n, 1u << (op - 0xcc))) return truncated();
        out = n;
        return {};
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3: {
        const unsigned width = 1u << (op - 0xd0);
        if (!be(n, width)) return truncated();
        out = sign_extend(n, width);
        return {};
      }
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        return ext(out, undefined, 1u << (op - 0xd4), false);
      case 0xd9:
      case 0xda:
      case 0xdb:
        if (!be(n, 1u << (op - 0xd9))) return truncated();
        return str(out, n);
      case 0xdc:
      case 0xdd:
        if (!be(n, 2u << (op - 0xdc))) return truncated();
        return array(out, n, depth);
      case 0xde:
      case 0xdf:
        if (!be(n, 2u << (op - 0xde))) return truncated();
        return map(out, n, depth);
      default:
        return wire_error{"msgpack: unknown type byte"};  // 0xc1 (never used)
    }
  }

 private:
  static wire_error truncated() { return wire_error{"msgpack: truncated input"}; }

  static std::int64_t sign_extend(std::uint64_t v, unsigned width) {
    if (width == 8) return static_cast<std::int64_t>(v);
    const unsigned shift = 64 - 8 * width;
    return static_cast<std::int64_t>(v << shift) >> shift;
  }

  std::size_t left() const { return p_.size() - pos_; }

  bool byte(std::uint8_t& b) {
    if (left() < 1) return false;
    b = static_cast<std::uint8_t>(p_[pos_++]);
    return true;
  }

  bool be(std::uint64_t& v, unsigned width) {
    if (left() < width) return false;
    v = 0;
    for (unsigned i = 0; i < width; ++i)
      v = (v << 8) | static_cast<std::uint8_t>(p_[pos_++]);
    return true;
  }

  std::optional<wire_error> str(json& out, std::uint64_t n) {
    if (left() < n) return truncated();
    out = std::string(p_.substr(pos_, n));
    pos_ += n;
    return {};
  }

  std::optional<wire_error> bin(json& out, std::uint64_t n) {
    if (left() < n) return truncated();
    const auto* data = reinterpret_cast<const std::uint8_t*>(p_.data() + pos_);
    out = json::binary(json::binary_t::container_type(data, data + n));
    pos_ += n;
    return {};
  }

  std::optional<wire_error> array(json& out, std::uint64_t n, std::size_t depth) {
    // Each element takes at least one byte: a huge count in a short payload is malformed, and
    // checking first keeps reserve() bounded by the input size.
    if (left() < n) return truncated();
    out = json::array();
    out.get_ref<json::array_t&>().reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      json item;
      bool undefined = false;
      if (auto err = value(item, undefined, depth + 1)) return err;
      // An undefined element reads as undefined in JS and is written as null by JSON.stringify.
      out.push_back(std::move(item));
    }
    return {};
  }

  std::optional<wire_error> map(json& out, std::uint64_t n, std::size_t depth) {
    if (left() < 2 * n) return truncated();
    out = json::object();
    for (std::uint64_t i = 0; i < n; ++i) {
      json key;
      bool undefined = false;
      if (auto err = value(key, undefined, depth + 1)) return err;
      if (!key.is_string()) return wire_error{"msgpack: map key is not a string"};
      json item;
      if (auto err = value(item, undefined, depth + 1)) return err;
      auto& name = key.get_ref<std::string&>();
      if (undefined) {
        // obj[key] = undefined: JSON.stringify leaves the key out (an earlier value is replaced).
        out.erase(name);
        continue;
      }
      out[std::move(name)] = std::move(item);
    }
    return {};
  }

  // notepack 3.0.1's ext handling; `sized` is true for ext 8/16/32, false for fixext.
  std::optional<wire_error> ext(json& out, bool& undefined, std::uint64_t n, bool sized) {
    std::uint8_t type_byte = 0;
    if (!byte(type_byte)) return truncated();
    const auto type = static_cast<std::int8_t>(type_byte);
    if (left() < n) return truncated();
    const std::string_view body = p_.substr(pos_, n);
    auto word = [&](std::size_t at, std::size_t width) {
      std::uint64_t v = 0;
      for (std::size_t i = 0; i < width; ++i)
        v = (v << 8) | static_cast<std::uint8_t>(body[at + i]);
      return v;
    };
    if (type == -1) {  // timestamp
      if (!sized && n == 4) {
        out = date_value(static_cast<double>(word(0, 4)) * 1e3);
      } else if (!sized && n == 8) {
        const std::uint64_t hi = word(0, 4);
        const std::uint64_t lo = word(4, 4);
        const double seconds = static_cast<double>((hi & 0x3) * 0x100000000ULL + lo);
        out = date_value(seconds * 1e3 + static_cast<double>(hi >> 2) / 1e6);
      } else if (sized && n == 12) {
        const auto ns = static_cast<double>(word(0, 4));
        const auto seconds = static_cast<double>(static_cast<std::int64_t>(word(4, 8)));
        out = date_value(seconds * 1e3 + ns / 1e6);
      } else {
        return wire_error{"msgpack: malformed timestamp"};
      }
      pos_ += n;
      return {};
    }
    if (type == 0) {
      if (!sized && n == 1) {  // legacy undefined
        pos_ += n;
        out = nullptr;
        undefined = true;
        return {};
      }
      if (!sized && n == 8) {  // legacy date: int32 high word, uint32 low word, in ms
        const auto hi = static_cast<double>(static_cast<std::int32_t>(word(0, 4)));
        const auto lo = static_cast<double>(word(4, 4));
        pos_ += n;
        out = date_value(hi * 4294967296.0 + lo);
        return {};
      }
      if (sized) return bin(out, n);  // legacy ArrayBuffer
    }
    json payload;
    if (auto err = bin(payload, n)) return err;
    out = json::array({static_cast<std::int64_t>(type), std::move(payload)});
    return {};
  }

  std::string_view p_;
  std::size_t pos_ = 0;
};

}  // namespace

void msgpack_append(std::string& out, const json& value) {
  put_value(out, value);
}

std::string msgpack_encode(const json& value) {
  std::string out;
  put_value(out, value);
  return out;
}

result<json> msgpack_decode(std::string_view bytes) {
  reader r(bytes);
  json out;
  bool undefined = false;
  if (auto err = r.value(out, undefined, 0)) return *err;
  if (!r.at_end()) return wire_error{"msgpack: trailing bytes"};
  return out;
}

}  // namespace socketio::detail::redis
