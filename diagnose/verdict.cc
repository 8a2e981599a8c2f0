#include "diagnose/verdict.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <span>

#include "certmanager/issuance.h"
#include "certmanager/rate_limit.h"
#include "certmanager/requests.h"
#include "common/duration.h"
#include "common/strings.h"
#include "config/config.h"
#include "state/keys.h"

namespace certwatch {

std::string_view ToString(FindingLevel l) {
  switch (l) {
    case FindingLevel::kOk:
      return "ok";
    case FindingLevel::kInfo:
      return "info";
    case FindingLevel::kWarn:
      return "warn";
    case FindingLevel::kFail:
      return "fail";
  }
  return "info";
}

std::string Verdict::Line() const {
  if (healthy()) return "Verdict: healthy: " + summary;
  std::string line = "Verdict: ";
  if (!stuck_at.empty()) line += "stuck at " + stuck_at + ": ";
  line += summary;
  if (!next_step.empty()) line += "; next step: " + next_step;
  if (!runbook.empty()) line += " (runbook: " + runbook + ")";
  return line;
}

namespace {

// "2d3h", "45m", "30s": two most significant units, so the line stays short.
std::string Coarse(int64_t seconds) {
  static constexpr struct {
    int64_t size;
    char unit;
  } kUnits[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  std::string out;
  int parts = 0;
  for (const auto& u : kUnits) {
    if (seconds >= u.size && parts < 2) {
      out += std::to_string(seconds / u.size) + u.unit;
      seconds %= u.size;
      ++parts;
    } else if (parts > 0) {
      break;  // no gaps: "2d" rather than "2d5s"
    }
  }
  return out.empty() ? "0s" : out;
}

}  // namespace

std::string FormatRelative(UnixSeconds t, UnixSeconds now) {
  if (t >= now) return "in " + Coarse(t - now);
  return Coarse(now - t) + " ago";
}

namespace {

constexpr int64_t kDay = 86400;

// A list in a finding. Empty items before the first non-empty one add no separator (an empty
// TXT value first reads "TXT abc", not "TXT , abc"): the findings have always read so.
std::string JoinList(std::span<const std::string> items, std::string_view sep = ", ") {
  auto first = std::find_if(items.begin(), items.end(), [](const auto& s) { return !s.empty(); });
  return Join(items.subspan(static_cast<size_t>(first - items.begin())), sep);
}

// The alert's section of the runbook, as its runbook_url annotation says
// (rules/runbooks.libsonnet): under the configured base URL, or in the file `certwatch generate`
// writes when there is none.
std::string RunbookLink(const std::string& base_url, const std::string& alert) {
  return (base_url.empty() ? std::string(kRunbookFile) : base_url) + "#" + AsciiLower(alert);
}

std::string DescribeCondition(std::string_view type, const Condition& c) {
  std::string s = std::string(type) + "=" + c.status;
  if (!c.reason.empty()) s += " (" + c.reason + ")";
  if (!c.message.empty()) s += ": " + c.message;
  return s;
}

std::string ShortSerial(const std::string& serial) {
  return serial.size() > 16 ? serial.substr(0, 16) + "…" : serial;
}

struct Candidate {
  FailureReason problem = FailureReason::kNone;
  std::string stuck_at, summary, next_step, alert;
  std::string object;  // the Challenge a challenge finding is about ("" otherwise)
};

// What only `status` sees (it probes and reads the Secret); every other reason is the issuance
// chain's, and there the verdict takes the exporter's classification (certmanager::Classify).
bool SeenOnlyByStatus(FailureReason r) {
  switch (r) {
    case FailureReason::kCaaForbidden:
    case FailureReason::kDnsNotPropagated:
    case FailureReason::kSecretMissing:
    case FailureReason::kEndpointStale:
    case FailureReason::kEndpointUnreachable:
      return true;
    default:
      return false;
  }
}

// Which finding names where a certificate is stuck, lowest first: causes in the issuance chain
// (an ACME rate limit, a denied request, then what status sees upstream of the CA — CAA, DNS —
// then failed objects, the issuer, a pending challenge), then symptoms that only speak when
// nothing upstream explains more (no status, expiry, a missing Secret, stale or unreachable
// endpoints, an overdue renewal, Ready=False).
int Rank(FailureReason r) {
  switch (r) {
    case FailureReason::kRateLimited:
      return 1;
    case FailureReason::kRequestDenied:
      return 2;
    case FailureReason::kCaaForbidden:
      return 3;
    case FailureReason::kDnsNotPropagated:
      return 4;
    case FailureReason::kChallengeFailed:
      return 5;
    case FailureReason::kOrderFailed:
      return 6;
    case FailureReason::kRequestFailed:
      return 7;
    case FailureReason::kIssuerNotReady:
      return 8;
    case FailureReason::kChallengePending:
      return 9;
    case FailureReason::kUnknown:
      return 10;
    case FailureReason::kExpired:
      return 11;
    case FailureReason::kSecretMissing:
      return 12;
    case FailureReason::kEndpointStale:
      return 13;
    case FailureReason::kEndpointUnreachable:
      return 14;
    case FailureReason::kRenewalOverdue:
      return 15;
    case FailureReason::kNotReady:
      return 16;
    case FailureReason::kNone:
      return 100;
  }
  return 100;
}

std::string_view StageName(certmanager::IssuanceStage s) {
  switch (s) {
    case certmanager::IssuanceStage::kIssuer:
      return "issuer ";
    case certmanager::IssuanceStage::kRequest:
      return "CertificateRequest ";
    case certmanager::IssuanceStage::kOrder:
      return "ACME order ";
    case certmanager::IssuanceStage::kChallenge:
      return "ACME challenge ";
    default:
      return "";
  }
}

certmanager::IssuanceObjects ObjectsOf(const DiagnoseInput& in) {
  certmanager::IssuanceObjects o;
  o.certificate = &in.certificate;
  o.issuer = in.issuer ? &*in.issuer : nullptr;
  o.issuer_known = in.issuer_error.empty();
  o.request = in.request ? &*in.request : nullptr;
  o.order = in.order ? &*in.order : nullptr;
  for (const auto& ch : in.challenges) o.challenges.push_back(&ch);
  return o;
}

class Walk {
 public:
  Walk(const DiagnoseInput& in, UnixSeconds now)
      : in_(in),
        c_(in.certificate),
        now_(now),
        backoff_(certmanager::ComputeIssuanceBackoff(c_, now)),
        model_(certmanager::Classify(ObjectsOf(in), now, {})) {
    ready_ = c_.ready.status == "True";
    expired_ = c_.not_after && *c_.not_after <= now_;
    needs_issuance_ = !ready_ || c_.issuing.status == "True" || expired_;
    cmd_ns_ = " -n " + in_.ns;
  }

