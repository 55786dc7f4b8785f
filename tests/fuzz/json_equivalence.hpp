// Value equality for the fuzz targets' round-trip checks: what a codec may legitimately change
// on the way back (an integral float that comes back as an integer, a NaN that is still NaN) is
// equal here; everything else (key order included, since it is on the wire) must match.
#pragma once

#include <cmath>
#include <cstddef>

#include "socketio/types.hpp"

namespace socketio::fuzz {

inline bool equivalent(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_number_float() || b.is_number_float()) {
      const double x = a.get<double>();
      const double y = b.get<double>();
      if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
    }
    return a == b;  // nlohmann compares integers exactly and mixed kinds by value
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::value_t::array: {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (!equivalent(a[i], b[i])) return false;
      return true;
    }
    case json::value_t::object: {
      if (a.size() != b.size()) return false;
      auto j = b.begin();
      for (auto i = a.begin(); i != a.end(); ++i, ++j)
        if (i.key() != j.key() || !equivalent(i.value(), j.value())) return false;
      return true;
    }
    case json::value_t::binary:
      // The codecs never keep a subtype, so only the bytes count.
      {
        using bytes = json::binary_t::container_type;
        return static_cast<const bytes&>(a.get_binary()) ==
               static_cast<const bytes&>(b.get_binary());
      }
    default:
      return a == b;
  }
}

}  // namespace socketio::fuzz
