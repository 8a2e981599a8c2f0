// Where a Certificate's issuance stands, from the objects cert-manager works on for it: one
// classification into FailureReason, used by the exporter (certwatch_certificate_failure_reason,
// the state API), by `certwatch status certificate` (its verdict on the issuance chain) and,
// through the state API, by the renewer.
#pragma once

#include <string>
#include <vector>

#include "state/state.h"

namespace certwatch::certmanager {

// The objects of one issuance. Pointers may be null: no such object (yet).
struct IssuanceObjects {
  const CertificateState* certificate = nullptr;  // required
  const IssuerState* issuer = nullptr;            // the Certificate's issuerRef
  // False when the issuer could not be looked up (status reads live objects and may fail):
  // then a missing issuer is not reported as "not found".
  bool issuer_known = true;
  const CertificateRequestState* request = nullptr;  // CurrentRequest (requests.h)
  const OrderState* order = nullptr;                 // CurrentOrder of the request
  std::vector<const ChallengeState*> challenges;     // ChallengesOfOrder, by name
};

// Which object a cause was read from.
enum class IssuanceStage { kNone, kCertificate, kIssuer, kRequest, kOrder, kChallenge };

// A cause in the issuance chain, most decisive first: an ACME rate limit, a denied request,
// a failed challenge, a failed order, a failed request, an issuer that is not ready (only
// while something must be issued), a challenge still pending, a failed Issuing condition.
struct IssuanceCause {
  FailureReason reason = FailureReason::kNone;
  std::string message;
  IssuanceStage stage = IssuanceStage::kNone;
  std::string object;        // name of the object at that stage ("" for the Certificate)
  bool in_progress = false;  // a normal step of issuance (a pending challenge), not a failure
};
IssuanceCause FindIssuanceCause(const IssuanceObjects& objects);

// After renewalTime plus this, a certificate that is not renewing is "renewal_overdue".
inline constexpr int64_t kDefaultRenewalOverdueGraceSeconds = 3600;

struct ClassifyOptions {
  int64_t renewal_overdue_grace_seconds = kDefaultRenewalOverdueGraceSeconds;
};

struct Classification {
  FailureReason reason = FailureReason::kNone;
  std::string message;
  IssuanceCause cause;  // what FindIssuanceCause said (reason may be a symptom instead)
};

// The classification: a cause of the chain, unless the certificate is healthy and the cause is
// only progress; then the symptoms in order: no status yet, expired, renewal overdue, Ready
// False, no Ready condition; none when healthy.
Classification Classify(const IssuanceObjects& objects, UnixSeconds now,
                        const ClassifyOptions& options);

}  // namespace certwatch::certmanager
