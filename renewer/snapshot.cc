#include "renewer/snapshot.h"

#include "certmanager/requests.h"

namespace certwatch::renewer {

namespace {

// The objects of one namespace: one contiguous range of the map (a scan of the namespace, not
// of the whole cluster, per certificate).
template <typename T>
std::vector<const T*> InNamespace(const std::map<std::string, T>& objects, const std::string& ns) {
  std::vector<const T*> out;
  for (const auto& [key, object] : PrefixRange(objects, NamespaceKeyPrefix(ns))) {
    out.push_back(&object);
  }
  return out;
}

}  // namespace

std::vector<const CertificateRequestState*> RequestsOf(const StateData& d,
                                                       const CertificateState& cert) {
  std::vector<const CertificateRequestState*> out;
  for (const auto* r : InNamespace(d.requests, cert.ns)) {
    if (certmanager::RequestOf(*r, cert)) out.push_back(r);
  }
  return out;
}

std::vector<const ChallengeState*> ChallengesOf(const StateData& d, const CertificateState& cert) {
  // The Challenges cert-manager works on: those of the current request's current Order
  // (certmanager/requests.h), the same ones the exporter classifies and `status` shows.
  const CertificateRequestState* request = certmanager::CurrentRequest(RequestsOf(d, cert), cert);
  if (!request) return {};
  const OrderState* order = certmanager::CurrentOrder(InNamespace(d.orders, cert.ns), *request);
  if (!order) return {};
  return certmanager::ChallengesOfOrder(InNamespace(d.challenges, cert.ns), *order);
}

Propagation PropagationOf(const StateData& d, const ChallengeState& ch) {
  Propagation p;
  for (const auto& [key, r] :
       PrefixRange(d.dns_challenges, ChallengeResultKeyPrefix(ch.ns, ch.name))) {
    ++p.resolvers;
    if (r.propagated) ++p.propagated;
  }
  return p;
}

bool ChallengePropagating(const StateData& d, const CertificateState& cert) {
  if (cert.failure == FailureReason::kDnsNotPropagated) return true;
  for (const auto* ch : ChallengesOf(d, cert)) {
    if (ch->type != "DNS-01" || !ch->presented) continue;
    if (ch->state == "valid" || ch->state == "invalid" || ch->state == "errored") continue;
    if (!PropagationOf(d, *ch).Everywhere()) return true;
  }
  return false;
}

}  // namespace certwatch::renewer