  Diagnosis Run() {
    CertificateSection();
    IssuerSection();
    SecretSection();
    RequestSection();
    OrderSection();
    ChallengeSection();
    EndpointSection();
    DnsSection();
    CaaSection();
    BackoffSection();
    for (const auto& e : in_.gather_errors) Add("Walk", FindingLevel::kWarn, e);
    Diagnosis d;
    d.findings = std::move(findings_);
    d.backoff = backoff_;
    d.verdict = Decide();
    return d;
  }

 private:
  void Add(const std::string& section, FindingLevel level, std::string message) {
    findings_.push_back({section, level, std::move(message)});
  }
  void Flag(FailureReason p, std::string stuck_at, std::string summary, std::string next_step,
            std::string alert, std::string object = "") {
    candidates_.push_back({p, std::move(stuck_at), std::move(summary), std::move(next_step),
                           std::move(alert), std::move(object)});
  }
  // The latest few events of one object under its section, as kubectl describe shows them.
  void AddEvents(const std::string& section, std::string_view kind, const std::string& name) {
    constexpr size_t kMax = 5;
    std::vector<const KubeEvent*> mine;
    for (const auto& e : in_.events) {
      if (e.kind == kind && e.name == name) mine.push_back(&e);
    }
    size_t start = mine.size() > kMax ? mine.size() - kMax : 0;
    for (size_t i = start; i < mine.size(); ++i) {
      const KubeEvent& e = *mine[i];
      std::string msg = "event " + e.type + " " + e.reason;
      if (e.count > 1) msg += " (x" + std::to_string(e.count) + ")";
      if (e.last) msg += " " + FormatRelative(e.last, now_);
      msg += ": " + e.message;
      Add(section, e.type == "Warning" ? FindingLevel::kWarn : FindingLevel::kInfo, msg);
    }
  }
  // "ns/name", as messages name the certificate and tls_probes.targets[].certificate refers to it.
  std::string Ref() const { return ObjectKey(in_.ns, in_.name); }
  std::string When(UnixSeconds t) const {
    return FormatRfc3339(t) + " (" + FormatRelative(t, now_) + ")";
  }
  std::string IssuerLabel() const { return c_.issuer.kind + " " + c_.issuer.name; }

