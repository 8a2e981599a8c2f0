// cert-manager's re-issuance backoff after a failed issuance, as its trigger controller
// computes it (pkg/controller/certificates/trigger, shouldBackoffReissuingOnFailure):
//   - no status.lastFailureTime: no backoff;
//   - status.failedIssuanceAttempts absent (Certificates that failed before cert-manager
//     counted attempts) or below 1: 1h;
//   - otherwise 1h * 2^(attempts-1), capped at 32h (attempts beyond 6 stay at 32h);
// counted from lastFailureTime. cert-manager also skips the backoff when the Certificate's spec
// changed since its next CertificateRequest; certwatch keeps no spec hash, so it reports the
// backoff as the status fields give it.
#pragma once

#include <optional>

#include "state/state.h"

namespace certwatch::certmanager {

inline constexpr int64_t kInitialBackoffSeconds = 3600;
inline constexpr int64_t kMaxBackoffSeconds = 32 * 3600;

struct IssuanceBackoff {
  UnixSeconds last_failure = 0;
  int failed_attempts = 0;  // 0 when the field is absent or 0: both give the initial hour
  int64_t delay_seconds = 0;
  UnixSeconds next_retry = 0;  // last_failure + delay_seconds
  bool active = false;         // now < next_retry: cert-manager does not re-issue before then
};

// The delay after `failed_attempts` failures (any value, including 0 and negative).
int64_t BackoffDelaySeconds(int failed_attempts);

// Empty when the certificate has no lastFailureTime.
std::optional<IssuanceBackoff> ComputeIssuanceBackoff(const CertificateState& c, UnixSeconds now);

}  // namespace certwatch::certmanager
