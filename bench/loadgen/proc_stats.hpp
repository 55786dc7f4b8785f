// Readers for /proc: the server's CPU time (two independent sources, so that the report can
// show they agree), its resident memory, and the generator's own CPU time.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "json_writer.hpp"

namespace loadgen {

struct cpu_sample {
  bool ok = false;
  std::int64_t utime_ticks = 0;  // /proc/PID/stat field 14, every thread (exited ones too)
  std::int64_t stime_ticks = 0;  // field 15
  std::uint64_t sched_ns = 0;    // sum over /proc/PID/task/*/schedstat, live threads
  std::uint64_t wait_ns = 0;     // their time runnable but waiting for a CPU (second field)
  unsigned threads = 0;
  std::chrono::steady_clock::time_point at;
};

cpu_sample read_cpu(int pid);

// VmRSS of `pid` in bytes, or -1 when unreadable.
std::int64_t read_rss_bytes(int pid);

// CPU time of this process (user + system), in seconds.
struct own_cpu {
  double user = 0;
  double system = 0;
  std::uint64_t wait_ns = 0;  // runnable but waiting for the CPU (/proc/self/schedstat)
  std::chrono::steady_clock::time_point at;
};
own_cpu read_own_cpu();

// Writes the difference b - a as a "cpu" object: user/system seconds from the ticks, schedstat
// seconds, wall seconds and the busy fraction of one core (schedstat / wall).
void write_cpu_delta(json_writer& out, const cpu_sample& a, const cpu_sample& b);

// The generator's own share: cpu seconds, wall seconds and the busy fraction.
void write_own_delta(json_writer& out, const own_cpu& a, const own_cpu& b);

double sched_seconds(const cpu_sample& a, const cpu_sample& b);
double busy_fraction(const cpu_sample& a, const cpu_sample& b);
double busy_fraction(const own_cpu& a, const own_cpu& b);
// Share of the wall time spent runnable but waiting for a CPU (another process had it).
double waiting_fraction(const cpu_sample& a, const cpu_sample& b);
double waiting_fraction(const own_cpu& a, const own_cpu& b);

long clock_ticks_per_second();

}  // namespace loadgen
