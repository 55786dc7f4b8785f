// A private redis-server process for one test: free loopback port, unix socket in a temporary
// directory, no persistence. Stopped by PID.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace socketio::test {

/// Path of the redis-server binary found at configure time; empty when there is none.
const char* redis_server_path();

class redis_server {
 public:
  /// Starts the server and waits until it answers; throws std::runtime_error if it does not.
  explicit redis_server(std::string password = {});
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  /// Starts it again on the same port and socket path (after kill()).
  void start();
  /// SIGKILL, then reaps the process.
  void kill();

  std::uint16_t port() const { return port_; }
  const std::string& unix_path() const { return unix_path_; }
  /// redis://[:password@]127.0.0.1:port/db
  std::string tcp_url(int db = 0) const;

 private:
  void wait_until_answering();

  std::string password_;
  std::string dir_;
  std::string unix_path_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace socketio::test
