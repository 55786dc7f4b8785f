// Small pieces the scenarios share: nearest-rank percentiles and the verdict on who limited a
// measured phase.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "json_writer.hpp"
#include "proc_stats.hpp"

namespace loadgen {

// The p-th percentile (nearest rank) of ascending `v`, NaN when empty.
inline double percentile(const std::vector<std::uint32_t>& v, double p) {
  if (v.empty()) return NAN;
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// A process counts as saturated when it had work (running, or runnable and waiting for its
// core because another process held it) at least 90 % of the phase. If the generator was and
// the server was not, the phase measured the generator, and the report has to say so.
inline void write_limit(json_writer& out, const cpu_sample& s0, const cpu_sample& s1,
                        const own_cpu& g0, const own_cpu& g1) {
  const double server = busy_fraction(s0, s1);
  const double server_waiting = waiting_fraction(s0, s1);
  const double generator = busy_fraction(g0, g1);
  const double generator_waiting = waiting_fraction(g0, g1);
  const bool server_saturated = server + server_waiting >= 0.9;
  const bool generator_saturated = generator + generator_waiting >= 0.9 && !server_saturated;
  out.field("serverBusy", server);
  out.field("serverWaiting", server_waiting);
  out.field("generatorBusy", generator);
  out.field("generatorWaiting", generator_waiting);
  out.field("generatorSaturated", generator_saturated);
  out.field("limitedBy", server_saturated      ? "server"
                         : generator_saturated ? "generator"
                                               : "latency");
}

}  // namespace loadgen
