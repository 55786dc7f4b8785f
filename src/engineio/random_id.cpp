#include "engineio/detail/random_id.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "engineio/detail/base64.hpp"

namespace socketio::detail {

std::string make_random_id() {
  std::array<unsigned char, 15> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // Without entropy there is no safe id to hand out; this is not a network input error.
    throw std::runtime_error("RAND_bytes failed");
  }
  return base64url_encode({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
}

}  // namespace socketio::detail
