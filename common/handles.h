// RAII owners for C library handles. `get0` results stay borrowed and are never wrapped;
// `get1`/`new` results always are; calls that take ownership get `.release()`.
#pragma once

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace certwatch {

template <auto Fn>
struct FnDeleter {
  template <typename T>
  void operator()(T* p) const {
    if (p) Fn(p);
  }
};

using SslCtxPtr = std::unique_ptr<SSL_CTX, FnDeleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, FnDeleter<SSL_free>>;
using X509Ptr = std::unique_ptr<X509, FnDeleter<X509_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, FnDeleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, FnDeleter<BIO_free_all>>;
using X509StorePtr = std::unique_ptr<X509_STORE, FnDeleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, FnDeleter<X509_STORE_CTX_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, FnDeleter<X509_CRL_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, FnDeleter<GENERAL_NAMES_free>>;

struct X509StackDeleter {
  void operator()(STACK_OF(X509) * s) const {
    if (s) sk_X509_pop_free(s, X509_free);
  }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

// OPENSSL_free is a macro; these give it an address for FnDeleter.
inline void OpenSslFreeChars(char* p) { OPENSSL_free(p); }
inline void OpenSslFreeBytes(unsigned char* p) { OPENSSL_free(p); }
using OpenSslString = std::unique_ptr<char, FnDeleter<OpenSslFreeChars>>;
using OpenSslBytes = std::unique_ptr<unsigned char, FnDeleter<OpenSslFreeBytes>>;
using BignumPtr = std::unique_ptr<BIGNUM, FnDeleter<BN_free>>;

using CurlPtr = std::unique_ptr<CURL, FnDeleter<curl_easy_cleanup>>;
using CurlSlistPtr = std::unique_ptr<curl_slist, FnDeleter<curl_slist_free_all>>;

}  // namespace certwatch
