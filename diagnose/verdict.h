// The verdict of `certwatch status certificate`: a pure function from the gathered facts and
// "now" to an ordered list of findings (the walk Certificate -> Issuer -> Secret ->
// CertificateRequest -> Order -> Challenges -> endpoints -> DNS -> CAA -> backoff) and one
// verdict naming where issuance is stuck, the next step and the runbook section for it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certmanager/backoff.h"
#include "common/time.h"
#include "diagnose/facts.h"

namespace certwatch {

enum class FindingLevel { kOk, kInfo, kWarn, kFail };
std::string_view ToString(FindingLevel l);

// One line of the walk. `section` groups lines under a heading ("Certificate default/web").
struct Finding {
  std::string section;
  FindingLevel level = FindingLevel::kInfo;
  std::string message;
};

struct Verdict {
  // The one failure vocabulary (state/state.h): for the issuance chain the same reason the
  // exporter exports (certmanager::Classify on the same objects); beyond it what only `status`
  // sees: CAA, DNS-01 propagation, a missing Secret, stale or unreachable endpoints.
  FailureReason problem = FailureReason::kNone;
  bool healthy() const { return problem == FailureReason::kNone; }
  std::string stuck_at;   // "ACME order", "DNS-01 challenge", ... ("" when healthy)
  std::string summary;    // what is wrong (or, when healthy, the state in short)
  std::string next_step;  // from the runbook, with this certificate's names filled in
  std::string runbook;    // link to the runbook section, a URL or runbooks.md#... ("" when healthy)
  // "Verdict: stuck at ACME order: rate-limited by letsencrypt-prod until ...; next step:
  // ... (runbook: ...)" or "Verdict: healthy: ...".
  std::string Line() const;
};

struct Diagnosis {
  std::vector<Finding> findings;
  Verdict verdict;
  std::optional<certmanager::IssuanceBackoff> backoff;
  // Exit status of the command: 0 healthy, 1 not.
  int exit_code() const { return verdict.healthy() ? 0 : 1; }
};

Diagnosis Diagnose(const DiagnoseInput& in, UnixSeconds now);

// Signed distance from now in words: "in 2h13m", "3d4h ago".
std::string FormatRelative(UnixSeconds t, UnixSeconds now);

}  // namespace certwatch
