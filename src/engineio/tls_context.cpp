#include "engineio/detail/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>

#include <stdexcept>
#include <string>
#include <utility>

namespace socketio::detail {

namespace {

namespace ssl = boost::asio::ssl;

[[noreturn]] void refuse(const std::string& what, const boost::system::error_code& ec) {
  throw std::invalid_argument("tls: " + what + (ec ? ": " + ec.message() : std::string{}));
}

// Exactly one source per PEM input: two would leave which one counts to guesswork.
void check_one_source(const std::string& file, const std::string& pem, const char* what,
                      bool needed) {
  if (!file.empty() && !pem.empty()) {
    throw std::invalid_argument(std::string("tls: ") + what + ": give a file or a PEM, not both");
  }
  if (needed && file.empty() && pem.empty()) {
    throw std::invalid_argument(std::string("tls: ") + what + " missing");
  }
}

std::string openssl_error() {
  const auto code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// The client CAs: trusted for verification, and named in the CertificateRequest so that a
// client holding several certificates can pick the right one.
void load_client_ca(SSL_CTX* ctx, const tls_options& o) {
  BIO* bio = o.client_ca_file.empty()
                 ? BIO_new_mem_buf(o.client_ca_pem.data(), static_cast<int>(o.client_ca_pem.size()))
                 : BIO_new_file(o.client_ca_file.c_str(), "r");
  if (bio == nullptr) {
    throw std::invalid_argument(
        "tls: client CA: cannot read " +
        (o.client_ca_file.empty() ? std::string("the PEM") : o.client_ca_file) + ": " +
        openssl_error());
  }
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    ++count;
    const bool added = X509_STORE_add_cert(store, cert) == 1;
    if (X509_NAME* name = X509_NAME_dup(X509_get_subject_name(cert))) {
      if (sk_X509_NAME_push(names, name) <= 0) X509_NAME_free(name);
    }
    X509_free(cert);
    if (!added) {
      BIO_free(bio);
      sk_X509_NAME_pop_free(names, X509_NAME_free);
      throw std::invalid_argument("tls: client CA: " + openssl_error());
    }
  }
  BIO_free(bio);
  // The loop ends on "no more PEM blocks", which is an error entry of its own.
  ERR_clear_error();
  if (count == 0) {
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    throw std::invalid_argument("tls: client CA: no certificate in the PEM");
  }
  SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
}

}  // namespace

std::shared_ptr<ssl::context> make_tls_context(const tls_options& o) {
  check_one_source(o.certificate_chain_file, o.certificate_chain_pem, "certificate chain", true);
  check_one_source(o.private_key_file, o.private_key_pem, "private key", true);
  const bool verify = o.verify_client != tls_client_verify::none;
  check_one_source(o.client_ca_file, o.client_ca_pem, "client CA", verify);

  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  // TLS 1.2 and 1.3 only; no renegotiation (a client could otherwise make the server do a
  // handshake's work at will in the middle of a connection).
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use | SSL_OP_NO_RENEGOTIATION);
  // OpenSSL's own record buffers (about 34 KB a connection) are freed while empty: most
  // connections are idle most of the time.
  SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  boost::system::error_code ec;
  if (!o.certificate_chain_file.empty()) {
    ctx->use_certificate_chain_file(o.certificate_chain_file, ec);
    if (ec) refuse("certificate chain " + o.certificate_chain_file, ec);
  } else {
    ctx->use_certificate_chain(boost::asio::buffer(o.certificate_chain_pem), ec);
    if (ec) refuse("certificate chain PEM", ec);
  }
  if (!o.private_key_file.empty()) {
    ctx->use_private_key_file(o.private_key_file, ssl::context::pem, ec);
    if (ec) refuse("private key " + o.private_key_file, ec);
  } else {
    ctx->use_private_key(boost::asio::buffer(o.private_key_pem), ssl::context::pem, ec);
    if (ec) refuse("private key PEM", ec);
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    throw std::invalid_argument("tls: the private key does not match the certificate: " +
                                openssl_error());
  }
  if (verify) {
    load_client_ca(ctx->native_handle(), o);
    ctx->set_verify_mode(
        ssl::verify_peer |
        (o.verify_client == tls_client_verify::required ? ssl::verify_fail_if_no_peer_cert : 0));
    // Resumed sessions of a verifying server must carry a context id, or OpenSSL refuses them.
    static constexpr unsigned char id[] = "socketio";
    SSL_CTX_set_session_id_context(ctx->native_handle(), id, sizeof id - 1);
  }
  return ctx;
}

tls_context_source::tls_context_source(const tls_options& options)
    : context_(make_tls_context(options)), mode_(options.mode) {}

std::shared_ptr<ssl::context> tls_context_source::current() const {
  std::lock_guard lock(mutex_);
  return context_;
}

void tls_context_source::reload(const tls_options& options) {
  if (options.mode != mode_) {
    throw std::invalid_argument("tls: reload cannot change the listen mode");
  }
  auto fresh = make_tls_context(options);  // throws before anything changes
  std::lock_guard lock(mutex_);
  context_.swap(fresh);
  // The old context is released outside the lock (fresh now holds it), and only when its
  // last connection is gone.
}

}  // namespace socketio::detail
