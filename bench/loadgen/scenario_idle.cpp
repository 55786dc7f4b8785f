// idle and idle-pings: the harness paces the phases through stdin so that it can read the
// server's memory and CPU between them (it may run several generator processes at once):
//   ready     (warm-up connections opened and closed)  <- "go"
//   connected (N connections, Socket.IO CONNECT done)   <- "go"
//   window    (idle-pings only: every client answered every ping for W seconds)
//   done      (a sample of clients answered an echo)

#include <algorithm>
#include <chrono>
#include <string>

#include "client_set.hpp"
#include "proc_stats.hpp"
#include "run_context.hpp"

namespace loadgen {

namespace {

bool wait_go(run_context& ctx, json_writer& out, const char* phase) {
  const auto line = ctx.wait_line();
  if (line && *line == "go") return true;
  out.field("error", std::string("no \"go\" from the harness ") + phase +
                         (line ? " (got \"" + *line + "\")" : " (stdin closed or deadline)"));
  return false;
}

}  // namespace

bool run_idle(run_context& ctx, json_writer& out) {
  const options& o = ctx.opts;
  const bool pings = o.scenario == "idle-pings";
  out.field("clients", o.clients);

  // Warm-up: the server's first connections allocate what later ones reuse (Node compiles the
  // connection path); they should be in the baseline, not in the per-connection figure.
  std::string error;
  if (o.warmup_connections > 0) {
    client_set warm(ctx.lp, "websocket", o.warmup_connections);
    if (!warm.connect_all(o.connect_in_flight, ctx.deadline, error)) {
      out.field("error", "warm-up connections: " + error);
      return false;
    }
    warm.close_all();
    ctx.lp.run_for(std::chrono::milliseconds(200), ctx.deadline);
  }
  {
    json_writer ready;
    ready.field("event", "ready");
    ctx.emit(ready);
  }
  if (!wait_go(ctx, out, "before connecting")) return false;

  client_set clients(ctx.lp, "websocket", o.clients);
  const own_cpu g0 = read_own_cpu();
  const bool all = clients.connect_all(o.connect_in_flight, ctx.deadline, error);
  const own_cpu g1 = read_own_cpu();
  const double connect_seconds = std::chrono::duration<double>(g1.at - g0.at).count();
  {
    json_writer connected;
    connected.field("event", "connected");
    connected.field("connected", clients.connected());
    connected.field("failed", clients.failed());
    connected.field("connectSeconds", connect_seconds);
    write_own_delta(connected, g0, g1);
    ctx.emit(connected);
  }
  out.field("connected", clients.connected());
  out.field("connectSeconds", connect_seconds);
  out.field("connectsPerSecond", static_cast<double>(clients.connected()) / connect_seconds);
  if (!all) {
    out.field("error", "connect: " + error);
    return false;
  }
  if (!wait_go(ctx, out, "after connecting")) return false;

  std::string why;
  if (pings) {
    for (std::size_t i = 0; i < clients.size(); ++i)
      clients[i].reset_pings();
    const own_cpu w0 = read_own_cpu();
    ctx.lp.run_for(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                       std::chrono::duration<double>(o.window_seconds)),
                   ctx.deadline);
    const own_cpu w1 = read_own_cpu();
    std::uint64_t total = 0, min_pings = UINT64_MAX, max_pings = 0;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      const auto p = clients[i].pings();
      total += p;
      min_pings = std::min(min_pings, p);
      max_pings = std::max(max_pings, p);
    }
    const double window = std::chrono::duration<double>(w1.at - w0.at).count();
    // A client whose window started just after a ping and ended just before one sees one less.
    const auto expected_min = static_cast<std::uint64_t>(
        std::max(0.0, window * 1000.0 / static_cast<double>(o.ping_interval_ms) - 1.0));
    json_writer line;
    line.field("event", "window");
    line.field("windowSeconds", window);
    line.field("pings", total);
    line.field("minPerClient", min_pings);
    line.field("maxPerClient", max_pings);
    line.field("expectedMinPerClient", expected_min);
    line.field("dropped", clients.dropped());
    write_own_delta(line, w0, w1);
    ctx.emit(line);
    out.field("windowSeconds", window);
    out.field("pings", total);
    out.field("minPingsPerClient", min_pings);
    out.field("maxPingsPerClient", max_pings);
    out.field("expectedMinPingsPerClient", expected_min);
    if (min_pings < expected_min) {
      why += "a client answered only " + std::to_string(min_pings) + " pings (at least " +
             std::to_string(expected_min) + " expected); ";
    }
  }

  // Liveness: an evenly spread sample echoes once each.
  const std::size_t sample = std::min(o.liveness, clients.size());
  std::size_t answered = 0;
  std::size_t wrong = 0;
  clients.ack_handler = [&](sio_client& c, std::uint64_t, std::string_view array) {
    if (array != "[\"alive\"," + std::to_string(c.index()) + "]") ++wrong;
    ++answered;
  };
  const std::size_t step = sample ? std::max<std::size_t>(1, clients.size() / sample) : 1;
  for (std::size_t k = 0; k < sample; ++k) {
    const std::size_t i = k * step;
    clients[i].emit_with_ack("[\"echo\",\"alive\"," + std::to_string(i) + "]");
  }
  const auto liveness_deadline =
      std::min(ctx.deadline, std::chrono::steady_clock::now() + std::chrono::seconds(10));
  ctx.lp.run_until([&] { return answered == sample || clients.dropped() > 0; }, liveness_deadline);
  out.field("livenessSampled", sample);
  out.field("livenessAnswered", answered);
  out.field("dropped", clients.dropped());
  out.field("unexpectedEvents", clients.unexpected_events());
  if (answered != sample)
    why += std::to_string(sample - answered) + " liveness echoes unanswered; ";
  if (wrong) why += std::to_string(wrong) + " liveness echoes wrong; ";
  if (clients.dropped())
    why += std::to_string(clients.dropped()) + " connections dropped (" + clients.first_error() +
           "); ";
  if (clients.unexpected_events()) why += "unexpected events; ";
  if (!why.empty()) {
    out.field("error", why);
    return false;
  }
  return true;
}

}  // namespace loadgen