  void CertificateSection() {
    const std::string s = "Certificate " + Ref();
    std::string spec = "issuerRef: " + IssuerLabel();
    if (c_.issuer.group != "cert-manager.io") spec += " (group " + c_.issuer.group + ")";
    spec += "; secretName: " + c_.secret_name;
    if (!c_.dns_names.empty()) spec += "; dnsNames: " + JoinList(c_.dns_names.ToVector());
    spec += "; revision: " + (c_.revision ? std::to_string(c_.revision) : std::string("none"));
    Add(s, FindingLevel::kInfo, spec);

    const bool has_status = !c_.ready.status.empty() || c_.not_after.has_value();
    if (!has_status) {
      Add(s, FindingLevel::kFail, "no status yet: no Ready condition, no notAfter");
      Flag(FailureReason::kUnknown, "Certificate " + Ref(),
           "no status yet: cert-manager has not reconciled it (no Ready condition, no notAfter)",
           "check that cert-manager's controller runs and watches namespace " + in_.ns +
               ": kubectl get pods -n cert-manager; kubectl logs -n cert-manager -l "
               "app=cert-manager --tail=100",
           "CertwatchCertificateNotReady");
    } else if (c_.ready.status.empty()) {
      Add(s, FindingLevel::kWarn, "no Ready condition");
    } else {
      Add(s, ready_ ? FindingLevel::kOk : FindingLevel::kFail,
          DescribeCondition("Ready", c_.ready));
      if (c_.ready.last_transition) {
        Add(s, FindingLevel::kInfo,
            "Ready is " + c_.ready.status + " since " + When(c_.ready.last_transition));
      }
    }
    if (!c_.issuing.status.empty()) {
      Add(s,
          c_.issuing.status == "False" && c_.issuing.reason == "Failed" ? FindingLevel::kWarn
                                                                        : FindingLevel::kInfo,
          DescribeCondition("Issuing", c_.issuing));
    }
    if (c_.not_after) {
      if (expired_) {
        Add(s, FindingLevel::kFail, "expired at " + When(*c_.not_after));
        Flag(FailureReason::kExpired, "Certificate " + Ref(),
             "expired at " + FormatRfc3339(*c_.not_after),
             "re-issue now from a working issuer: cmctl renew " + in_.name + cmd_ns_ +
                 " (switch spec.issuerRef to a fallback issuer if this one is failing)",
             "CertwatchCertificateExpiryCritical");
      } else {
        FindingLevel l = *c_.not_after - now_ < 7 * kDay ? FindingLevel::kWarn : FindingLevel::kOk;
        Add(s, l, "expires " + When(*c_.not_after));
      }
    }
    if (c_.renewal_time) {
      const bool overdue =
          now_ > *c_.renewal_time + certmanager::kDefaultRenewalOverdueGraceSeconds && !expired_;
      Add(s, overdue ? FindingLevel::kWarn : FindingLevel::kInfo,
          "renewal " + std::string(overdue ? "was due " : "due ") + When(*c_.renewal_time));
      if (overdue) {
        Flag(FailureReason::kRenewalOverdue, "Certificate " + Ref(),
             "past renewalTime " + FormatRfc3339(*c_.renewal_time) + " and not renewed",
             "fix the cause reported above, then cmctl renew " + in_.name + cmd_ns_,
             "CertwatchCertificateRenewalOverdue");
      }
    }
    if (c_.ready.status == "False") {
      Flag(FailureReason::kNotReady, "Certificate " + Ref(),
           "Ready=False (" + c_.ready.reason + "): " + c_.ready.message,
           "read the failing CertificateRequest's events: kubectl describe certificaterequest" +
               cmd_ns_ + " -l cert-manager.io/certificate-name=" + in_.name,
           "CertwatchCertificateNotReady");
    }
    AddEvents(s, "Certificate", in_.name);
    // cert-manager records a failed issuance on the Issuing condition; a 429 there is the
    // rate limit even when the Order is already gone.
    if (certmanager::IsRateLimitedMessage(c_.issuing.message)) {
      RateLimited(c_.issuing.message, "Certificate " + Ref());
    } else if (c_.issuing.status == "False" && c_.issuing.reason == "Failed") {
      // The last issuance failed; the request that says why may already be gone.
      Flag(FailureReason::kRequestFailed, "Certificate " + Ref(),
           "last issuance failed: " + c_.issuing.message,
           "fix the cause in the message, then cmctl renew " + in_.name + cmd_ns_ +
               " (else cert-manager retries when its backoff ends)",
           "CertwatchCertificateNotReady");
    }
  }

