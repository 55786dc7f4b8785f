// fanout: members in one room, a driver keeping F broadcasts in flight; the measured phase
// ends when every member has every broadcast. Server CPU per delivery is its CPU over the
// phase divided by members x K.

#include <cstdint>
#include <string>
#include <vector>

#include "client_set.hpp"
#include "fanout_payload.hpp"
#include "proc_stats.hpp"
#include "run_context.hpp"
#include "scenario_util.hpp"

namespace loadgen {

namespace {

constexpr std::string_view room = "bench-room";
constexpr std::string_view msg_prefix = "[\"msg\",\"";
constexpr std::string_view msg_suffix = "\"]";

// What one member saw: a bit per broadcast, so that duplicates and losses are exact, and the
// highest sequence number so far, so that reordering shows.
struct member_state {
  std::vector<std::uint64_t> seen;
  std::uint64_t received = 0;
  std::uint64_t next = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t reordered = 0;
  std::uint64_t altered = 0;
  std::uint64_t joined = 0;
};

struct fanout_run {
  run_context& ctx;
  const fanout_payload payload;
  const std::size_t total;  // warm-up + measured broadcasts
  client_set members;
  client_set driver;
  std::vector<member_state> state;
  std::uint64_t target = 0;  // broadcasts the current phase waits for
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;
  std::uint64_t bad_acks = 0;
  std::size_t complete = 0;  // members that have `target` broadcasts
  std::size_t joined = 0;

  explicit fanout_run(run_context& c)
      : ctx(c),
        payload(c.opts.payload_bytes),
        total(c.opts.warmup + c.opts.broadcasts),
        members(c.lp, c.opts.transport, c.opts.clients),
        driver(c.lp, "websocket", 1),
        state(c.opts.clients) {
    for (auto& s : state)
      s.seen.assign((total + 63) / 64, 0);
    members.event_handler = [this](sio_client& m, std::string_view array) { on_msg(m, array); };
    members.ack_handler = [this](sio_client& m, std::uint64_t, std::string_view array) {
      if (array != "[]") ++state[m.index()].altered;
      ++state[m.index()].joined;
      ++joined;
    };
    driver.ack_handler = [this](sio_client&, std::uint64_t, std::string_view array) {
      if (array != "[]") ++bad_acks;
      ++acked;
      send_next();
    };
  }

  void on_msg(sio_client& m, std::string_view array) {
    member_state& s = state[m.index()];
    std::int64_t seq = -1;
    if (array.size() == msg_prefix.size() + payload.size() + msg_suffix.size() &&
        array.starts_with(msg_prefix) && array.ends_with(msg_suffix)) {
      seq = payload.check(array.substr(msg_prefix.size(), payload.size()));
    }
    if (seq < 0 || static_cast<std::uint64_t>(seq) >= total) {
      ++s.altered;
      return;
    }
    const auto n = static_cast<std::uint64_t>(seq);
    std::uint64_t& word = s.seen[n / 64];
    const std::uint64_t bit = std::uint64_t{1} << (n % 64);
    if (word & bit) {
      ++s.duplicates;
      return;
    }
    word |= bit;
    if (n != s.next) ++s.reordered;
    if (n >= s.next) s.next = n + 1;
    if (++s.received == target) ++complete;
  }

  void send_next() {
    if (sent >= target) return;
    std::string array = "[\"bcast\",\"";
    array.append(room).append("\",\"").append(payload.make(sent)).append("\"]");
    ++sent;
    driver[0].emit_with_ack(array);
  }

  // Sends broadcasts up to `phase_target`, keeping `in_flight` outstanding, and runs until all
  // are acked and every member has them.
  bool run_phase(std::uint64_t phase_target, std::size_t in_flight) {
    target = phase_target;
    complete = 0;
    for (const auto& s : state) {
      if (s.received >= target) ++complete;
    }
    for (std::size_t i = 0; i < in_flight; ++i)
      send_next();
    return ctx.lp.run_until(
        [&] {
          return (acked == target && complete == state.size()) || members.dropped() > 0 ||
                 driver.dropped() > 0;
        },
        ctx.deadline);
  }
};

}  // namespace

bool run_fanout(run_context& ctx, json_writer& out) {
  const options& o = ctx.opts;
  fanout_run run(ctx);
  out.field("transport", o.transport);
  out.field("clients", o.clients);
  out.field("broadcasts", o.broadcasts);
  out.field("warmup", o.warmup);
  out.field("inFlight", o.in_flight);
  out.field("payloadBytes", o.payload_bytes);

  std::string error;
  if (!run.members.connect_all(o.connect_in_flight, ctx.deadline, error) ||
      !run.driver.connect_all(1, ctx.deadline, error)) {
    out.field("error", "connect: " + error);
    return false;
  }
  const std::string join = "[\"join\",\"" + std::string(room) + "\"]";
  for (std::size_t i = 0; i < run.members.size(); ++i)
    run.members[i].emit_with_ack(join);
  if (!ctx.lp.run_until([&] { return run.joined == o.clients; }, ctx.deadline)) {
    out.field("error", std::to_string(run.joined) + " of " + std::to_string(o.clients) +
                           " members joined before the deadline");
    return false;
  }

  // Warm-up: not measured (first-use allocations, Node's JIT).
  if (!run.run_phase(o.warmup, o.in_flight)) {
    out.field("error", "warm-up did not complete before the deadline");
    return false;
  }
  const cpu_sample s0 = o.server_pid ? read_cpu(o.server_pid) : cpu_sample{};
  const own_cpu g0 = read_own_cpu();
  const bool finished = run.run_phase(run.total, o.in_flight);
  const cpu_sample s1 = o.server_pid ? read_cpu(o.server_pid) : cpu_sample{};
  const own_cpu g1 = read_own_cpu();
  // Anything late or duplicated arrives in the grace period.
  ctx.lp.run_for(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                     std::chrono::duration<double>(o.grace_seconds)),
                 ctx.deadline);

