#include "run_context.hpp"

#include <unistd.h>

#include <boost/asio/read_until.hpp>

#include <cstdio>
#include <istream>

namespace loadgen {

run_context::run_context(const options& o, loop& l)
    : opts(o),
      lp(l),
      deadline(std::chrono::steady_clock::now() +
               std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                   std::chrono::duration<double>(o.deadline_seconds))),
      stdin_(l.io(), ::dup(0)) {}

void run_context::emit(const json_writer& line) {
  const std::string text = line.line();
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

std::optional<std::string> run_context::wait_line() {
  bool done = false;
  bool failed = false;
  boost::asio::async_read_until(stdin_, stdin_buffer_, '\n',
                                [&](const boost::system::error_code& ec, std::size_t) {
                                  done = true;
                                  failed = static_cast<bool>(ec);
                                });
  if (!lp.run_until([&] { return done; }, deadline)) {
    stdin_.cancel();
    lp.run_until([&] { return done; }, std::chrono::steady_clock::now() + std::chrono::seconds(1));
    return std::nullopt;
  }
  if (failed) return std::nullopt;
  std::istream in(&stdin_buffer_);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace loadgen
