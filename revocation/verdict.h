// The revocation verdict of one certificate from the CRLs in the state store: a pure function
// of the store, read by the collectors (TLS leaves, TLS Secrets) at scrape time.
#pragma once

#include <optional>

#include "common/x509.h"
#include "state/state.h"

namespace certwatch {

// A CRL is fresh at `now` when its signature verified with a held certificate of its issuer
// and now < nextUpdate (a CRL without nextUpdate is never fresh).
bool CrlFresh(const CrlState& crl, UnixSeconds now);

// true: a fresh CRL of the certificate's issuer (same issuer name; the AKI of the certificate
// is the subjectKeyIdentifier of the key that verified the CRL, when both are known) lists its
// serial; false: fresh CRLs of that issuer exist and none lists it; empty: no fresh CRL.
std::optional<bool> RevokedByCrl(const StateData& state, const CertFacts& cert, UnixSeconds now);

}  // namespace certwatch
