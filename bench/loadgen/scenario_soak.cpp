// soak: N WebSocket clients kept connected for a long time with steady traffic, churn and a
// few injected faults; every message must arrive and every request must be answered.
//
//   connect   N clients (slot i joins room i % rooms), then "connected" on stdout
//   run       for --duration seconds, every 100 ms:
//               echoes      each client one "echo" every --echo-interval seconds on average
//               broadcasts  --broadcasts-per-second "bcast" to the sender's own room
//               churn       --churn-per-second clients leave their room, disconnect (Socket.IO
//                           DISCONNECT, WebSocket close) and are replaced by a new client
//               faults      --resets-per-second clients vanish with a TCP reset, and
//                           --stalls-per-second stop reading (no pong, nothing read); both are
//                           replaced at once. A stalled connection is looked at again after the
//                           server's ping interval + ping timeout + 5 s: the server must have
//                           closed it by then (heartbeat timeout)
//             a "tick" line every second (counts so far) for the harness's time series
//   finish    no new traffic; every client leaves, disconnects and is checked; "done"
//
// Delivery check without clocks: one logical counter stamps, in the order the generator saw
// them, each join ack, each broadcast's send and ack, and each leave request. A member must
// have every broadcast to its room sent after its join was acked and acked before it asked to
// leave (the server handled the join before, and the leave after, such a broadcast; what the
// server queues to a connection before the leave ack arrives before it); it may have the others
// in between; it must not have one acked before it asked to join, nor any broadcast twice.
// Faulty clients are left out of the check (what the server did with their requests is not
// known), and so are their broadcasts that were never acked.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "fanout_payload.hpp"
#include "proc_stats.hpp"
#include "run_context.hpp"
#include "scenario_util.hpp"
#include "ws_client.hpp"

namespace loadgen {

namespace {

using clock_type = std::chrono::steady_clock;
constexpr std::uint64_t no_ack = UINT64_MAX;
constexpr auto tick_period = std::chrono::milliseconds(100);
constexpr int ticks_per_report = 10;
constexpr auto close_handshake_limit = std::chrono::seconds(5);
constexpr std::string_view msg_prefix = "[\"msg\",\"";
constexpr std::string_view msg_suffix = "\"]";
constexpr std::size_t kept_reasons = 8;

enum class phase { waiting, connecting, joining, active, leaving, closing, stalled, done };

// Every way the run can go wrong, each counted on its own; none is expected.
struct error_counts {
  std::uint64_t connect_failed = 0;         // closed before the Socket.IO CONNECT
  std::uint64_t dropped = 0;                // closed by the server while in use
  std::uint64_t echo_mismatch = 0;          // an echo ack with other bytes or another id
  std::uint64_t echo_unanswered = 0;        // no echo ack before the leave ack
  std::uint64_t bcast_bad_ack = 0;          // a bcast ack that was not []
  std::uint64_t bcast_unacked = 0;          // no bcast ack before the leave ack
  std::uint64_t control_bad_ack = 0;        // a join/leave ack that was not []
  std::uint64_t lost_deliveries = 0;        // a broadcast a member had to get and did not
  std::uint64_t duplicate_deliveries = 0;   // the same broadcast twice
  std::uint64_t unexpected_deliveries = 0;  // acked before the member asked to join, or late
  std::uint64_t altered_messages = 0;       // a "msg" that is no broadcast of the member's room
  std::uint64_t unexpected_events = 0;      // any other event
  std::uint64_t unexpected_acks = 0;        // an ack id that was not in flight
  std::uint64_t close_timeouts = 0;         // no close from the server 5 s after disconnecting
  std::uint64_t stalls_not_closed = 0;      // a stalled connection the server kept open

