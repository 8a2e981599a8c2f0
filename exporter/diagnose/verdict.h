// The verdict of `certwatch status certificate`: a pure function from the gathered facts and
// "now" to an ordered list of findings (the walk Certificate -> Issuer -> Secret ->
// CertificateRequest -> Order -> Challenges -> endpoints -> DNS -> CAA -> backoff) and one
// verdict naming where issuance is stuck, the next step and the runbook section for it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/diagnose/facts.h"

namespace certwatch {

enum class FindingLevel { kOk, kInfo, kWarn, kFail };
std::string_view ToString(FindingLevel l);

// One line of the walk. `section` groups lines under a heading ("Certificate default/web").
struct Finding {
  std::string section;
  FindingLevel level = FindingLevel::kInfo;
  std::string message;
};

// Where a certificate is stuck, most specific cause first. The string forms are stable (JSON
// output); most equal FailureReason's.
enum class Problem {
  kNone,
  kRateLimited,
  kRequestDenied,
  kCaaForbidden,
  kDnsNotPropagated,
  kChallengeFailed,
  kOrderFailed,
  kRequestFailed,
  kIssuerNotReady,
  kChallengePending,
  kNoStatus,
  kExpired,
  kSecretMissing,
  kEndpointStale,
  kEndpointUnreachable,
  kRenewalOverdue,
  kNotReady,
};
std::string_view ToString(Problem p);

struct Verdict {
  Problem problem = Problem::kNone;
  bool healthy() const { return problem == Problem::kNone; }
  std::string stuck_at;   // "ACME order", "DNS-01 challenge", ... ("" when healthy)
  std::string summary;    // what is wrong (or, when healthy, the state in short)
  std::string next_step;  // from the runbook, with this certificate's names filled in
  std::string runbook;    // URL of the runbook section ("" when healthy)
  // "Verdict: stuck at ACME order: rate-limited by letsencrypt-prod until ...; next step:
  // ... (runbook: ...)" or "Verdict: healthy: ...".
  std::string Line() const;
};

// cert-manager's re-issuance backoff after a failed issuance (its trigger controller's
// shouldBackoffReissuingOnFailure): 1h after the first failure, doubling with each failed
// attempt up to 32h, counted from status.lastFailureTime.
struct IssuanceBackoff {
  UnixSeconds last_failure = 0;
  int failed_attempts = 0;
  int64_t delay_seconds = 0;
  UnixSeconds next_retry = 0;  // last_failure + delay
  bool active = false;         // now < next_retry: cert-manager waits until then
};
std::optional<IssuanceBackoff> ComputeIssuanceBackoff(const CertificateState& c, UnixSeconds now);

struct Diagnosis {
  std::vector<Finding> findings;
  Verdict verdict;
  std::optional<IssuanceBackoff> backoff;
  // Exit status of the command: 0 healthy, 1 not.
  int exit_code() const { return verdict.healthy() ? 0 : 1; }
};

Diagnosis Diagnose(const DiagnoseInput& in, UnixSeconds now);

// "2026-11-28T10:00:00Z".
std::string FormatRfc3339(UnixSeconds t);
// Signed distance from now in words: "in 2h13m", "3d4h ago".
std::string FormatRelative(UnixSeconds t, UnixSeconds now);

// The "retry after 2026-11-28 10:00:00 UTC" time in a Let's Encrypt rate-limit message.
std::optional<UnixSeconds> RetryAfterInMessage(std::string_view message);

}  // namespace certwatch
