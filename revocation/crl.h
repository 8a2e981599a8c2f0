// A certificate revocation list from outside (a file, a URL, a distribution point): parsed
// (DER or PEM) into the few facts certwatch keeps, and verified against a held certificate of
// its issuer.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/handles.h"
#include "common/result.h"
#include "state/state.h"

namespace certwatch {

struct ParsedCrl {
  X509CrlPtr crl;
  std::string issuer;            // RFC 2253, as CertFacts::issuer
  std::string authority_key_id;  // hex of the AKI keyIdentifier; "" = none
  std::optional<UnixSeconds> this_update, next_update;
  std::vector<std::string> revoked;  // serials as CertFacts::serial (lower-case hex), sorted
};

// One CRL: a PEM "X509 CRL" block or DER. Errors say what is wrong ("not a CRL (neither PEM
// nor DER)", "thisUpdate is not a valid time").
Result<ParsedCrl> ParseCrl(std::string_view data);

// Whether `issuer` signed `crl`: its subject is the CRL's issuer name, its subjectKeyIdentifier
// is the CRL's AKI (when both are present), it may sign CRLs (keyUsage cRLSign, when the
// extension is present) and the CRL's signature verifies with its key.
bool CrlSignedBy(const ParsedCrl& crl, X509* issuer);

}  // namespace certwatch
