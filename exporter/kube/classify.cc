#include "exporter/kube/classify.h"

#include <libpsl.h>

#include <algorithm>
#include <set>
#include <unordered_map>
#include <vector>

#include "certmanager/backoff.h"
#include "certmanager/issuance.h"
#include "certmanager/requests.h"
#include "common/strings.h"
#include "exporter/kube/decode.h"
#include "state/keys.h"

namespace certwatch {

namespace {

constexpr int64_t kWeek = 7 * 24 * 3600;

struct Index {
  // By the owner's ObjectKey: "ns/certificate" -> its requests; "ns/request" -> orders;
  // "ns/order" -> challenges.
  std::unordered_map<std::string, std::vector<const CertificateRequestState*>> requests;
  std::unordered_map<std::string, std::vector<const OrderState*>> orders;
  std::unordered_map<std::string, std::vector<const ChallengeState*>> challenges;
};

Index BuildIndex(const StateData& d) {
  Index ix;
  for (const auto& [k, r] : d.requests) {
    if (!r.certificate.empty()) ix.requests[ObjectKey(r.ns, r.certificate)].push_back(&r);
  }
  for (const auto& [k, o] : d.orders) {
    if (!o.request.empty()) ix.orders[ObjectKey(o.ns, o.request)].push_back(&o);
  }
  for (const auto& [k, c] : d.challenges) {
    if (!c.order.empty()) ix.challenges[ObjectKey(c.ns, c.order)].push_back(&c);
  }
  return ix;
}

const IssuerState* FindIssuer(const StateData& d, const std::string& ns, const IssuerRef& ref) {
  if (ref.group != "cert-manager.io") return nullptr;
  auto it = d.issuers.find(IssuerKey(ref, ns));
  return it == d.issuers.end() ? nullptr : &it->second;
}

// The objects cert-manager works on for `c`, found through the index.
certmanager::IssuanceObjects ObjectsOf(const StateData& d, const Index& ix,
                                       const CertificateState& c) {
  static const std::vector<const CertificateRequestState*> kNoRequests;
  static const std::vector<const OrderState*> kNoOrders;
  static const std::vector<const ChallengeState*> kNoChallenges;
  certmanager::IssuanceObjects in;
  in.certificate = &c;
  in.issuer = FindIssuer(d, c.ns, c.issuer);
  auto rit = ix.requests.find(ObjectKey(c.ns, c.name));
  in.request = certmanager::CurrentRequest(rit == ix.requests.end() ? kNoRequests : rit->second, c);
  if (in.request) {
    auto oit = ix.orders.find(ObjectKey(in.request->ns, in.request->name));
    in.order =
        certmanager::CurrentOrder(oit == ix.orders.end() ? kNoOrders : oit->second, *in.request);
  }
  if (in.order) {
    auto chit = ix.challenges.find(ObjectKey(in.order->ns, in.order->name));
    in.challenges = certmanager::ChallengesOfOrder(
        chit == ix.challenges.end() ? kNoChallenges : chit->second, *in.order);
  }
  return in;
}

}  // namespace

bool IsSupersededRequest(const StateData& data, const CertificateRequestState& r) {
  if (r.certificate.empty()) return false;
  auto it = data.certificates.find(ObjectKey(r.ns, r.certificate));
  return it != data.certificates.end() && certmanager::Superseded(r, it->second);
}

size_t DropSupersededRequests(StateData& data) {
  return std::erase_if(data.requests,
                       [&](const auto& entry) { return IsSupersededRequest(data, entry.second); });
}

std::optional<UnixSeconds> NextRetryTime(const CertificateState& c) {
  auto backoff = certmanager::ComputeIssuanceBackoff(c, 0);
  if (!backoff) return std::nullopt;
  return backoff->next_retry;
}

namespace {

void ClassifyWith(const StateData& d, const Index& ix, CertificateState& c, UnixSeconds now,
                  const ClassifyOptions& o) {
  certmanager::Classification result =
      certmanager::Classify(ObjectsOf(d, ix, c), now, {o.renewal_overdue_grace_seconds});
  c.acme_rate_limited = result.cause.reason == FailureReason::kRateLimited;
  c.failure = result.reason;
  c.failure_message = std::move(result.message);
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
  name = AsciiLower(name);
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
      RateLimitBudget& b = budgets[BudgetKey(dom)];
      b.registered_domain = dom;
      b.limit = o.rate_limit_per_week;
      if (c.not_before && *c.not_before <= now && *c.not_before > now - kWeek) ++b.issued_last_7d;
      if (c.renewal_time && *c.renewal_time <= now + kWeek) ++b.renewals_next_7d;
    }
  }
  d.budgets = std::move(budgets);
}

}  // namespace certwatch
