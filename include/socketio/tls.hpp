// TLS (https and wss) for engine::server::listen and server::listen. Plain data only: the
// OpenSSL context is built inside the library (Boost.Asio's OpenSSL support).
#pragma once

#include <string>

namespace socketio {

/// Whether clients must present a certificate signed by `tls_options::client_ca_*`.
enum class tls_client_verify {
  none,      ///< no certificate is asked for
  optional,  ///< asked for; a client without one is served, one with a bad one is refused
  required,  ///< a client without a valid certificate fails the handshake
};

/// What a TLS listener accepts on its port.
enum class tls_listen_mode {
  tls_only,       ///< every connection must start with a TLS handshake
  plain_and_tls,  ///< a connection whose first byte is a TLS handshake record (0x16) gets TLS,
                  ///< any other is served as plain HTTP (no upgrade to TLS is implied)
};

/// The certificate, key and client verification of a TLS listener. Each PEM input comes from
/// a file or from memory: set exactly one of the two. Checked (and the files read) when passed
/// to listen() or reload_tls(): a missing file, a PEM that does not parse, a key that does not
/// match the certificate or a verification mode without a CA throws std::invalid_argument.
struct tls_options {
  /// The certificate chain in PEM: the server's certificate first, then intermediates.
  std::string certificate_chain_file;
  std::string certificate_chain_pem;
  /// The private key of the first certificate, in PEM (unencrypted).
  std::string private_key_file;
  std::string private_key_pem;
  /// Client certificate verification; `optional` and `required` need a CA below.
  tls_client_verify verify_client = tls_client_verify::none;
  /// The CA certificate(s) client certificates must chain to, in PEM.
  std::string client_ca_file;
  std::string client_ca_pem;
  tls_listen_mode mode = tls_listen_mode::tls_only;
};

}  // namespace socketio
