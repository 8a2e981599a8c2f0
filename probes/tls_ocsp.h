// The OCSP response a server staples to its handshake: decoded and matched to the leaf.
#pragma once

#include <optional>
#include <string>

#include "state/state.h"

typedef struct x509_st X509;

namespace certwatch {

struct StapledOcsp {
  std::string status;  // good, revoked, unknown; "" when nothing usable was stapled
  std::optional<UnixSeconds> this_update, next_update;
  std::string error;  // why a stapled response could not be read
};

// `issuer` may be null (a server that sends only the leaf): the response is then matched by
// the leaf's serial alone, since OCSP_cert_to_id() dereferences the issuer.
StapledOcsp ParseStapledOcsp(const unsigned char* der, long len, X509* leaf, X509* issuer);

}  // namespace certwatch