  void RateLimited(const std::string& message, const std::string& where) {
    std::optional<UnixSeconds> until = certmanager::RetryAfterInMessage(message);
    // Nothing happens before cert-manager's own backoff ends either.
    if (backoff_ && backoff_->active && (!until || backoff_->next_retry > *until)) {
      until = backoff_->next_retry;
    }
    std::string summary = "rate-limited by " + c_.issuer.name;
    if (until) summary += " until " + FormatRfc3339(*until);
    // Later sections are closer to the ACME server (Certificate, then request, then Order):
    // the latest one to report the limit names where it happened.
    std::erase_if(candidates_,
                  [](const Candidate& c) { return c.problem == FailureReason::kRateLimited; });
    Flag(FailureReason::kRateLimited, where, summary,
         "do not force retries (they burn the budget); switch spec.issuerRef to a fallback "
         "issuer (renewer.fallback_issuers), or wait" +
             std::string(until ? " until " + FormatRfc3339(*until) : "") +
             " and let cert-manager retry",
         "CertwatchAcmeRateLimited");
  }

  void IssuerSection() {
    const std::string s = IssuerLabel();
    if (c_.issuer.group != "cert-manager.io") {
      Add(s, FindingLevel::kInfo, "external issuer (group " + c_.issuer.group + "): not checked");
      return;
    }
    if (!in_.issuer) {
      if (!in_.issuer_error.empty()) {
        Add(s, FindingLevel::kWarn, "lookup failed: " + in_.issuer_error);
        return;
      }
      std::string where = c_.issuer.kind == "ClusterIssuer" ? "" : " in namespace " + in_.ns;
      Add(s, needs_issuance_ ? FindingLevel::kFail : FindingLevel::kWarn, "not found" + where);
      if (needs_issuance_) {
        Flag(FailureReason::kIssuerNotReady, IssuerLabel(), "not found" + where,
             "create it or fix spec.issuerRef of Certificate " + Ref(), "CertwatchIssuerNotReady");
      }
      return;
    }
    const IssuerState& i = *in_.issuer;
    if (!i.acme_server.empty()) Add(s, FindingLevel::kInfo, "ACME server " + i.acme_server);
    const bool ok = i.ready.status == "True";
    Add(s, ok ? FindingLevel::kOk : (needs_issuance_ ? FindingLevel::kFail : FindingLevel::kWarn),
        i.ready.status.empty() ? "no Ready condition" : DescribeCondition("Ready", i.ready));
    if (!ok && needs_issuance_) {
      std::string why = i.ready.status.empty() ? "no Ready condition" : "not ready";
      if (!i.ready.reason.empty()) why += " (" + i.ready.reason + ")";
      if (!i.ready.message.empty()) why += ": " + i.ready.message;
      const std::string describe = i.kind == "ClusterIssuer"
                                       ? "kubectl describe clusterissuer " + i.name
                                       : "kubectl describe issuer " + i.name + cmd_ns_;
      Flag(FailureReason::kIssuerNotReady, IssuerLabel(), why,
           describe +
               "; fix the Secret it references (ACME account key, CA key, credentials) "
               "or its ACME server URL",
           "CertwatchIssuerNotReady");
    }
  }

  void SecretSection() {
    const std::string s = "Secret " + in_.ns + "/" + c_.secret_name;
    const bool has_status = !c_.ready.status.empty() || c_.not_after.has_value();
    if (!in_.secret) {
      if (!in_.secret_error.empty()) {
        Add(s, FindingLevel::kWarn, "lookup failed: " + in_.secret_error);
        return;
      }
      // Before the first issuance completes a missing Secret is expected, not a fault.
      const bool expected = !has_status || c_.issuing.status == "True";
      Add(s, expected ? FindingLevel::kInfo : FindingLevel::kFail,
          !has_status ? "not found (nothing issued yet)"
                      : (expected ? "not found (issuance in progress)" : "not found"));
      if (!expected) {
        Flag(FailureReason::kSecretMissing, "Secret " + in_.ns + "/" + c_.secret_name,
             "not found; endpoints using it have no certificate",
             "cert-manager re-issues into it; follow the CertificateRequest: kubectl get "
             "certificaterequest" +
                 cmd_ns_,
             "CertwatchCertificateNotReady");
      }
      return;
    }
    const SecretCertState& sec = *in_.secret;
    if (!sec.error.empty()) {
      Add(s, FindingLevel::kFail, "tls.crt: " + sec.error);
      return;
    }
    Add(s, sec.facts.not_after <= now_ ? FindingLevel::kFail : FindingLevel::kOk,
        "tls.crt: serial " + ShortSerial(sec.facts.serial) + ", " + sec.facts.subject +
            ", expires " + When(sec.facts.not_after));
    if (c_.not_after && *c_.not_after != sec.facts.not_after) {
      Add(s, FindingLevel::kWarn,
          "tls.crt expires " + FormatRfc3339(sec.facts.not_after) + " but status.notAfter is " +
              FormatRfc3339(*c_.not_after));
    }
    std::vector<std::string> missing;
    std::set<std::string, std::less<>> have(sec.facts.dns_names.begin(), sec.facts.dns_names.end());
    for (const auto& n : c_.dns_names) {
      if (!have.count(n)) missing.emplace_back(n);
    }
    if (!missing.empty()) {
      Add(s, FindingLevel::kWarn,
          "tls.crt lacks dnsNames " + JoinList(missing) +
              " (cert-manager re-issues when the spec changes)");
    }
  }

