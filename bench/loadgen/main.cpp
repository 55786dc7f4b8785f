// socketio-loadgen: a single-threaded Socket.IO v5 / Engine.IO v4 load generator for the
// side-by-side benchmarks (bench/run.sh). See usage() in options.cpp.

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ssl/context.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "json_writer.hpp"
#include "loop.hpp"
#include "options.hpp"
#include "proc_stats.hpp"
#include "run_context.hpp"

int main(int argc, char** argv) {
  using namespace loadgen;
  options o;
  std::string error;
  if (!parse_options(argc, argv, o, error)) {
    std::fprintf(stderr, "socketio-loadgen: %s\n%s", error.c_str(), usage());
    return 2;
  }
  boost::system::error_code ec;
  const auto host = boost::asio::ip::make_address_v4(o.host, ec);
  const auto source = ec ? host : boost::asio::ip::make_address_v4(o.source_first, ec);
  if (ec) {
    std::fprintf(stderr, "socketio-loadgen: bad address: %s\n", ec.message().c_str());
    return 2;
  }
  // A write to a connection the server reset must be an error, not a signal.
  std::signal(SIGPIPE, SIG_IGN);

  loop lp(host, o.port, source, o.source_count);
  // The server is ours, on loopback, with a self-signed certificate: nothing to verify; the
  // point is what TLS costs the server.
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  if (o.tls) {
    tls.set_verify_mode(boost::asio::ssl::verify_none);
    // Idle connections then hold no TLS read/write buffers in the generator.
    SSL_CTX_set_mode(tls.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    lp.use_tls(tls);
  }
  run_context ctx(o, lp);
  json_writer result;
  result.field("event", "done");
  result.field("scenario", o.scenario);
  result.field("tls", o.tls);
  bool ok = false;
  if (o.scenario == "fanout") {
    ok = run_fanout(ctx, result);
  } else if (o.scenario == "echo") {
    ok = run_echo(ctx, result);
  } else if (o.scenario == "soak") {
    ok = run_soak(ctx, result);
  } else {
    ok = run_idle(ctx, result);
  }
  const own_cpu total = read_own_cpu();
  // The whole process, so that the harness can tell what else used the machine meanwhile.
  result.field("generatorCpuSeconds", total.user + total.system);
  result.field("ok", ok);
  ctx.emit(result);
  // Tearing down thousands of connections one handler at a time would only add time to the
  // run; the kernel closes them all at exit.
  std::_Exit(ok ? 0 : 1);
}
