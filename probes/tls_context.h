// SSL_CTX objects shared by every probe with the same trust roots, client certificate and
// minimum version. Building a context (and loading a CA file) is far more expensive than a
// handshake, so probes never build their own.
#pragma once

#include <openssl/x509v3.h>  // handles.h names GENERAL_NAMES

#include <map>
#include <string>
#include <tuple>

#include "common/handles.h"
#include "common/result.h"

namespace certwatch {

struct TlsProbeOptions;

class TlsContextCache {
 public:
  // The context for these options, built on first use; errors name the file that failed.
  // The pointer stays valid for the cache's lifetime.
  Result<SSL_CTX*> Get(const TlsProbeOptions& options);
  size_t size() const { return contexts_.size(); }

 private:
  using Key = std::tuple<std::string, std::string, std::string, int, std::string>;
  std::map<Key, SslCtxPtr> contexts_;
};

// Index of the per-SSL app data slot holding the connection (for callbacks).
int TlsConnExIndex();

}  // namespace certwatch