  void RequestSection() {
    const std::string rev = std::to_string(in_.request_revision);
    if (!in_.request) {
      const std::string s = "CertificateRequest (revision " + rev + ")";
      if (needs_issuance_ && !c_.ready.status.empty()) {
        Add(s, FindingLevel::kWarn, "none yet for revision " + rev);
      } else {
        Add(s, FindingLevel::kInfo, "none for revision " + rev + " (no issuance in progress)");
      }
      return;
    }
    const CertificateRequestState& r = *in_.request;
    const std::string s = "CertificateRequest " + r.ns + "/" + r.name + " (revision " + rev + ")";
    Add(s, FindingLevel::kInfo, "created " + When(r.created));
    if (r.denied.status == "True" || r.ready.reason == "Denied") {
      const std::string msg = !r.denied.message.empty() ? r.denied.message : r.ready.message;
      Add(s, FindingLevel::kFail, DescribeCondition("Denied", r.denied));
      Flag(FailureReason::kRequestDenied, "CertificateRequest " + r.name, "denied: " + msg,
           "check the approver (approver-policy rules) for this request, or approve it by hand: "
           "cmctl approve " +
               r.name + cmd_ns_,
           "CertwatchCertificateNotReady");
    } else if (r.approved.status == "True") {
      Add(s, FindingLevel::kOk, DescribeCondition("Approved", r.approved));
    } else {
      Add(s, FindingLevel::kWarn, "not approved yet");
    }
    if (r.ready.status.empty()) {
      Add(s, FindingLevel::kInfo, "no Ready condition yet");
      AddEvents(s, "CertificateRequest", r.name);
      return;
    }
    const bool failed = r.ready.status == "False" && r.ready.reason == "Failed";
    Add(s,
        r.ready.status == "True" ? FindingLevel::kOk
                                 : (failed ? FindingLevel::kFail : FindingLevel::kInfo),
        DescribeCondition("Ready", r.ready));
    if (r.ready.status == "False" && certmanager::IsRateLimitedMessage(r.ready.message)) {
      RateLimited(r.ready.message, "CertificateRequest " + r.name);
    } else if (failed) {
      Flag(FailureReason::kRequestFailed, "CertificateRequest " + r.name,
           "failed: " + r.ready.message,
           "fix the issuer error above, then retry: kubectl delete certificaterequest " + r.name +
               cmd_ns_ + " (or cmctl renew " + in_.name + cmd_ns_ + ")",
           "CertwatchCertificateNotReady");
    }
    AddEvents(s, "CertificateRequest", r.name);
  }

  void OrderSection() {
    if (!in_.order) {
      if (in_.request && in_.issuer && !in_.issuer->acme_server.empty()) {
        Add("Order", FindingLevel::kInfo, "none for CertificateRequest " + in_.request->name);
      }
      return;
    }
    const OrderState& o = *in_.order;
    const std::string s = "Order " + o.ns + "/" + o.name;
    const bool rl = o.rate_limited || certmanager::IsRateLimitedMessage(o.reason);
    FindingLevel l = o.state == "valid"                            ? FindingLevel::kOk
                     : certmanager::FailedAcmeState(o.state) || rl ? FindingLevel::kFail
                                                                   : FindingLevel::kInfo;
    std::string msg = "state: " + (o.state.empty() ? std::string("(none yet)") : o.state);
    if (!o.reason.empty()) msg += ": " + o.reason;
    Add(s, l, msg);
    if (rl) {
      RateLimited(o.reason, "ACME order");
    } else if (certmanager::FailedAcmeState(o.state)) {
      Flag(FailureReason::kOrderFailed, "ACME order " + o.name,
           o.state + (o.reason.empty() ? "" : ": " + o.reason),
           "fix the cause, then let cert-manager create a new order: kubectl delete "
           "certificaterequest " +
               o.request + cmd_ns_,
           "CertwatchCertificateNotReady");
    }
    AddEvents(s, "Order", o.name);
  }