  std::uint64_t delivered = 0, lost = 0, duplicates = 0, reordered = 0, altered = 0;
  std::uint64_t min_count = UINT64_MAX, max_count = 0, extra = 0;
  std::size_t wrong_members = 0;
  for (const auto& s : run.state) {
    std::uint64_t seen = 0;
    for (const auto w : s.seen)
      seen += static_cast<std::uint64_t>(__builtin_popcountll(w));
    lost += run.total - seen;
    duplicates += s.duplicates;
    reordered += s.reordered;
    altered += s.altered;
    min_count = std::min(min_count, s.received);
    max_count = std::max(max_count, s.received);
    delivered += s.received;
    if (s.received > run.total) extra += s.received - run.total;
    if (s.received != run.total || s.duplicates || s.reordered || s.altered || s.joined != 1) {
      ++wrong_members;
    }
  }
  const std::uint64_t measured = static_cast<std::uint64_t>(o.clients) * o.broadcasts;
  out.field("expectedPerMember", run.total);
  out.field("minPerMember", min_count);
  out.field("maxPerMember", max_count);
  out.field("membersChecked", run.state.size());
  out.field("membersWrong", wrong_members);
  out.field("deliveredMeasured", measured);
  out.field("deliveredTotal", delivered);
  out.field("lost", lost);
  out.field("duplicates", duplicates);
  out.field("reordered", reordered);
  out.field("altered", altered);
  out.field("extra", extra);
  out.field("acked", run.acked);
  out.field("badAcks", run.bad_acks);
  out.field("unexpectedEvents", run.members.unexpected_events() + run.driver.unexpected_events());
  out.field("dropped", run.members.dropped() + run.driver.dropped());
  if (o.server_pid) {
    write_cpu_delta(out, s0, s1);
    const double hz = static_cast<double>(clock_ticks_per_second());
    out.field("usPerDelivery", sched_seconds(s0, s1) * 1e6 / static_cast<double>(measured));
    out.field("userUsPerDelivery", static_cast<double>(s1.utime_ticks - s0.utime_ticks) / hz * 1e6 /
                                       static_cast<double>(measured));
    out.field("systemUsPerDelivery", static_cast<double>(s1.stime_ticks - s0.stime_ticks) / hz *
                                         1e6 / static_cast<double>(measured));
    write_limit(out, s0, s1, g0, g1);
  }
  write_own_delta(out, g0, g1);
  const double wall = std::chrono::duration<double>(g1.at - g0.at).count();
  out.field("deliveriesPerSecond", static_cast<double>(measured) / wall);
  out.field("broadcastsPerSecond", static_cast<double>(o.broadcasts) / wall);

  std::string why;
  if (!finished) why = "measured phase did not complete before the deadline; ";
  if (run.members.dropped() || run.driver.dropped()) {
    why += "connections dropped (" + run.members.first_error() + run.driver.first_error() + "); ";
  }
  if (lost) why += std::to_string(lost) + " deliveries lost; ";
  if (duplicates) why += std::to_string(duplicates) + " duplicates; ";
  if (reordered) why += std::to_string(reordered) + " reordered; ";
  if (altered) why += std::to_string(altered) + " altered or malformed; ";
  if (run.bad_acks) why += std::to_string(run.bad_acks) + " bad acks; ";
  if (run.acked != run.total) why += "acked " + std::to_string(run.acked) + " broadcasts; ";
  if (run.members.unexpected_events() + run.driver.unexpected_events())
    why += "unexpected events; ";
  if (!why.empty()) {
    out.field("error", why);
    return false;
  }
  return true;
}

}  // namespace loadgen
