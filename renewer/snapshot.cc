#include "renewer/snapshot.h"

namespace certwatch::renewer {

std::string Key(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

std::vector<const CertificateRequestState*> RequestsOf(const StateData& d,
                                                       const CertificateState& cert) {
  std::vector<const CertificateRequestState*> out;
  // Requests are keyed "ns/name", so the certificate's namespace is one contiguous range.
  const std::string prefix = cert.ns + "/";
  for (auto it = d.requests.lower_bound(prefix);
       it != d.requests.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    if (it->second.ns == cert.ns && it->second.certificate == cert.name) {
      out.push_back(&it->second);
    }
  }
  return out;
}

std::vector<const ChallengeState*> ChallengesOf(const StateData& d, const CertificateState& cert) {
  std::vector<const ChallengeState*> out;
  auto requests = RequestsOf(d, cert);
  if (requests.empty()) return out;
  const std::string prefix = cert.ns + "/";
  for (auto it = d.challenges.lower_bound(prefix);
       it != d.challenges.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    const ChallengeState& ch = it->second;
    auto order = d.orders.find(Key(ch.ns, ch.order));
    if (order == d.orders.end()) continue;
    for (const auto* cr : requests) {
      if (order->second.request == cr->name) {
        out.push_back(&ch);
        break;
      }
    }
  }
  return out;
}

Propagation PropagationOf(const StateData& d, const ChallengeState& ch) {
  Propagation p;
  const std::string prefix = Key(ch.ns, ch.name) + "|";
  for (auto it = d.dns_challenges.lower_bound(prefix);
       it != d.dns_challenges.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    ++p.resolvers;
    if (it->second.propagated) ++p.propagated;
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
