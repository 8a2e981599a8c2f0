#include "exporter/kube/classify.h"

#include <libpsl.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>
#include <vector>

#include "exporter/kube/decode.h"

namespace certwatch {

namespace {

constexpr int64_t kHour = 3600;
constexpr int64_t kWeek = 7 * 24 * kHour;

struct Index {
  // "ns/certificate" -> its requests; "ns/request" -> orders; "ns/order" -> challenges.
  std::unordered_map<std::string, std::vector<const CertificateRequestState*>> requests;
  std::unordered_map<std::string, std::vector<const OrderState*>> orders;
  std::unordered_map<std::string, std::vector<const ChallengeState*>> challenges;
};

Index BuildIndex(const StateData& d) {
  Index ix;
  for (const auto& [k, r] : d.requests) {
    if (!r.certificate.empty()) ix.requests[r.ns + "/" + r.certificate].push_back(&r);
  }
  for (const auto& [k, o] : d.orders) {
    if (!o.request.empty()) ix.orders[o.ns + "/" + o.request].push_back(&o);
  }
  for (const auto& [k, c] : d.challenges) {
    if (!c.order.empty()) ix.challenges[c.ns + "/" + c.order].push_back(&c);
  }
  return ix;
}

const IssuerState* FindIssuer(const StateData& d, const std::string& ns, const IssuerRef& ref) {
  if (ref.group != "cert-manager.io") return nullptr;
  auto it = ref.kind == "ClusterIssuer" ? d.issuers.find("ClusterIssuer/" + ref.name)
                                        : d.issuers.find("Issuer/" + ns + "/" + ref.name);
  return it == d.issuers.end() ? nullptr : &it->second;
}

// The request cert-manager is working on (or last failed on): revision+1, else the newest.
const CertificateRequestState* CurrentRequest(
    const std::vector<const CertificateRequestState*>* reqs, const CertificateState& c) {
  if (!reqs) return nullptr;
  const CertificateRequestState* best = nullptr;
  for (const auto* r : *reqs) {
    if (r->revision == c.revision + 1) return r;
  }
  for (const auto* r : *reqs) {
    if (r->revision > c.revision && (!best || r->created > best->created)) best = r;
  }
  return best;
}

const OrderState* NewestOrder(const std::vector<const OrderState*>* orders) {
  if (!orders) return nullptr;
  const OrderState* best = nullptr;
  for (const auto* o : *orders) {
    if (!best || o->created > best->created ||
        (o->created == best->created && o->name > best->name)) {
      best = o;
    }
  }
  return best;
}

bool Failed(const std::string& state) { return state == "invalid" || state == "errored"; }

struct Cause {
  FailureReason reason = FailureReason::kNone;
  std::string message;
  bool in_progress = false;  // a normal step of issuance, not a failure
};

Cause FindCause(const StateData& d, const Index& ix, const CertificateState& c) {
  const std::string ck = c.ns + "/" + c.name;
  auto rit = ix.requests.find(ck);
  const CertificateRequestState* req =
      CurrentRequest(rit == ix.requests.end() ? nullptr : &rit->second, c);
  const OrderState* order = nullptr;
  std::vector<const ChallengeState*> challenges;
  if (req) {
    auto oit = ix.orders.find(req->ns + "/" + req->name);
    order = NewestOrder(oit == ix.orders.end() ? nullptr : &oit->second);
    if (order) {
      auto chit = ix.challenges.find(order->ns + "/" + order->name);
      if (chit != ix.challenges.end()) challenges = chit->second;
    }
  }
  // Rate limits first: they explain every other symptom and must stop remediation.
  if (order && order->rate_limited) return {FailureReason::kRateLimited, order->reason};
  if (req && req->ready.status == "False" && IsRateLimitedMessage(req->ready.message)) {
    return {FailureReason::kRateLimited, req->ready.message};
  }
  if (c.issuing.status != "" && IsRateLimitedMessage(c.issuing.message)) {
    return {FailureReason::kRateLimited, c.issuing.message};
  }
  if (req && (req->denied.status == "True" || req->ready.reason == "Denied")) {
    return {FailureReason::kRequestDenied,
            !req->denied.message.empty() ? req->denied.message : req->ready.message};
  }
  for (const auto* ch : challenges) {
    if (Failed(ch->state)) {
      return {FailureReason::kChallengeFailed, ch->dns_name + ": " + ch->reason};
    }
  }
  if (order && Failed(order->state)) return {FailureReason::kOrderFailed, order->reason};
  if (req && req->ready.status == "False" && req->ready.reason == "Failed") {
    return {FailureReason::kRequestFailed, req->ready.message};
  }
  // Issuer problems matter only while something has to be issued.
  const bool needs_issuance = c.ready.status != "True" || c.issuing.status == "True";
  if (needs_issuance) {
    const IssuerState* iss = FindIssuer(d, c.ns, c.issuer);
    if (c.issuer.group == "cert-manager.io" && (!iss || iss->ready.status != "True")) {
      return {FailureReason::kIssuerNotReady,
              !iss ? c.issuer.kind + " " + c.issuer.name + " not found" : iss->ready.message};
    }
  }
  for (const auto* ch : challenges) {
    if (ch->state != "valid") {
      return {FailureReason::kChallengePending,
              ch->type + " " + ch->dns_name + ": " + (ch->reason.empty() ? ch->state : ch->reason),
              true};
    }
  }
  if (c.issuing.status == "False" && c.issuing.reason == "Failed") {
    return {FailureReason::kRequestFailed, c.issuing.message};
  }
  return {};
}

}  // namespace

std::optional<UnixSeconds> NextRetryTime(const CertificateState& c) {
  if (!c.last_failure_time) return std::nullopt;
  int attempts = std::max(c.failed_issuance_attempts, 1);
  int64_t delay = kHour;
  for (int i = 1; i < attempts && delay < 32 * kHour; ++i) delay *= 2;
  delay = std::min<int64_t>(delay, 32 * kHour);
  return *c.last_failure_time + delay;
}

namespace {

void ClassifyWith(const StateData& d, const Index& ix, CertificateState& c, UnixSeconds now,
                  const ClassifyOptions& o) {
  Cause cause = FindCause(d, ix, c);
  c.acme_rate_limited = cause.reason == FailureReason::kRateLimited;
  const bool has_status = c.ready.status != "" || c.not_after.has_value();
  const bool expired = c.not_after && *c.not_after <= now;
  const bool overdue = c.renewal_time && now > *c.renewal_time + o.renewal_overdue_grace_seconds;
  const bool healthy = c.ready.status == "True" && !expired && !overdue;
  if (!has_status && cause.reason == FailureReason::kNone) {
    c.failure = FailureReason::kUnknown;
    c.failure_message = "no status yet";
    return;
  }
  if (cause.reason != FailureReason::kNone && !(healthy && cause.in_progress)) {
    c.failure = cause.reason;
    c.failure_message = std::move(cause.message);
    return;
  }
  if (expired) {
    c.failure = FailureReason::kExpired;
    c.failure_message = "notAfter is in the past";
  } else if (overdue) {
    c.failure = FailureReason::kRenewalOverdue;
    c.failure_message = "past renewalTime and not renewed";
  } else if (c.ready.status == "False") {
    c.failure = FailureReason::kNotReady;
    c.failure_message = c.ready.reason + ": " + c.ready.message;
  } else if (c.ready.status != "True") {
    c.failure = FailureReason::kUnknown;
    c.failure_message = "no Ready condition";
  } else {
    c.failure = FailureReason::kNone;
    c.failure_message.clear();
  }
}

}  // namespace

void ClassifyCertificate(const StateData& d, CertificateState& c, UnixSeconds now,
                         const ClassifyOptions& o) {
  ClassifyWith(d, BuildIndex(d), c, now, o);
}

const psl_ctx_t* DefaultPsl() {
  static const psl_ctx_t* psl = [] {
    psl_ctx_t* p = psl_load_file("/usr/share/publicsuffix/public_suffix_list.dat");
    return p ? p : psl_builtin();
  }();
  return psl;
}

std::string RegisteredDomain(const psl_ctx_t* psl, std::string_view dns_name) {
  std::string name(dns_name);
  if (name.starts_with("*.")) name.erase(0, 2);
  while (!name.empty() && name.back() == '.') name.pop_back();
  for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (psl) {
    if (const char* reg = psl_registrable_domain(psl, name.c_str())) return reg;
    return name;  // a public suffix itself, or an unknown TLD
  }
  size_t last = name.rfind('.');
  if (last == std::string::npos || last == 0) return name;
  size_t prev = name.rfind('.', last - 1);
  return prev == std::string::npos ? name : name.substr(prev + 1);
}

void ClassifyAll(StateData& d, UnixSeconds now, const ClassifyOptions& o) {
  Index ix = BuildIndex(d);
  std::map<std::string, RateLimitBudget> budgets;
  for (auto& [key, c] : d.certificates) {
    ClassifyWith(d, ix, c, now, o);
    // Budget: only certificates of ACME issuers count against an ACME CA's limits.
    const IssuerState* iss = FindIssuer(d, c.ns, c.issuer);
    if (!iss || iss->acme_server.empty()) continue;
    std::set<std::string> domains;
    for (const auto& n : c.dns_names) domains.insert(RegisteredDomain(o.psl, n));
    for (const auto& dom : domains) {
      RateLimitBudget& b = budgets[dom];
      b.registered_domain = dom;
      b.limit = o.rate_limit_per_week;
      if (c.not_before && *c.not_before <= now && *c.not_before > now - kWeek) ++b.issued_last_7d;
      if (c.renewal_time && *c.renewal_time <= now + kWeek) ++b.renewals_next_7d;
    }
  }
  d.budgets = std::move(budgets);
}

}  // namespace certwatch
