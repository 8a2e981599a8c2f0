#include "state/state.h"

namespace certwatch {

std::string_view ToString(FailureReason r) {
  switch (r) {
    case FailureReason::kNone:
      return "none";
    case FailureReason::kRateLimited:
      return "rate_limited";
    case FailureReason::kChallengePending:
      return "challenge_pending";
    case FailureReason::kDnsNotPropagated:
      return "dns_not_propagated";
    case FailureReason::kChallengeFailed:
      return "challenge_failed";
    case FailureReason::kOrderFailed:
      return "order_failed";
    case FailureReason::kIssuerNotReady:
      return "issuer_not_ready";
    case FailureReason::kRequestDenied:
      return "request_denied";
    case FailureReason::kRequestFailed:
      return "request_failed";
    case FailureReason::kCaaForbidden:
      return "caa_forbidden";
    case FailureReason::kEndpointStale:
      return "endpoint_stale";
    case FailureReason::kEndpointUnreachable:
      return "endpoint_unreachable";
    case FailureReason::kSecretMissing:
      return "secret_missing";
    case FailureReason::kRenewalOverdue:
      return "renewal_overdue";
    case FailureReason::kExpired:
      return "expired";
    case FailureReason::kNotReady:
      return "not_ready";
    case FailureReason::kUnknown:
      return "unknown";
  }
  return "unknown";
}

FailureReason ParseFailureReason(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(FailureReason::kUnknown); ++i) {
    auto r = static_cast<FailureReason>(i);
    if (ToString(r) == s) return r;
  }
  return FailureReason::kUnknown;
}

void SetSourceStatus(StateData& d, const std::string& name, bool up, bool synced, UnixSeconds now,
                     std::string error) {
  SourceStatus& s = d.sources[name];
  s.up = up;
  s.synced = synced;
  if (up) {
    s.last_sync = now;
    s.last_error.clear();
  } else {
    ++s.errors_total;
    s.last_error = std::move(error);
  }
}

void StateStore::SetSource(const std::string& name, bool up, bool synced, UnixSeconds now,
                           std::string error) {
  Update([&](StateData& d) { SetSourceStatus(d, name, up, synced, now, std::move(error)); });
}

std::string_view SkippedTargetExplanation(std::string_view reason) {
  if (reason == "wildcard_host") return "a wildcard host has no name to send as SNI";
  if (reason == "no_address") return "the Ingress has no load-balancer address yet";
  if (reason == "not_covered") {
    return "no Certificate covers the host, and tls_probes.allowed_cidrs / "
           "allowed_domain_suffixes do not allow it";
  }
  if (reason == "not_allowed") {
    return "tls_probes.discovery is allow_list, and tls_probes.allowed_cidrs / "
           "allowed_domain_suffixes do not allow it";
  }
  return "";
}

}  // namespace certwatch
