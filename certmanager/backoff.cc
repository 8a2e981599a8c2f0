#include "certmanager/backoff.h"

namespace certwatch::certmanager {

int64_t BackoffDelaySeconds(int failed_attempts) {
  if (failed_attempts < 1) return kInitialBackoffSeconds;
  // Doubling stops at the cap, so large counts never overflow.
  int64_t delay = kInitialBackoffSeconds;
  for (int i = 1; i < failed_attempts && delay < kMaxBackoffSeconds; ++i) delay *= 2;
  return delay < kMaxBackoffSeconds ? delay : kMaxBackoffSeconds;
}

std::optional<IssuanceBackoff> ComputeIssuanceBackoff(const CertificateState& c, UnixSeconds now) {
  if (!c.last_failure_time) return std::nullopt;
  IssuanceBackoff b;
  b.last_failure = *c.last_failure_time;
  b.failed_attempts = c.failed_issuance_attempts;
  b.delay_seconds = BackoffDelaySeconds(c.failed_issuance_attempts);
  b.next_retry = b.last_failure + b.delay_seconds;
  b.active = now < b.next_retry;
  return b;
}

}  // namespace certwatch::certmanager
