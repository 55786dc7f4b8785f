#include "proc_stats.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace loadgen {

namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path);
  if (!f) return false;
  std::ostringstream s;
  s << f.rdbuf();
  out = s.str();
  return true;
}

double seconds_between(std::chrono::steady_clock::time_point a,
                       std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

long clock_ticks_per_second() {
  static const long ticks = sysconf(_SC_CLK_TCK);
  return ticks > 0 ? ticks : 100;
}

cpu_sample read_cpu(int pid) {
  cpu_sample s;
  s.at = std::chrono::steady_clock::now();
  std::string stat;
  if (!read_file("/proc/" + std::to_string(pid) + "/stat", stat)) return s;
  // The command name may contain spaces and parentheses: fields are counted after the last ')'.
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) return s;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) s.utime_ticks = std::strtoll(field.c_str(), nullptr, 10);
    if (i == 15) s.stime_ticks = std::strtoll(field.c_str(), nullptr, 10);
  }
  const std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(task_dir.c_str());
  if (dir == nullptr) return s;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::string sched;
    // A thread may exit between readdir and the read; it is then simply not counted.
    if (read_file(task_dir + "/" + entry->d_name + "/schedstat", sched)) {
      char* end = nullptr;
      s.sched_ns += std::strtoull(sched.c_str(), &end, 10);
      s.wait_ns += std::strtoull(end, nullptr, 10);
      ++s.threads;
    }
  }
  closedir(dir);
  s.ok = true;
  return s;
}

std::int64_t read_rss_bytes(int pid) {
  std::string status;
  if (!read_file("/proc/" + std::to_string(pid) + "/status", status)) return -1;
  const auto at = status.find("VmRSS:");
  if (at == std::string::npos) return -1;
  return std::strtoll(status.c_str() + at + 6, nullptr, 10) * 1024;
}

own_cpu read_own_cpu() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  own_cpu c;
  c.user = static_cast<double>(usage.ru_utime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec) / 1e6;
  c.system = static_cast<double>(usage.ru_stime.tv_sec) +
             static_cast<double>(usage.ru_stime.tv_usec) / 1e6;
  std::string sched;
  if (read_file("/proc/self/schedstat", sched)) {
    char* end = nullptr;
    std::strtoull(sched.c_str(), &end, 10);
    c.wait_ns = std::strtoull(end, nullptr, 10);
  }
  c.at = std::chrono::steady_clock::now();
  return c;
}

double sched_seconds(const cpu_sample& a, const cpu_sample& b) {
  return static_cast<double>(b.sched_ns - a.sched_ns) / 1e9;
}

double busy_fraction(const cpu_sample& a, const cpu_sample& b) {
  const double wall = seconds_between(a.at, b.at);
  return wall > 0 ? sched_seconds(a, b) / wall : 0;
}

double busy_fraction(const own_cpu& a, const own_cpu& b) {
  const double wall = seconds_between(a.at, b.at);
  return wall > 0 ? (b.user + b.system - a.user - a.system) / wall : 0;
}

double waiting_fraction(const cpu_sample& a, const cpu_sample& b) {
  const double wall = seconds_between(a.at, b.at);
  return wall > 0 ? static_cast<double>(b.wait_ns - a.wait_ns) / 1e9 / wall : 0;
}

double waiting_fraction(const own_cpu& a, const own_cpu& b) {
  const double wall = seconds_between(a.at, b.at);
  return wall > 0 ? static_cast<double>(b.wait_ns - a.wait_ns) / 1e9 / wall : 0;
}

void write_cpu_delta(json_writer& out, const cpu_sample& a, const cpu_sample& b) {
  const double hz = static_cast<double>(clock_ticks_per_second());
  out.begin_object("cpu");
  out.field("ok", a.ok && b.ok);
  out.field("userTicks", b.utime_ticks - a.utime_ticks);
  out.field("systemTicks", b.stime_ticks - a.stime_ticks);
  out.field("ticksPerSecond", clock_ticks_per_second());
  out.field("userSeconds", static_cast<double>(b.utime_ticks - a.utime_ticks) / hz);
  out.field("systemSeconds", static_cast<double>(b.stime_ticks - a.stime_ticks) / hz);
  out.field("schedSeconds", sched_seconds(a, b));
  out.field("wallSeconds", seconds_between(a.at, b.at));
  out.field("busy", busy_fraction(a, b));
  out.field("waiting", waiting_fraction(a, b));
  out.field("threads", b.threads);
  out.end_object();
}

void write_own_delta(json_writer& out, const own_cpu& a, const own_cpu& b) {
  out.begin_object("generator");
  out.field("userSeconds", b.user - a.user);
  out.field("systemSeconds", b.system - a.system);
  out.field("wallSeconds", seconds_between(a.at, b.at));
  out.field("busy", busy_fraction(a, b));
  out.field("waiting", waiting_fraction(a, b));
  out.end_object();
}

}  // namespace loadgen