  std::uint64_t total() const {
    return connect_failed + dropped + echo_mismatch + echo_unanswered + bcast_bad_ack +
           bcast_unacked + control_bad_ack + lost_deliveries + duplicate_deliveries +
           unexpected_deliveries + altered_messages + unexpected_events + unexpected_acks +
           close_timeouts + stalls_not_closed;
  }
  void write(json_writer& out) const {
    out.begin_object("errors");
    out.field("connectFailed", connect_failed);
    out.field("dropped", dropped);
    out.field("echoMismatch", echo_mismatch);
    out.field("echoUnanswered", echo_unanswered);
    out.field("bcastBadAck", bcast_bad_ack);
    out.field("bcastUnacked", bcast_unacked);
    out.field("controlBadAck", control_bad_ack);
    out.field("lostDeliveries", lost_deliveries);
    out.field("duplicateDeliveries", duplicate_deliveries);
    out.field("unexpectedDeliveries", unexpected_deliveries);
    out.field("alteredMessages", altered_messages);
    out.field("unexpectedEvents", unexpected_events);
    out.field("unexpectedAcks", unexpected_acks);
    out.field("closeTimeouts", close_timeouts);
    out.field("stallsNotClosed", stalls_not_closed);
    out.end_object();
  }
};

// What happened, on purpose or as it should.
struct activity_counts {
  std::uint64_t joined = 0;         // clients connected and in their room
  std::uint64_t graceful = 0;       // left, disconnected, and the server closed
  std::uint64_t resets = 0;         // injected
  std::uint64_t stalls = 0;         // injected
  std::uint64_t stalls_closed = 0;  // stalled connections the server closed (heartbeat timeout)
  std::uint64_t echoes_sent = 0;
  std::uint64_t echoes_acked = 0;
  std::uint64_t bcasts_sent = 0;
  std::uint64_t bcasts_acked = 0;
  std::uint64_t deliveries = 0;       // "msg" received
  std::uint64_t required = 0;         // deliveries the checks required
  std::uint64_t checked_members = 0;  // members whose deliveries were checked
  std::uint64_t pings = 0;            // answered by clients that are gone
  std::uint64_t skipped = 0;          // traffic not sent: no eligible client at that moment
};

struct soak_run;

// One client in one slot, from its connection to its end.
struct member final : sio_sink {
  member(soak_run& r, std::size_t s, std::size_t rm);

  void on_connected(sio_client&) override;
  void on_event(sio_client&, std::string_view array) override;
  void on_ack(sio_client&, std::uint64_t id, std::string_view array) override;
  void on_closed(sio_client&, std::string_view why) override;

  soak_run& run;
  std::size_t slot;
  std::size_t room;
  std::unique_ptr<ws_client> client;
  phase ph = phase::waiting;
  std::uint64_t join_id = no_ack, leave_id = no_ack, echo_id = no_ack, bcast_id = no_ack;
  std::uint64_t join_sent_at = 0, join_acked_at = 0, leave_sent_at = 0;
  std::uint32_t bcast_id_global = 0;  // the broadcast id of the bcast in flight
  std::uint64_t echo_round = 0;
  std::string echo_expected;
  clock_type::time_point echo_sent;
  clock_type::time_point until;  // closing: the close handshake's limit; stalled: when to look
  clock_type::time_point stalled_at;
  bool close_seen = false;         // stalled: the server's close was seen (TCP state)
  std::vector<std::uint32_t> got;  // broadcast ids received
  int ticks_done = 0;              // ticks since it was done (deleted after a second)
};

struct soak_run {
  run_context& ctx;
  const options& o;
  const fanout_payload payload;
  const std::size_t rooms;
  const clock_type::duration stall_hold;
  std::vector<std::string> room_names;
  std::vector<std::unique_ptr<member>> slots;
  std::vector<std::unique_ptr<member>> retiring;  // closing or stalled
  std::deque<std::size_t> to_start;
  // The broadcast log, by broadcast id: its room and the logical stamps of its send and ack.
  std::vector<std::uint32_t> bcast_room;
  std::vector<std::uint64_t> bcast_sent_at;
  std::vector<std::uint64_t> bcast_acked_at;
  std::uint64_t stamp = 0;
  std::size_t connecting = 0;  // started, no CONNECT yet
  bool stopping = false;
  error_counts errors;
  activity_counts done;
  std::vector<std::string> reasons;  // the first few error reasons
  std::vector<std::uint32_t> echo_latency_us;
  // Stalled connections: seconds from the stall to the server's close, seen every tick.
  std::vector<double> stall_close_seconds;
  std::uint32_t tick_max_latency_us = 0;
  std::size_t echo_cursor = 0, bcast_cursor = 0;
  double echo_budget = 0, bcast_budget = 0, churn_budget = 0, reset_budget = 0, stall_budget = 0;

