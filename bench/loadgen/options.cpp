#include "options.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace loadgen {

const char* usage() {
  return R"(usage: socketio-loadgen SCENARIO --port P [options]
Scenarios (Socket.IO v5 over Engine.IO v4 against the fixture contract, docs/FIXTURE.md):
  fanout      C members join "bench-room"; a driver keeps F "bcast" in flight until K are
              acked; every member checks every "msg" (sequence number + filler)
  echo        C clients each keep one acked "echo" in flight for R round trips; latency
  idle        open N connections, wait (stdin "go" lines pace the phases), then prove liveness
  idle-pings  idle plus a measured window in which every client must answer every ping
  soak        C clients in rooms for --duration seconds with echoes, broadcasts, churn and a
              few injected faults (resets, stalled readers); every message and ack checked
Options:
  --port P                server port on --host (127.0.0.1)
  --server-pid PID        read the server's CPU from /proc right before and after the
                          measured phase (fanout, echo)
  --clients N             fanout 1000 (polling 200), echo 100, idle 1000
  --transport T           fanout members: websocket | polling
  --broadcasts K          fanout measured broadcasts (500)
  --in-flight F           fanout broadcasts in flight (32; polling 8)
  --payload-bytes B       fanout payload length, at least 16 (100)
  --rounds R              echo measured round trips per client (1000)
  --warmup W              fanout broadcasts / echo round trips per client before measuring (20)
  --connect-in-flight H   handshakes in flight (200)
  --warmup-connections N  idle: connections opened and closed first (50)
  --source-first A        first loopback source address (127.0.0.2)
  --source-count N        source addresses used round robin (32)
  --deadline S            whole run, seconds (120); exceeding it fails the run
  --grace S               fanout: seconds to wait for extra messages (0.3)
  --window S              idle-pings: measured window, seconds (10)
  --ping-interval-ms MS   idle-pings: the server's ping interval (1000)
  --liveness N            idle: clients that echo at the end (20)
  --tls                   WebSocket over TLS (wss), no certificate check (not with polling)
Soak options:
  --duration S                steady phase, seconds (60)
  --echo-interval S           one echo per client every S seconds on average (10)
  --broadcasts-per-second B   bcast to the sender's room, in all (20)
  --churn-per-second R        clients that leave, disconnect and are replaced (15)
  --resets-per-second R       clients that vanish with a TCP reset (0.2)
  --stalls-per-second R       clients that stop reading with the connection open (0.2)
  --room-size M               clients per room (50)
  --room-prefix P             room names P-0, P-1, ... (soak); one per generator process
  --ping-interval-ms MS, --ping-timeout-ms MS   the server's (1000, 5000): a stalled
                              connection must be closed by the server within their sum + 5 s
Output: one JSON object per line on stdout ("event": "ready", "connected", "window", "done");
exit status 0 when every check passed, 1 when one failed (the last line says why), 2 on usage.
)";
}

namespace {

template <typename T>
bool parse_number(std::string_view s, T& out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && ptr == s.data() + s.size();
}

bool parse_seconds(std::string_view s, double& out) {
  char* end = nullptr;
  const std::string copy(s);
  out = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size() && out >= 0 && out < 1e6;
}

}  // namespace

bool parse_options(int argc, char** argv, options& o, std::string& error) {
  int i = 1;
  if (argc > 1 && argv[1][0] != '-') o.scenario = argv[i++];
  for (; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--tls") {
      o.tls = true;
      continue;
    }
    if (i + 1 >= argc) {
      error = std::string(a) + " needs a value";
      return false;
    }
    const std::string_view v = argv[++i];
    bool ok = true;
    if (a == "--scenario")
      o.scenario = v;
    else if (a == "--transport")
      o.transport = v;
    else if (a == "--host")
      o.host = v;
    else if (a == "--port")
      ok = parse_number(v, o.port);
    else if (a == "--server-pid")
      ok = parse_number(v, o.server_pid);
    else if (a == "--clients")
      ok = parse_number(v, o.clients);
    else if (a == "--broadcasts")
      ok = parse_number(v, o.broadcasts);
    else if (a == "--in-flight")
      ok = parse_number(v, o.in_flight);
    else if (a == "--payload-bytes")
      ok = parse_number(v, o.payload_bytes);
    else if (a == "--rounds")
      ok = parse_number(v, o.rounds);
    else if (a == "--warmup")
      ok = parse_number(v, o.warmup);
    else if (a == "--connect-in-flight")
      ok = parse_number(v, o.connect_in_flight);
    else if (a == "--warmup-connections")
      ok = parse_number(v, o.warmup_connections);
    else if (a == "--source-first")
      o.source_first = v;
    else if (a == "--source-count")
      ok = parse_number(v, o.source_count);
    else if (a == "--deadline")
      ok = parse_seconds(v, o.deadline_seconds);
    else if (a == "--grace")
      ok = parse_seconds(v, o.grace_seconds);
    else if (a == "--window")
      ok = parse_seconds(v, o.window_seconds);
    else if (a == "--ping-interval-ms")
      ok = parse_number(v, o.ping_interval_ms);
    else if (a == "--liveness")
      ok = parse_number(v, o.liveness);
    else if (a == "--duration")
      ok = parse_seconds(v, o.duration_seconds);
    else if (a == "--echo-interval")
      ok = parse_seconds(v, o.echo_interval_seconds) && o.echo_interval_seconds > 0;
    else if (a == "--broadcasts-per-second")
      ok = parse_seconds(v, o.broadcasts_per_second);
    else if (a == "--churn-per-second")
      ok = parse_seconds(v, o.churn_per_second);
    else if (a == "--resets-per-second")
      ok = parse_seconds(v, o.resets_per_second);
    else if (a == "--stalls-per-second")
      ok = parse_seconds(v, o.stalls_per_second);
    else if (a == "--room-size")
      ok = parse_number(v, o.room_size) && o.room_size > 0;
    else if (a == "--room-prefix")
      o.room_prefix = v;
    else if (a == "--ping-timeout-ms")
      ok = parse_number(v, o.ping_timeout_ms);
    else {
      error = "unknown option " + std::string(a);
      return false;
    }
    if (!ok) {
      error = "bad value for " + std::string(a) + ": " + std::string(v);
      return false;
    }
  }
  if (o.scenario != "fanout" && o.scenario != "echo" && o.scenario != "idle" &&
      o.scenario != "idle-pings" && o.scenario != "soak") {
    error = "scenario must be fanout, echo, idle, idle-pings or soak";
    return false;
  }
  if (o.transport != "websocket" && o.transport != "polling") {
    error = "--transport must be websocket or polling";
    return false;
  }
  if (o.port == 0) {
    error = "--port is required";
    return false;
  }
  if (o.payload_bytes < 16) {
    error = "--payload-bytes must be at least 16 (a 10-digit sequence number and filler)";
    return false;
  }
  const bool polling = o.transport == "polling";
  if (o.tls && polling) {
    error = "--tls is for WebSocket connections only";
    return false;
  }
  if (o.clients == 0) {
    o.clients = o.scenario == "fanout" ? (polling ? 200 : 1000) : o.scenario == "echo" ? 100 : 1000;
  }
  if (o.in_flight == 0) o.in_flight = polling ? 8 : 32;
  if (o.connect_in_flight == 0) o.connect_in_flight = 1;
  if (o.source_count == 0) o.source_count = 1;
  return true;
}

}  // namespace loadgen
