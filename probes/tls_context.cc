#include "probes/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/handles.h"
#include "common/x509.h"
#include "probes/tls.h"

namespace certwatch {
namespace {

// A store of only the certificates in `pem`, each one an anchor (X509_V_FLAG_PARTIAL_CHAIN).
Status LoadPemAnchors(SSL_CTX* ctx, const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509StorePtr owned(X509_STORE_new());
  if (!bio || !owned) return Error{"ca_pem: " + DrainOpenSslErrors()};
  X509_STORE* store = owned.release();
  SSL_CTX_set_cert_store(ctx, store);  // the context owns it from here
  int added = 0;
  while (X509Ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
    if (X509_STORE_add_cert(store, cert.get()) == 1) ++added;
  }
  ERR_clear_error();  // the end of the PEM text reads as an error
  if (added == 0) return Error{"ca_pem: no certificate"};
  X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
  X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx), X509_V_FLAG_PARTIAL_CHAIN);
  return OkStatus();
}

}  // namespace

Result<SSL_CTX*> TlsContextCache::Get(const TlsProbeOptions& o) {
  Key key{o.ca_file, o.client_cert_file, o.client_key_file, o.min_version, o.ca_pem};
  auto it = contexts_.find(key);
  if (it != contexts_.end()) return it->second.get();

  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Error{"SSL_CTX_new: " + DrainOpenSslErrors()};
  // The verdict is made after the handshake from SSL_get_verify_result, so a bad certificate
  // never aborts the handshake and its dates are still read.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  // Security level 0 for the handshake only. A prober has to finish handshakes that clients
  // refuse, or it cannot say what a weak server serves: Debian's default level 2 aborts the
  // handshake with a server that signs with SHA-1 (TLS 1.2), offers only TLS 1.0/1.1 or a
  // small DH group, before any certificate is read. certwatch_tls_cert_weak says what clients
  // would refuse instead. Verification keeps the default level (the library's, or what
  // openssl.cnf sets): OpenSSL verifies the chain at the SSL's level unless the verify
  // parameters name an authentication level, so the context's parameters carry the default
  // one and a 1024-bit key or a SHA-1 signature still fails certwatch_tls_verify_result as
  // it does for every client (bad_signature).
  const int default_level = SSL_CTX_get_security_level(ctx.get());
  X509_VERIFY_PARAM_set_auth_level(SSL_CTX_get0_param(ctx.get()), default_level);
  SSL_CTX_set_security_level(ctx.get(), 0);
  if (!o.ca_pem.empty()) {
    if (auto loaded = LoadPemAnchors(ctx.get(), o.ca_pem); !loaded) return loaded.error();
  } else if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
    ERR_clear_error();
  }
  if (o.ca_pem.empty() && !o.ca_file.empty() &&
      SSL_CTX_load_verify_locations(ctx.get(), o.ca_file.c_str(), nullptr) != 1) {
    return Error{"ca_file " + o.ca_file + ": " + DrainOpenSslErrors()};
  }
  if (!o.client_cert_file.empty() || !o.client_key_file.empty()) {
    if (o.client_cert_file.empty() || o.client_key_file.empty()) {
      return Error{"client certificate and key must be given together"};
    }
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), o.client_cert_file.c_str()) != 1) {
      return Error{"client_cert_file " + o.client_cert_file + ": " + DrainOpenSslErrors()};
    }
    // The key is handed to OpenSSL and never read or kept by certwatch itself.
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), o.client_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return Error{"client_key_file " + o.client_key_file + ": " + DrainOpenSslErrors()};
    }
    if (SSL_CTX_check_private_key(ctx.get()) != 1) {
      return Error{"client_key_file " + o.client_key_file +
                   ": does not match client_cert_file: " + DrainOpenSslErrors()};
    }
  }
  if (o.min_version != 0 && SSL_CTX_set_min_proto_version(ctx.get(), o.min_version) != 1) {
    return Error{"min_version: " + DrainOpenSslErrors()};
  }
  // Every probe is a full handshake: nothing is resumed. The client cache mode only lets the
  // new-session callback see TLS 1.3 tickets (a server that accepted our client certificate).
  SSL_CTX_set_session_cache_mode(ctx.get(),
                                 SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE);
  // Fewer read() calls per handshake: take whatever the socket holds in one go.
  SSL_CTX_set_read_ahead(ctx.get(), 1);
  SSL_CTX* raw = ctx.get();
  contexts_.emplace(key, std::move(ctx));
  return raw;
}

int TlsConnExIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace certwatch