  explicit soak_run(run_context& c)
      : ctx(c),
        o(c.opts),
        payload(c.opts.payload_bytes),
        rooms(std::max<std::size_t>(1, (c.opts.clients + c.opts.room_size - 1) / c.opts.room_size)),
        stall_hold(std::chrono::milliseconds(c.opts.ping_interval_ms + c.opts.ping_timeout_ms) +
                   std::chrono::seconds(5)) {
    for (std::size_t r = 0; r < rooms; ++r)
      room_names.push_back(o.room_prefix + "-" + std::to_string(r));
    slots.resize(o.clients);
    for (std::size_t i = 0; i < o.clients; ++i)
      replace(i);
    echo_cursor = 0;
    bcast_cursor = o.clients / 2;
  }

  void note(std::string why) {
    if (reasons.size() < kept_reasons) reasons.push_back(std::move(why));
  }

  // A new client for `slot`, queued to connect. The old one, if any, must have been moved out.
  void replace(std::size_t slot) {
    if (stopping) {
      slots[slot].reset();
      return;
    }
    slots[slot] = std::make_unique<member>(*this, slot, slot % rooms);
    to_start.push_back(slot);
  }

  // Starts queued clients while fewer than --connect-in-flight handshakes are in flight.
  void pump() {
    std::size_t started = 0;
    while (connecting < o.connect_in_flight && !to_start.empty() && started < o.connect_in_flight) {
      const std::size_t slot = to_start.front();
      to_start.pop_front();
      member* m = slots[slot].get();
      if (m == nullptr || m->ph != phase::waiting) continue;
      m->ph = phase::connecting;
      ++connecting;
      ++started;
      m->client->start();
    }
  }

  // Moves the slot's member to the retiring list and puts a new client in the slot.
  member& retire(member& m) {
    auto owned = std::move(slots[m.slot]);
    retiring.push_back(std::move(owned));
    done.pings += m.client->pings();
    replace(m.slot);
    return *retiring.back();
  }

  // --- callbacks ----------------------------------------------------------------------------

  void on_connected(member& m) {
    --connecting;
    m.ph = phase::joining;
    m.join_sent_at = ++stamp;
    m.join_id = m.client->emit_with_ack("[\"join\",\"" + room_names[m.room] + "\"]");
    pump();
  }

  void on_event(member& m, std::string_view array) {
    if (!array.starts_with(msg_prefix) || !array.ends_with(msg_suffix)) {
      ++errors.unexpected_events;
      note("unexpected event " + std::string(array.substr(0, 40)));
      return;
    }
    ++done.deliveries;
    const auto text =
        array.substr(msg_prefix.size(), array.size() - msg_prefix.size() - msg_suffix.size());
    const std::int64_t id = payload.check(text);
    if (id < 0 || static_cast<std::uint64_t>(id) >= bcast_room.size() ||
        bcast_room[static_cast<std::size_t>(id)] != m.room) {
      ++errors.altered_messages;
      note("altered message " + std::string(array.substr(0, 40)));
      return;
    }
    if (m.ph != phase::joining && m.ph != phase::active && m.ph != phase::leaving) {
      ++errors.unexpected_deliveries;
      note("a message after the leave ack");
      return;
    }
    m.got.push_back(static_cast<std::uint32_t>(id));
  }

  void on_ack(member& m, std::uint64_t id, std::string_view array) {
    if (id == m.echo_id) {
      const auto us =
          std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - m.echo_sent)
              .count();
      const auto v = static_cast<std::uint32_t>(std::min<long long>(us, UINT32_MAX));
      echo_latency_us.push_back(v);
      tick_max_latency_us = std::max(tick_max_latency_us, v);
      if (array != m.echo_expected) {
        ++errors.echo_mismatch;
        note("echo ack " + std::string(array.substr(0, 40)));
      }
      ++done.echoes_acked;
      m.echo_id = no_ack;
    } else if (id == m.bcast_id) {
      if (array != "[]") ++errors.bcast_bad_ack;
      ++done.bcasts_acked;
      bcast_acked_at[m.bcast_id_global] = ++stamp;
      m.bcast_id = no_ack;
    } else if (id == m.join_id) {
      if (array != "[]") ++errors.control_bad_ack;
      m.join_id = no_ack;
      m.join_acked_at = ++stamp;
      m.ph = phase::active;
      ++done.joined;
      // Clients that finish joining after the end was called leave at once.
      if (stopping) leave(m);
    } else if (id == m.leave_id) {
      if (array != "[]") ++errors.control_bad_ack;
      m.leave_id = no_ack;
      on_left(m);
    } else {
      ++errors.unexpected_acks;
      note("ack id " + std::to_string(id) + " not in flight");
    }
  }