  void ChallengeSection() {
    for (const auto& ch : in_.challenges) {
      const std::string s = "Challenge " + ch.ns + "/" + ch.name;
      std::string id = ch.type + " for " + (ch.wildcard ? "*." : "") + ch.dns_name;
      std::string msg = id + ": state " +
                        (ch.state.empty() ? std::string("(none yet)") : ch.state) + ", presented " +
                        (ch.presented ? "yes" : "no") + ", processing " +
                        (ch.processing ? "yes" : "no");
      if (!ch.reason.empty()) msg += ": " + ch.reason;
      const bool failed = certmanager::FailedAcmeState(ch.state);
      Add(s,
          ch.state == "valid" ? FindingLevel::kOk
                              : (failed ? FindingLevel::kFail : FindingLevel::kInfo),
          msg);
      AddEvents(s, "Challenge", ch.name);
      if (failed) {
        Flag(FailureReason::kChallengeFailed, "ACME challenge " + ch.name,
             id + " " + ch.state + (ch.reason.empty() ? "" : ": " + ch.reason),
             "fix the cause, then delete the failed challenge to retry: kubectl delete challenge " +
                 ch.name + cmd_ns_,
             "CertwatchCertificateNotReady", ch.name);
      } else if (ch.state != "valid") {
        // While a Ready certificate renews, a pending challenge is progress, not a fault: the
        // classification (Decide) says which.
        Flag(FailureReason::kChallengePending, "ACME challenge " + ch.name,
             id + " pending" + (ch.reason.empty() ? "" : ": " + ch.reason),
             "wait for the ACME server to validate it; if it stays pending, check " + ch.type +
                 " reachability: kubectl describe challenge " + ch.name + cmd_ns_,
             "CertwatchCertificateNotReady", ch.name);
      }
    }
  }

  void EndpointSection() {
    if (!in_.endpoints_skipped.empty()) {
      Add("Endpoints", FindingLevel::kInfo, "not probed: " + in_.endpoints_skipped);
      return;
    }
    if (in_.endpoints.empty()) {
      Add("Endpoints", FindingLevel::kInfo,
          "none known (no tls_probes.targets with certificate: " + Ref() + ", no Ingress in " +
              in_.ns + " with tls secretName " + c_.secret_name + ")");
      return;
    }
    for (const auto& e : in_.endpoints) {
      std::string s = "Endpoint " + e.target;
      if (!e.server_name.empty()) s += " (SNI " + e.server_name + ")";
      if (!e.source.empty()) Add(s, FindingLevel::kInfo, "from " + e.source);
      if (!e.success || !e.leaf) {
        const std::string err = e.error.empty() ? "no certificate received" : e.error;
        Add(s, FindingLevel::kFail, "handshake failed: " + err);
        Flag(FailureReason::kEndpointUnreachable, "endpoint " + e.target,
             "handshake failed: " + err,
             "check the endpoint and the network path to it: certwatch probe tls " + e.target +
                 (e.server_name.empty() ? "" : " --server-name " + e.server_name),
             "CertwatchEndpointProbeFailed");
        continue;
      }
      const CertFacts& leaf = *e.leaf;
      const std::string served =
          "serial " + ShortSerial(leaf.serial) + " expiring " + FormatRfc3339(leaf.not_after);
      Add(s, leaf.not_after <= now_ ? FindingLevel::kFail : FindingLevel::kInfo,
          "serves " + served + " (" + leaf.subject + ", " + e.tls_version + ")");
      Add(s, e.verified ? FindingLevel::kOk : FindingLevel::kWarn,
          e.verified ? "chain and hostname verify"
                     : "does not verify: " +
                           std::string(e.verify_reason ? ToString(*e.verify_reason) : "unknown"));
      // Compare with what Kubernetes holds: the Secret's leaf when readable, else the
      // Certificate's status.notAfter.
      std::optional<bool> same;
      std::string stored;
      if (in_.secret && in_.secret->error.empty()) {
        same = leaf.fingerprint_sha256 == in_.secret->facts.fingerprint_sha256;
        stored = "Secret " + in_.ns + "/" + c_.secret_name + " holds serial " +
                 ShortSerial(in_.secret->facts.serial) + " expiring " +
                 FormatRfc3339(in_.secret->facts.not_after);
      } else if (c_.not_after) {
        same = leaf.not_after == *c_.not_after;
        stored = "Certificate status.notAfter is " + FormatRfc3339(*c_.not_after);
      }
      if (!same) {
        Add(s, FindingLevel::kInfo, "nothing stored to compare with");
      } else if (*same) {
        Add(s, FindingLevel::kOk, "serves the stored certificate");
      } else {
        Add(s, FindingLevel::kFail, "stale: " + stored);
        Flag(FailureReason::kEndpointStale, "endpoint " + e.target,
             "serves " + served + " but " + stored,
             "reload or restart the workload that terminates TLS for " + e.target +
                 " so it loads the renewed Secret",
             "CertwatchEndpointServingStaleCertificate");
      }
    }
  }

