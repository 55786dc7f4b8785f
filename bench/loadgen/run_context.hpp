// What a scenario gets: the options, the loop, the run's deadline, the phase lines on stdout,
// and the harness's "go" lines on stdin (idle scenarios wait for them so that the harness can
// read the server's memory between phases).
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/streambuf.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "json_writer.hpp"
#include "loop.hpp"
#include "options.hpp"

namespace loadgen {

struct run_context {
  run_context(const options& o, loop& l);

  // Prints one line and flushes it (the harness reads line by line).
  void emit(const json_writer& line);
  // Waits for the next stdin line while the loop keeps running the connections; empty when
  // stdin closed or the deadline passed.
  std::optional<std::string> wait_line();

  const options& opts;
  loop& lp;
  std::chrono::steady_clock::time_point deadline;

 private:
  boost::asio::posix::stream_descriptor stdin_;
  boost::asio::streambuf stdin_buffer_;
};

// The scenarios: each fills `result` (ok, error, measurements) and returns ok.
bool run_fanout(run_context& ctx, json_writer& result);
bool run_echo(run_context& ctx, json_writer& result);
bool run_idle(run_context& ctx, json_writer& result);
bool run_soak(run_context& ctx, json_writer& result);

}  // namespace loadgen
