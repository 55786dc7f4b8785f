// tls_options checking and the replaceable context (tls_context_source): which inputs are
// refused, and that a refused reload leaves the current context in place. Certificates are
// made in memory with OpenSSL (no files checked in).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include "engineio/detail/tls_context.hpp"
#include "socketio/engine.hpp"
#include "socketio/server.hpp"

namespace {

using socketio::tls_client_verify;
using socketio::tls_listen_mode;
using socketio::tls_options;
using socketio::detail::make_tls_context;
using socketio::detail::tls_context_source;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return out;
}

// A P-256 key and a self-signed certificate for it, both in PEM.
struct key_and_cert {
  std::string key_pem;
  std::string cert_pem;
};

key_and_cert make_self_signed(const char* common_name) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, cert);
  X509_free(cert);
  EVP_PKEY_free(key);
  return {bio_text(key_bio), bio_text(cert_bio)};
}

const key_and_cert& first() {
  static const key_and_cert k = make_self_signed("first");
  return k;
}
const key_and_cert& second() {
  static const key_and_cert k = make_self_signed("second");
  return k;
}

tls_options from_memory(const key_and_cert& k) {
  tls_options o;
  o.certificate_chain_pem = k.cert_pem;
  o.private_key_pem = k.key_pem;
  return o;
}

class temp_file {
 public:
  explicit temp_file(const std::string& text)
      : path_(std::filesystem::temp_directory_path() /
              ("socketio-tls-test-" + std::to_string(counter_++) + "-" +
               std::to_string(::getpid()) + ".pem")) {
    std::ofstream(path_) << text;
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(tls_options, certificate_and_key_from_memory) {
  EXPECT_NE(make_tls_context(from_memory(first())), nullptr);
}

TEST(tls_options, certificate_and_key_from_files) {
  const temp_file cert(first().cert_pem);
  const temp_file key(first().key_pem);
  tls_options o;
  o.certificate_chain_file = cert.path();
  o.private_key_file = key.path();
  EXPECT_NE(make_tls_context(o), nullptr);
}

TEST(tls_options, refuses_what_is_missing_doubled_or_wrong) {
  auto refused = [](const tls_options& o) {
    EXPECT_THROW(make_tls_context(o), std::invalid_argument);
  };
  tls_options no_key = from_memory(first());
  no_key.private_key_pem.clear();
  refused(no_key);
  tls_options no_cert = from_memory(first());
  no_cert.certificate_chain_pem.clear();
  refused(no_cert);
  tls_options both = from_memory(first());
  both.private_key_file = "/nonexistent/key.pem";
  refused(both);
  tls_options missing_file;
  missing_file.certificate_chain_file = "/nonexistent/cert.pem";
  missing_file.private_key_pem = first().key_pem;
  refused(missing_file);
  tls_options garbage = from_memory(first());
  garbage.certificate_chain_pem =
      "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
  refused(garbage);
  tls_options mismatch = from_memory(first());
  mismatch.private_key_pem = second().key_pem;
  refused(mismatch);
}

TEST(tls_options, client_verification_needs_a_ca) {
  tls_options o = from_memory(first());
  o.verify_client = tls_client_verify::required;
  EXPECT_THROW(make_tls_context(o), std::invalid_argument);
  o.client_ca_pem = "no certificate here";
  EXPECT_THROW(make_tls_context(o), std::invalid_argument);
  o.client_ca_pem = second().cert_pem + first().cert_pem;
  EXPECT_NE(make_tls_context(o), nullptr);
  o.verify_client = tls_client_verify::optional;
  const temp_file ca(second().cert_pem);
  o.client_ca_pem.clear();
  o.client_ca_file = ca.path();
  EXPECT_NE(make_tls_context(o), nullptr);
}

TEST(tls_context_source, a_refused_reload_keeps_the_current_context) {
  tls_context_source source(from_memory(first()));
  const auto before = source.current();
  tls_options bad = from_memory(second());
  bad.private_key_pem = first().key_pem;  // does not match the certificate
  EXPECT_THROW(source.reload(bad), std::invalid_argument);
  EXPECT_EQ(source.current(), before);
  tls_options other_mode = from_memory(second());
  other_mode.mode = tls_listen_mode::plain_and_tls;
  EXPECT_THROW(source.reload(other_mode), std::invalid_argument);
  EXPECT_EQ(source.current(), before);

  source.reload(from_memory(second()));
  const auto after = source.current();
  EXPECT_NE(after, before);
  // A connection that took the old context still holds it, alive.
  EXPECT_GT(before.use_count(), 0);
}

TEST(tls_listen, bad_options_throw_before_binding_and_reload_needs_a_tls_listener) {
  boost::asio::io_context ioc;
  socketio::engine::server engine(ioc);
  EXPECT_THROW(engine.reload_tls(from_memory(first())), std::logic_error);
  tls_options bad = from_memory(first());
  bad.private_key_pem = second().key_pem;
  EXPECT_THROW(engine.listen(0, bad, "127.0.0.1"), std::invalid_argument);
  // Nothing was bound: the same server can still listen, with good options.
  EXPECT_NE(engine.listen(0, from_memory(first()), "127.0.0.1"), 0);
  EXPECT_THROW(engine.reload_tls(bad), std::invalid_argument);
  engine.reload_tls(from_memory(second()));
  engine.close();

  socketio::server io(ioc);
  EXPECT_THROW(io.reload_tls(from_memory(first())), std::logic_error);
  EXPECT_NE(io.listen(0, from_memory(first()), "127.0.0.1"), 0);
  io.reload_tls(from_memory(second()));
  io.close();
}

}  // namespace
