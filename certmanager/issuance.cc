#include "certmanager/issuance.h"

#include "certmanager/rate_limit.h"
#include "certmanager/requests.h"

namespace certwatch::certmanager {

IssuanceCause FindIssuanceCause(const IssuanceObjects& in) {
  const CertificateState& c = *in.certificate;
  const CertificateRequestState* req = in.request;
  const OrderState* order = in.order;
  using S = IssuanceStage;
  // Rate limits first: they explain every other symptom and must stop remediation. The
  // deepest object that reports one names where it happened.
  if (order && (order->rate_limited || IsRateLimitedMessage(order->reason))) {
    return {FailureReason::kRateLimited, order->reason, S::kOrder, order->name};
  }
  if (req && req->ready.status == "False" && IsRateLimitedMessage(req->ready.message)) {
    return {FailureReason::kRateLimited, req->ready.message, S::kRequest, req->name};
  }
  // cert-manager copies the last failure onto Issuing; a 429 there is the rate limit even
  // when the Order is already gone.
  if (IsRateLimitedMessage(c.issuing.message)) {
    return {FailureReason::kRateLimited, c.issuing.message, S::kCertificate, ""};
  }
  if (req && (req->denied.status == "True" || req->ready.reason == "Denied")) {
    return {FailureReason::kRequestDenied,
            !req->denied.message.empty() ? req->denied.message : req->ready.message, S::kRequest,
            req->name};
  }
  for (const auto* ch : in.challenges) {
    if (FailedAcmeState(ch->state)) {
      return {FailureReason::kChallengeFailed, ch->dns_name + ": " + ch->reason, S::kChallenge,
              ch->name};
    }
  }
  if (order && FailedAcmeState(order->state)) {
    return {FailureReason::kOrderFailed, order->reason, S::kOrder, order->name};
  }
  if (req && req->ready.status == "False" && req->ready.reason == "Failed") {
    return {FailureReason::kRequestFailed, req->ready.message, S::kRequest, req->name};
  }
  // Issuer problems matter only while something has to be issued.
  const bool needs_issuance = c.ready.status != "True" || c.issuing.status == "True";
  if (needs_issuance && c.issuer.group == "cert-manager.io" &&
      (in.issuer ? in.issuer->ready.status != "True" : in.issuer_known)) {
    return {FailureReason::kIssuerNotReady,
            !in.issuer ? c.issuer.kind + " " + c.issuer.name + " not found"
                       : in.issuer->ready.message.str(),
            S::kIssuer, c.issuer.name};
  }
  for (const auto* ch : in.challenges) {
    if (ch->state != "valid") {
      return {FailureReason::kChallengePending,
              ch->type + " " + ch->dns_name + ": " + (ch->reason.empty() ? ch->state : ch->reason),
              S::kChallenge, ch->name, true};
    }
  }
  if (c.issuing.status == "False" && c.issuing.reason == "Failed") {
    return {FailureReason::kRequestFailed, c.issuing.message, S::kCertificate, ""};
  }
  return {};
}

Classification Classify(const IssuanceObjects& in, UnixSeconds now, const ClassifyOptions& o) {
  const CertificateState& c = *in.certificate;
  Classification out;
  out.cause = FindIssuanceCause(in);
  const bool has_status = !c.ready.status.empty() || c.not_after.has_value();
  const bool expired = c.not_after && *c.not_after <= now;
  const bool overdue = c.renewal_time && now > *c.renewal_time + o.renewal_overdue_grace_seconds;
  const bool healthy = c.ready.status == "True" && !expired && !overdue;
  if (!has_status && out.cause.reason == FailureReason::kNone) {
    out.reason = FailureReason::kUnknown;
    out.message = "no status yet";
  } else if (out.cause.reason != FailureReason::kNone && !(healthy && out.cause.in_progress)) {
    out.reason = out.cause.reason;
    out.message = out.cause.message;
  } else if (expired) {
    out.reason = FailureReason::kExpired;
    out.message = "notAfter is in the past";
  } else if (overdue) {
    out.reason = FailureReason::kRenewalOverdue;
    out.message = "past renewalTime and not renewed";
  } else if (c.ready.status == "False") {
    out.reason = FailureReason::kNotReady;
    out.message = c.ready.reason + ": " + c.ready.message;
  } else if (c.ready.status != "True") {
    out.reason = FailureReason::kUnknown;
    out.message = "no Ready condition";
  }
  return out;
}

}  // namespace certwatch::certmanager
