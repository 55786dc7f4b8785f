#include "engineio/detail/random_id.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <stdexcept>

#include "engineio/detail/base64.hpp"

namespace socketio::detail {

namespace {

constexpr std::size_t id_bytes = 15;

// Each connection takes two ids (session and socket). OpenSSL's DRBG costs about as much per
// call for 15 bytes as for a few KB (locking, reseed checks), so each thread draws 16 ids'
// worth at once and hands them out; the bytes are the CSPRNG's all the same, used once each.
struct random_pool {
  std::array<unsigned char, id_bytes * 16> bytes{};
  std::size_t used = bytes.size();

  unsigned char* take() {
    if (used == bytes.size()) {
      if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        // Without entropy there is no safe id to hand out; this is not a network input error.
        throw std::runtime_error("RAND_bytes failed");
      }
      used = 0;
    }
    unsigned char* out = bytes.data() + used;
    used += id_bytes;
    return out;
  }
};

thread_local random_pool pool;

}  // namespace

std::string make_random_id() {
  unsigned char* bytes = pool.take();
  std::string id = base64url_encode({reinterpret_cast<const char*>(bytes), id_bytes});
  // A handed-out id's bytes do not stay in memory after use.
  std::fill(bytes, bytes + id_bytes, static_cast<unsigned char>(0));
  return id;
}

}  // namespace socketio::detail