  void on_closed(member& m, std::string_view why) {
    switch (m.ph) {
      case phase::closing:
        ++done.graceful;
        m.ph = phase::done;
        return;
      case phase::connecting:
        --connecting;
        ++errors.connect_failed;
        note("connect: " + std::string(why));
        break;
      case phase::joining:
      case phase::active:
      case phase::leaving:
        ++errors.dropped;
        note("dropped: " + std::string(why));
        break;
      default:
        return;
    }
    m.ph = phase::done;
    if (slots[m.slot].get() == &m) retire(m);
  }

  // --- what the clients do ------------------------------------------------------------------

  void send_echo(member& m) {
    m.echo_expected =
        "[\"e\"," + std::to_string(m.slot) + "," + std::to_string(m.echo_round++) + "]";
    std::string array = "[\"echo\",";
    array.append(m.echo_expected, 1, std::string::npos);
    m.echo_sent = clock_type::now();
    m.echo_id = m.client->emit_with_ack(array);
    ++done.echoes_sent;
  }

  void send_bcast(member& m) {
    const auto id = static_cast<std::uint32_t>(bcast_room.size());
    bcast_room.push_back(static_cast<std::uint32_t>(m.room));
    bcast_sent_at.push_back(++stamp);
    bcast_acked_at.push_back(0);
    m.bcast_id_global = id;
    m.bcast_id = m.client->emit_with_ack("[\"bcast\",\"" + room_names[m.room] + "\",\"" +
                                         payload.make(id) + "\"]");
    ++done.bcasts_sent;
  }

  void leave(member& m) {
    m.ph = phase::leaving;
    m.leave_sent_at = ++stamp;
    m.leave_id = m.client->emit_with_ack("[\"leave\",\"" + room_names[m.room] + "\"]");
  }

  // The leave ack: every reply this member was owed has arrived before it, and so has every
  // broadcast the server handled before the leave. Check, then disconnect.
  void on_left(member& m) {
    if (m.echo_id != no_ack) {
      ++errors.echo_unanswered;
      note("echo unanswered at the leave ack");
    }
    if (m.bcast_id != no_ack) {
      ++errors.bcast_unacked;
      note("bcast unacked at the leave ack");
    }
    check_deliveries(m);
    member& r = retire(m);
    r.ph = phase::closing;
    r.until = clock_type::now() + close_handshake_limit;
    r.client->disconnect();
  }

  void check_deliveries(member& m) {
    ++done.checked_members;
    std::sort(m.got.begin(), m.got.end());
    std::uint64_t got_required = 0;
    for (std::size_t i = 0; i < m.got.size(); ++i) {
      const std::uint32_t id = m.got[i];
      if (i > 0 && m.got[i - 1] == id) {
        ++errors.duplicate_deliveries;
        note("broadcast " + std::to_string(id) + " twice");
        continue;
      }
      if (bcast_acked_at[id] != 0 && bcast_acked_at[id] < m.join_sent_at) {
        ++errors.unexpected_deliveries;
        note("broadcast " + std::to_string(id) + " acked before the join was sent");
      }
      if (required(m, id)) ++got_required;
    }
    // Broadcasts sent after the join ack: the stamps grow with the id.
    const auto first = static_cast<std::size_t>(
        std::upper_bound(bcast_sent_at.begin(), bcast_sent_at.end(), m.join_acked_at) -
        bcast_sent_at.begin());
    std::uint64_t required_count = 0;
    for (std::size_t id = first; id < bcast_room.size(); ++id) {
      if (required(m, static_cast<std::uint32_t>(id))) ++required_count;
    }
    done.required += required_count;
    if (got_required < required_count) {
      errors.lost_deliveries += required_count - got_required;
      note("member in room " + std::to_string(m.room) + " missed " +
           std::to_string(required_count - got_required) + " of " + std::to_string(required_count) +
           " broadcasts");
    }
    m.got.clear();
    m.got.shrink_to_fit();
  }