  void DnsSection() {
    // Only DNS-01 challenges still in progress have records to look for.
    std::vector<const ChallengeState*> pending;
    for (const auto& ch : in_.challenges) {
      if (ch.type == "DNS-01" && ch.state != "valid") pending.push_back(&ch);
    }
    if (pending.empty()) {
      Add("DNS", FindingLevel::kInfo, "no DNS-01 challenge in progress");
      return;
    }
    if (in_.resolvers.empty()) {
      Add("DNS", FindingLevel::kWarn,
          "no dns_probes.resolvers configured: propagation not checked");
      return;
    }
    for (const ChallengeState* ch : pending) {
      std::vector<const DnsChallengeResult*> results;
      for (const auto& r : in_.dns) {
        if (r.challenge == ch->name) results.push_back(&r);
      }
      const std::string qname = "_acme-challenge." + ch->dns_name;
      const std::string s = "DNS-01 " + qname;
      std::vector<std::string> missing_on;
      std::string first_detail;
      for (const auto* r : results) {
        std::string detail;
        if (!r->error.empty()) {
          detail = r->rcode.empty() ? r->error : r->rcode + ": " + r->error;
        } else if (r->values.empty()) {
          detail = (r->rcode.empty() ? std::string("NOERROR") : r->rcode) + ", no TXT";
        } else {
          detail = "TXT " + JoinList(r->values);
        }
        if (r->propagated) {
          Add(s, FindingLevel::kOk, "resolver " + r->resolver + ": key present");
        } else {
          Add(s, FindingLevel::kFail, "resolver " + r->resolver + ": key missing (" + detail + ")");
          missing_on.push_back(r->resolver);
          if (first_detail.empty()) first_detail = detail;
        }
      }
      if (results.empty()) {
        Add(s, ch->presented ? FindingLevel::kWarn : FindingLevel::kInfo,
            ch->presented ? "not queried" : "not presented yet: no record to look for");
        continue;
      }
      if (!missing_on.empty()) {
        std::string lookup = "certwatch probe dns " + qname + " --type TXT";
        for (const auto& r : in_.resolvers) lookup += " --resolver " + r;
        Flag(FailureReason::kDnsNotPropagated, "DNS-01 challenge " + ch->name,
             "TXT " + qname + " not propagated on " +
                 (missing_on.size() == 1 ? "resolver " : "resolvers ") + JoinList(missing_on) +
                 " (" + std::to_string(missing_on.size()) + " of " +
                 std::to_string(results.size()) + "; " + first_detail + ")",
             "check the DNS provider's zone and the record's TTL, then compare: " + lookup,
             "CertwatchDns01ChallengeNotPropagated");
      }
    }
  }

  void CaaSection() {
    if (!in_.caa_skipped.empty()) {
      Add("CAA", FindingLevel::kInfo, "not checked: " + in_.caa_skipped);
      return;
    }
    for (const auto& r : in_.caa) {
      const std::string name = (r.wildcard ? "*." : "") + r.domain;
      std::string where = r.record_domain.empty()
                              ? "no CAA records up to the root"
                              : "CAA at " + r.record_domain + ": " + JoinList(r.records, "; ");
      if (r.allowed) {
        Add("CAA", FindingLevel::kOk, name + ": " + r.ca_domain + " allowed (" + where + ")");
        continue;
      }
      Add("CAA", FindingLevel::kFail,
          name + ": " + r.ca_domain + " forbidden (" + where + ")" +
              (r.reason.empty() ? "" : ": " + r.reason));
      const std::string at = r.record_domain.empty() ? r.domain : r.record_domain;
      Flag(FailureReason::kCaaForbidden, "CAA check",
           "CAA at " + at + " forbids " + r.ca_domain + " for " + name,
           "add a CAA record '" + at + ". CAA 0 " + (r.wildcard ? "issuewild" : "issue") + " \"" +
               r.ca_domain + "\"' or move the certificate to an issuer whose CA is allowed",
           "CertwatchCaaForbidsIssuer");
    }
  }

