// Command-line options of socketio-loadgen (see usage() in options.cpp for their meaning).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace loadgen {

struct options {
  std::string scenario;                 // fanout | echo | idle | idle-pings | soak
  std::string transport = "websocket";  // fanout members: websocket | polling
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  int server_pid = 0;                   // read /proc/PID around the measured phase (fanout, echo)
  std::size_t clients = 0;              // 0: the scenario's default
  std::size_t broadcasts = 500;         // fanout: K measured broadcasts
  std::size_t in_flight = 0;            // fanout: broadcasts in flight (0: 32, or 8 over polling)
  std::size_t payload_bytes = 100;      // fanout: payload length
  std::size_t rounds = 1000;            // echo: measured round trips per client
  std::size_t warmup = 20;              // fanout: broadcasts; echo: round trips per client
  std::size_t connect_in_flight = 200;  // handshakes in flight while connecting
  std::size_t warmup_connections = 50;  // idle: opened and closed before "ready"
  std::string source_first = "127.0.0.2";
  unsigned source_count = 32;
  double deadline_seconds = 120;     // the whole run
  double grace_seconds = 0.3;        // fanout: wait for extra messages after the last one
  double window_seconds = 10;        // idle-pings: measured window
  unsigned ping_interval_ms = 1000;  // idle-pings: the server's, to check the count per client
  std::size_t liveness = 20;         // idle: clients that echo at the end
  bool tls = false;                  // WebSocket over TLS (no certificate check)
  // soak
  double duration_seconds = 60;       // the steady phase
  double echo_interval_seconds = 10;  // per client, on average
  double broadcasts_per_second = 20;  // in all
  double churn_per_second = 15;       // clients replaced gracefully
  double resets_per_second = 0.2;     // clients that vanish with a TCP reset
  double stalls_per_second = 0.2;     // clients that stop reading
  std::size_t room_size = 50;         // clients per room
  std::string room_prefix = "soak";   // rooms are PREFIX-0, PREFIX-1, ...
  unsigned ping_timeout_ms = 5000;    // the server's (how long a stalled client is watched)
};

// Parses argv; on error returns false with `error` set.
bool parse_options(int argc, char** argv, options& o, std::string& error);
const char* usage();

}  // namespace loadgen