  bool required(const member& m, std::uint32_t id) const {
    return bcast_room[id] == m.room && bcast_sent_at[id] > m.join_acked_at &&
           bcast_acked_at[id] != 0 && bcast_acked_at[id] < m.leave_sent_at;
  }

  // --- the 100 ms tick ------------------------------------------------------------------------

  // The next active member from `cursor` on that `ok` accepts, scanning each slot at most once.
  template <typename Ok>
  member* next_active(std::size_t& cursor, Ok ok) {
    for (std::size_t n = 0; n < slots.size(); ++n) {
      member* m = slots[cursor].get();
      cursor = (cursor + 1) % slots.size();
      if (m != nullptr && m->ph == phase::active && ok(*m)) return m;
    }
    return nullptr;
  }

  // A random active member, or none after a few tries (most are active in steady state).
  member* random_active() {
    for (int tries = 0; tries < 16; ++tries) {
      member* m = slots[ctx.lp.random32() % slots.size()].get();
      if (m != nullptr && m->ph == phase::active && m->join_id == no_ack) return m;
    }
    return nullptr;
  }

  void traffic(double seconds) {
    echo_budget += static_cast<double>(o.clients) / o.echo_interval_seconds * seconds;
    bcast_budget += o.broadcasts_per_second * seconds;
    churn_budget += o.churn_per_second * seconds;
    reset_budget += o.resets_per_second * seconds;
    stall_budget += o.stalls_per_second * seconds;
    for (; echo_budget >= 1; echo_budget -= 1) {
      member* m = next_active(echo_cursor, [](const member& x) { return x.echo_id == no_ack; });
      if (m == nullptr) {
        ++done.skipped;
        continue;
      }
      send_echo(*m);
    }
    for (; bcast_budget >= 1; bcast_budget -= 1) {
      member* m = next_active(bcast_cursor, [](const member& x) { return x.bcast_id == no_ack; });
      if (m == nullptr) {
        ++done.skipped;
        continue;
      }
      send_bcast(*m);
    }
    for (; churn_budget >= 1; churn_budget -= 1) {
      member* m = random_active();
      if (m == nullptr) {
        ++done.skipped;
        continue;
      }
      leave(*m);
    }
    for (; reset_budget >= 1; reset_budget -= 1) {
      member* m = random_active();
      if (m == nullptr) {
        ++done.skipped;
        continue;
      }
      ++done.resets;
      member& r = retire(*m);
      r.ph = phase::done;
      r.client->abort();
    }
    for (; stall_budget >= 1; stall_budget -= 1) {
      member* m = random_active();
      if (m == nullptr) {
        ++done.skipped;
        continue;
      }
      ++done.stalls;
      member& r = retire(*m);
      r.ph = phase::stalled;
      r.stalled_at = clock_type::now();
      r.until = r.stalled_at + stall_hold;
      r.client->stall();
    }
  }

  // Closing members whose close handshake is overdue, stalled ones whose time is up, and the
  // ones that are done. A closed socket's pending operations complete (aborted) on the loop
  // soon after the close, and a plain link's handlers still look at the link: a member is
  // deleted only a second after it was done, and never inside a client callback.
  void sweep() {
    const auto now = clock_type::now();
    for (auto& owned : retiring) {
      member& m = *owned;
      if (m.ph == phase::closing && now >= m.until) {
        ++errors.close_timeouts;
        note("no close from the server 5 s after disconnecting");
        m.ph = phase::done;
        m.client->abort();
      } else if (m.ph == phase::stalled && !m.close_seen && m.client->server_closed_unread()) {
        // Without reading: the client stays stalled until its time is up.
        m.close_seen = true;
        stall_close_seconds.push_back(std::chrono::duration<double>(now - m.stalled_at).count());
      }
      if (m.ph == phase::stalled && now >= m.until) {
        if (m.client->server_closed_after_stall()) {
          ++done.stalls_closed;
        } else {
          ++errors.stalls_not_closed;
          note("a stalled connection still open after the ping interval + timeout + 5 s");
        }
        m.ph = phase::done;
        m.client->abort();
      }
    }
    std::erase_if(retiring, [](const auto& m) {
      return m->ph == phase::done && m->ticks_done >= ticks_per_report;
    });
    for (auto& m : retiring) {
      if (m->ph == phase::done) ++m->ticks_done;
    }
  }

