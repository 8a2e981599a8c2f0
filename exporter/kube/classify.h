// The join: for each Certificate, its current CertificateRequest (revision + 1), that
// request's Order and the Order's Challenges, and its Issuer; from them the failure
// classification, the ACME rate-limit flag, the next retry under cert-manager's backoff,
// and the rate-limit budget per registered domain. Pure functions of StateData and "now".
#pragma once

#include <optional>
#include <string>

#include "certmanager/issuance.h"
#include "state/state.h"

typedef struct psl_ctx_st psl_ctx_t;

namespace certwatch {

// When cert-manager retries a failed issuance (certmanager/backoff.h); empty without a failure.
std::optional<UnixSeconds> NextRetryTime(const CertificateState& c);

struct ClassifyOptions {
  int rate_limit_per_week = 50;
  // After renewalTime plus this, a certificate that is not renewing is "renewal_overdue".
  int64_t renewal_overdue_grace_seconds = certmanager::kDefaultRenewalOverdueGraceSeconds;
  // libpsl context for registered domains; null = last two labels.
  const psl_ctx_t* psl = nullptr;
};

// Recomputes the derived fields of every certificate (acme_rate_limited, failure,
// failure_message, next_retry) and StateData::budgets.
void ClassifyAll(StateData& data, UnixSeconds now, const ClassifyOptions& options);

// Whether `r` is a superseded request of a Certificate in `data` (certmanager::Superseded).
bool IsSupersededRequest(const StateData& data, const CertificateRequestState& r);
// Erases the superseded requests (their Certificate's revision moved past them); returns how
// many. Nothing reads them, and at scale they are most of the requests.
size_t DropSupersededRequests(StateData& data);

// One certificate (exposed for tests).
void ClassifyCertificate(const StateData& data, CertificateState& cert, UnixSeconds now,
                         const ClassifyOptions& options);

// The registered domain (eTLD+1) of a DNS name, lower-cased, "*." stripped.
std::string RegisteredDomain(const psl_ctx_t* psl, std::string_view dns_name);

// Debian's public suffix list, loaded once; null if the file is missing.
const psl_ctx_t* DefaultPsl();

}  // namespace certwatch
