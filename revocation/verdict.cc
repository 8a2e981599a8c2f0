#include "revocation/verdict.h"

#include <algorithm>

namespace certwatch {

bool CrlFresh(const CrlState& crl, UnixSeconds now) {
  return crl.verify_status == "ok" && crl.next_update && now < *crl.next_update && crl.revoked;
}

std::optional<bool> RevokedByCrl(const StateData& state, const CertFacts& cert, UnixSeconds now) {
  std::optional<bool> out;
  if (cert.issuer.empty() || cert.serial.empty()) return out;
  for (const auto& [source, crl] : state.crls) {
    if (crl.issuer != cert.issuer || !CrlFresh(crl, now)) continue;
    if (!cert.authority_key_id.empty() && !crl.issuer_key_id.empty() &&
        cert.authority_key_id != crl.issuer_key_id) {
      continue;
    }
    if (std::binary_search(crl.revoked->begin(), crl.revoked->end(), cert.serial)) return true;
    out = false;
  }
  return out;
}

}  // namespace certwatch
