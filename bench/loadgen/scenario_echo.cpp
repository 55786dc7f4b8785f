// echo: C clients, each with one acked "echo" in flight; the ack must carry the same
// arguments. Latency per round trip from send to ack on the steady clock.

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "client_set.hpp"
#include "proc_stats.hpp"
#include "run_context.hpp"
#include "scenario_util.hpp"

namespace loadgen {

namespace {

using clock_type = std::chrono::steady_clock;

struct echo_client {
  std::uint64_t round = 0;
  std::uint64_t ack_id = 0;
  std::string expected;  // the ack's argument array
  clock_type::time_point sent;
};

struct echo_run {
  run_context& ctx;
  client_set clients;
  std::vector<echo_client> state;
  std::vector<std::uint32_t> latency_ns;
  std::uint64_t target = 0;
  std::size_t done = 0;
  std::uint64_t mismatches = 0;
  bool measuring = false;

  explicit echo_run(run_context& c)
      : ctx(c), clients(c.lp, "websocket", c.opts.clients), state(c.opts.clients) {
    clients.ack_handler = [this](sio_client& cl, std::uint64_t id, std::string_view array) {
      on_ack(cl, id, array);
    };
  }

  void send(sio_client& cl) {
    echo_client& s = state[cl.index()];
    // Keys in sorted order: Node keeps insertion order, the C++ fixture sorts; both then
    // write back exactly these bytes.
    s.expected = "[\"ping\",{\"c\":" + std::to_string(cl.index()) +
                 ",\"r\":" + std::to_string(s.round) + "}]";
    std::string array = "[\"echo\",";
    array.append(s.expected, 1, std::string::npos);
    s.sent = clock_type::now();
    s.ack_id = cl.emit_with_ack(array);
  }

  void on_ack(sio_client& cl, std::uint64_t id, std::string_view array) {
    const auto now = clock_type::now();
    echo_client& s = state[cl.index()];
    if (id != s.ack_id || array != s.expected) ++mismatches;
    if (measuring) {
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - s.sent).count();
      latency_ns.push_back(static_cast<std::uint32_t>(std::min<long long>(ns, UINT32_MAX)));
    }
    if (++s.round < target) {
      send(cl);
    } else {
      ++done;
    }
  }

  bool run_phase(std::uint64_t rounds_total) {
    target = rounds_total;
    done = 0;
    for (std::size_t i = 0; i < clients.size(); ++i)
      send(clients[i]);
    return ctx.lp.run_until([&] { return done == clients.size() || clients.dropped() > 0; },
                            ctx.deadline);
  }
};

}  // namespace

bool run_echo(run_context& ctx, json_writer& out) {
  const options& o = ctx.opts;
  echo_run run(ctx);
  out.field("clients", o.clients);
  out.field("rounds", o.rounds);
  out.field("warmup", o.warmup);
  std::string error;
  if (!run.clients.connect_all(o.connect_in_flight, ctx.deadline, error)) {
    out.field("error", "connect: " + error);
    return false;
  }
  if (o.warmup > 0 && !run.run_phase(o.warmup)) {
    out.field("error", "warm-up did not complete before the deadline");
    return false;
  }
  run.mismatches = 0;
  run.latency_ns.reserve(o.clients * o.rounds);
  run.measuring = true;
  const cpu_sample s0 = o.server_pid ? read_cpu(o.server_pid) : cpu_sample{};
  const own_cpu g0 = read_own_cpu();
  const bool finished = run.run_phase(o.warmup + o.rounds);
  const cpu_sample s1 = o.server_pid ? read_cpu(o.server_pid) : cpu_sample{};
  const own_cpu g1 = read_own_cpu();

  auto& lat = run.latency_ns;
  std::sort(lat.begin(), lat.end());
  const std::uint64_t trips = static_cast<std::uint64_t>(o.clients) * o.rounds;
  out.field("roundTrips", lat.size());
  out.field("expectedRoundTrips", trips);
  out.field("mismatches", run.mismatches);
  out.field("dropped", run.clients.dropped());
  out.field("unexpectedEvents", run.clients.unexpected_events());
  double sum = 0;
  for (const auto v : lat)
    sum += v;
  out.begin_object("latencyUs");
  out.field("p50", percentile(lat, 50) / 1e3);
  out.field("p90", percentile(lat, 90) / 1e3);
  out.field("p99", percentile(lat, 99) / 1e3);
  out.field("p999", percentile(lat, 99.9) / 1e3);
  out.field("max", lat.empty() ? NAN : lat.back() / 1e3);
  out.field("mean", lat.empty() ? NAN : sum / static_cast<double>(lat.size()) / 1e3);
  out.end_object();
  if (o.server_pid) {
    write_cpu_delta(out, s0, s1);
    const double hz = static_cast<double>(clock_ticks_per_second());
    const auto n = static_cast<double>(trips);
    out.field("usPerRoundTrip", sched_seconds(s0, s1) * 1e6 / n);
    out.field("userUsPerRoundTrip",
              static_cast<double>(s1.utime_ticks - s0.utime_ticks) / hz * 1e6 / n);
    out.field("systemUsPerRoundTrip",
              static_cast<double>(s1.stime_ticks - s0.stime_ticks) / hz * 1e6 / n);
    write_limit(out, s0, s1, g0, g1);
  }
  write_own_delta(out, g0, g1);
  out.field("roundTripsPerSecond",
            static_cast<double>(lat.size()) / std::chrono::duration<double>(g1.at - g0.at).count());

  std::string why;
  if (!finished) why = "measured phase did not complete before the deadline; ";
  if (run.clients.dropped()) why += "connections dropped (" + run.clients.first_error() + "); ";
  if (lat.size() != trips) why += std::to_string(lat.size()) + " round trips measured; ";
  if (run.mismatches) why += std::to_string(run.mismatches) + " acks did not match; ";
  if (run.clients.unexpected_events()) why += "unexpected events; ";
  if (!why.empty()) {
    out.field("error", why);
    return false;
  }
  return true;
}

}  // namespace loadgen