  struct census {
    std::size_t active = 0, starting = 0, leaving = 0, closing = 0, stalled = 0;
    std::uint64_t pings = 0;
  };
  census count() const {
    census c;
    for (const auto& m : slots) {
      if (!m) continue;
      c.pings += m->client->pings();
      switch (m->ph) {
        case phase::active:
          ++c.active;
          break;
        case phase::waiting:
        case phase::connecting:
        case phase::joining:
          ++c.starting;
          break;
        case phase::leaving:
          ++c.leaving;
          break;
        default:
          break;
      }
    }
    for (const auto& m : retiring) {
      if (m->ph == phase::closing) ++c.closing;
      if (m->ph == phase::stalled) ++c.stalled;
    }
    return c;
  }

  void report(const char* phase_name, double t) {
    const census c = count();
    json_writer line;
    line.field("event", "tick");
    line.field("phase", phase_name);
    line.field("t", t);
    line.field("active", c.active);
    line.field("starting", c.starting);
    line.field("leaving", c.leaving);
    line.field("closing", c.closing);
    line.field("stalled", c.stalled);
    line.field("joined", done.joined);
    line.field("graceful", done.graceful);
    line.field("resets", done.resets);
    line.field("stalls", done.stalls);
    line.field("stallsClosed", done.stalls_closed);
    line.field("echoes", done.echoes_acked);
    line.field("broadcasts", done.bcasts_acked);
    line.field("deliveries", done.deliveries);
    line.field("pings", done.pings + c.pings);
    line.field("echoMaxUs", tick_max_latency_us);
    line.field("errors", errors.total());
    tick_max_latency_us = 0;
    ctx.emit(line);
  }

  // Runs ticks until `finished()` or `end`; traffic only when `load` is set. False at the
  // run's deadline.
  template <typename Finished>
  bool run_ticks(const char* phase_name, clock_type::time_point start, clock_type::time_point end,
                 bool load, Finished finished) {
    auto next = clock_type::now() + tick_period;
    int tick = 0;
    while (!finished() && clock_type::now() < end) {
      if (!ctx.lp.run_until([&] { return clock_type::now() >= next; }, ctx.deadline)) return false;
      next += tick_period;
      if (load) traffic(std::chrono::duration<double>(tick_period).count());
      sweep();
      pump();
      if (++tick % ticks_per_report == 0)
        report(phase_name, std::chrono::duration<double>(clock_type::now() - start).count());
    }
    return true;
  }
};

member::member(soak_run& r, std::size_t s, std::size_t rm)
    : run(r), slot(s), room(rm), client(std::make_unique<ws_client>(r.ctx.lp, *this, s)) {}

void member::on_connected(sio_client&) {
  run.on_connected(*this);
}
void member::on_event(sio_client&, std::string_view array) {
  if (array.starts_with("[\"auth\"")) return;
  run.on_event(*this, array);
}
void member::on_ack(sio_client&, std::uint64_t id, std::string_view array) {
  run.on_ack(*this, id, array);
}
void member::on_closed(sio_client&, std::string_view why) {
  run.on_closed(*this, why);
}

void write_stall_closes(json_writer& out, std::vector<double>& s) {
  std::sort(s.begin(), s.end());
  out.begin_object("stallCloseSeconds");
  out.field("n", s.size());
  out.field("min", s.empty() ? NAN : s.front());
  out.field("p50", s.empty() ? NAN : s[s.size() / 2]);
  out.field("max", s.empty() ? NAN : s.back());
  out.end_object();
}

void write_latency(json_writer& out, std::vector<std::uint32_t>& lat) {
  std::sort(lat.begin(), lat.end());
  out.begin_object("echoLatencyMs");
  out.field("p50", percentile(lat, 50) / 1e3);
  out.field("p99", percentile(lat, 99) / 1e3);
  out.field("p999", percentile(lat, 99.9) / 1e3);
  out.field("max", lat.empty() ? NAN : lat.back() / 1e3);
  out.end_object();
}

}  // namespace