  void BackoffSection() {
    if (!backoff_) {
      Add("Backoff", FindingLevel::kOk, "no failed issuance (status.lastFailureTime unset)");
      return;
    }
    const certmanager::IssuanceBackoff& b = *backoff_;
    std::string msg = std::to_string(b.failed_attempts) + " failed issuance attempt" +
                      (b.failed_attempts == 1 ? "" : "s") + ", last at " + When(b.last_failure) +
                      "; backoff " + FormatDuration(std::chrono::seconds(b.delay_seconds));
    if (b.active) {
      Add("Backoff", FindingLevel::kWarn, msg + ": cert-manager retries at " + When(b.next_retry));
    } else {
      Add("Backoff", FindingLevel::kInfo,
          msg + ": elapsed at " + FormatRfc3339(b.next_retry) +
              ", cert-manager retries on its next sync");
    }
  }

  // The issuance chain's reason is the classification's (the same the exporter exports);
  // a finding of the walk gives it its words. Findings only `status` sees compete by Rank.
  Verdict Decide() const {
    Verdict v;
    const FailureReason chain = model_.reason;
    auto eligible = [&](const Candidate& c) {
      return SeenOnlyByStatus(c.problem) || c.problem == chain;
    };
    const Candidate* best = nullptr;
    bool chain_worded = false;
    for (const auto& c : candidates_) {
      if (!eligible(c)) continue;
      if (c.problem == chain) {
        // Several challenges may be pending or failed: the classified one names it.
        if (!c.object.empty() && !model_.cause.object.empty() && c.object != model_.cause.object)
          continue;
        chain_worded = true;
      }
      // On a tie the later one wins: it is deeper in the chain, so more specific.
      if (!best || Rank(c.problem) <= Rank(best->problem)) best = &c;
    }
    Candidate fallback;
    if (chain != FailureReason::kNone && !chain_worded &&
        (!best || Rank(chain) < Rank(best->problem))) {
      // The walk found no words for what the classification says: say it plainly.
      fallback.problem = chain;
      fallback.stuck_at = std::string(StageName(model_.cause.stage));
      fallback.stuck_at += model_.cause.stage == certmanager::IssuanceStage::kNone ||
                                   model_.cause.stage == certmanager::IssuanceStage::kCertificate
                               ? "Certificate " + Ref()
                               : model_.cause.object;
      fallback.summary = model_.message;
      fallback.next_step = "kubectl describe certificate " + in_.name + cmd_ns_;
      fallback.alert = "CertwatchCertificateNotReady";
      best = &fallback;
    }
    if (best) {
      v.problem = best->problem;
      v.stuck_at = best->stuck_at;
      v.summary = best->summary;
      v.next_step = best->next_step;
      if (!best->alert.empty()) {
        v.runbook = RunbookLink(in_.runbook_base_url, best->alert);
      }
      if (expired_ && best->problem != FailureReason::kExpired) {
        v.summary += " (certificate expired at " + FormatRfc3339(*c_.not_after) + ")";
      }
      return v;
    }
    v.summary = "Ready";
    if (c_.not_after) v.summary += ", expires " + FormatRfc3339(*c_.not_after);
    if (c_.renewal_time) v.summary += ", renewal due " + FormatRfc3339(*c_.renewal_time);
    size_t serving = 0;
    for (const auto& e : in_.endpoints) serving += e.success ? 1 : 0;
    if (serving) {
      v.summary +=
          ", served by " + std::to_string(serving) + " endpoint" + (serving == 1 ? "" : "s");
    }
    return v;
  }

  const DiagnoseInput& in_;
  const CertificateState& c_;
  UnixSeconds now_;
  std::optional<certmanager::IssuanceBackoff> backoff_;
  certmanager::Classification model_;
  bool ready_ = false, expired_ = false, needs_issuance_ = false;
  std::string cmd_ns_;
  std::vector<Finding> findings_;
  std::vector<Candidate> candidates_;
};

}  // namespace

Diagnosis Diagnose(const DiagnoseInput& in, UnixSeconds now) { return Walk(in, now).Run(); }

}  // namespace certwatch
