#include "redis_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace socketio::test {

namespace {

std::uint16_t free_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

// True if something on the port answers a PING like Redis: +PONG, or -NOAUTH when a password
// is required.
bool answers_ping(std::uint16_t port) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return false;
  boost::asio::write(socket, boost::asio::buffer(std::string("PING\r\n")), ec);
  if (ec) return false;
  char buf[64];
  const auto n = socket.read_some(boost::asio::buffer(buf), ec);
  if (ec) return false;
  const std::string reply(buf, n);
  return reply.starts_with("+PONG") || reply.starts_with("-NOAUTH");
}

}  // namespace

const char* redis_server_path() {
  return SOCKETIO_REDIS_SERVER;
}

redis_server::redis_server(std::string password) : password_(std::move(password)) {
  std::string templ = (std::filesystem::temp_directory_path() / "sio-redis-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  unix_path_ = dir_ + "/redis.sock";
  port_ = free_port();
  start();
}

redis_server::~redis_server() {
  kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void redis_server::start() {
  if (pid_ > 0) throw std::logic_error("redis-server already running");
  std::vector<std::string> args{redis_server_path(),
                                "--port",
                                std::to_string(port_),
                                "--bind",
                                "127.0.0.1",
                                "--save",
                                "",
                                "--appendonly",
                                "no",
                                "--unixsocket",
                                unix_path_,
                                "--unixsocketperm",
                                "700",
                                "--dir",
                                dir_,
                                "--logfile",
                                dir_ + "/redis.log",
                                "--daemonize",
                                "no"};
  if (!password_.empty()) {
    args.push_back("--requirepass");
    args.push_back(password_);
  }
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start redis-server");
  }
  wait_until_answering();
}

void redis_server::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string redis_server::tcp_url(int db) const {
  std::string url = "redis://";
  if (!password_.empty()) url += ":" + password_ + "@";
  url += "127.0.0.1:" + std::to_string(port_);
  if (db != 0) url += "/" + std::to_string(db);
  return url;
}

void redis_server::wait_until_answering() {
  // A process start has no event to wait for: poll, bounded by a deadline.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::ifstream log(dir_ + "/redis.log");
      std::stringstream text;
      text << log.rdbuf();
      throw std::runtime_error("redis-server exited at start:\n" + text.str());
    }
    if (answers_ping(port_) && std::filesystem::exists(unix_path_)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill();
  throw std::runtime_error("redis-server did not answer within 10 s");
}

}  // namespace socketio::test