bool run_soak(run_context& ctx, json_writer& out) {
  const options& o = ctx.opts;
  soak_run run(ctx);
  out.field("clients", o.clients);
  out.field("rooms", run.rooms);
  out.field("durationSeconds", o.duration_seconds);

  // Connect everyone; no traffic until all are in their rooms.
  const auto t0 = clock_type::now();
  const bool connected = run.run_ticks("connect", t0, ctx.deadline, false, [&] {
    return run.count().active == o.clients || run.errors.connect_failed > 0;
  });
  const double connect_seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  {
    json_writer line;
    line.field("event", "connected");
    line.field("connected", run.count().active);
    line.field("connectSeconds", connect_seconds);
    ctx.emit(line);
  }
  out.field("connectSeconds", connect_seconds);
  if (!connected || run.count().active != o.clients) {
    run.errors.write(out);
    out.field("error", "connect: " + std::to_string(run.count().active) + " of " +
                           std::to_string(o.clients) + " in their rooms" +
                           (run.reasons.empty() ? "" : "; " + run.reasons.front()));
    return false;
  }

  // The steady phase.
  const own_cpu g0 = read_own_cpu();
  const auto start = clock_type::now();
  const auto end = start + std::chrono::duration_cast<clock_type::duration>(
                               std::chrono::duration<double>(o.duration_seconds));
  const bool ran = run.run_ticks("steady", start, end, true, [] { return false; });
  const own_cpu g1 = read_own_cpu();

  // The end: let what is in flight arrive, then everyone leaves and is checked.
  run.stopping = true;
  run.to_start.clear();
  const auto settle_end = clock_type::now() + std::chrono::seconds(10);
  run.run_ticks("end", start, settle_end, false, [&] {
    for (const auto& m : run.slots) {
      if (m && (m->echo_id != no_ack || m->bcast_id != no_ack)) return false;
    }
    return true;
  });
  for (auto& m : run.slots) {
    if (!m) continue;
    if (m->ph == phase::active) {
      run.leave(*m);
    } else if (m->ph == phase::waiting) {
      m.reset();
    }
  }
  const auto finish_end = clock_type::now() + run.stall_hold + std::chrono::seconds(10);
  const bool finished = run.run_ticks("end", start, finish_end, false, [&] {
    for (const auto& m : run.slots) {
      if (m) return false;
    }
    return run.retiring.empty();
  });

  const auto& d = run.done;
  out.field("joined", d.joined);
  out.field("graceful", d.graceful);
  out.field("resets", d.resets);
  out.field("stalls", d.stalls);
  out.field("stallsClosedByServer", d.stalls_closed);
  out.field("echoesSent", d.echoes_sent);
  out.field("echoesAcked", d.echoes_acked);
  out.field("broadcastsSent", d.bcasts_sent);
  out.field("broadcastsAcked", d.bcasts_acked);
  out.field("deliveries", d.deliveries);
  out.field("requiredDeliveries", d.required);
  out.field("checkedMembers", d.checked_members);
  out.field("pings", d.pings);
  out.field("skipped", d.skipped);
  write_latency(out, run.echo_latency_us);
  write_stall_closes(out, run.stall_close_seconds);
  run.errors.write(out);
  out.field("errorTotal", run.errors.total());
  write_own_delta(out, g0, g1);
  out.begin_object("reasons");
  for (std::size_t i = 0; i < run.reasons.size(); ++i)
    out.field(std::to_string(i), run.reasons[i]);
  out.end_object();

  std::string why;
  if (!ran) why += "the run's deadline passed during the steady phase; ";
  if (!finished) why += "not every client ended before the deadline; ";
  if (run.errors.total() > 0) why += std::to_string(run.errors.total()) + " errors; ";
  if (!why.empty()) {
    out.field("error", why);
    return false;
  }
  return true;
}

}  // namespace loadgen
