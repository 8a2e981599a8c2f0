// What the renewer acts on: one read of the exporter's state API, plus lookups that follow the
// cert-manager ownership chain (Certificate → CertificateRequest → Order → Challenge).
#pragma once

#include <chrono>
#include <vector>

#include "state/keys.h"
#include "state/state.h"

namespace certwatch::renewer {

using TimePoint = std::chrono::system_clock::time_point;

struct Snapshot {
  bool synced = false;           // the exporter's Kubernetes caches were synced when it answered
  UnixSeconds generated_at = 0;  // exporter clock when the state was serialised
  StateData data;
};

inline UnixSeconds ToUnix(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// The certificate's CertificateRequests (by the request's `certificate` field).
std::vector<const CertificateRequestState*> RequestsOf(const StateData& d,
                                                       const CertificateState& cert);
// The Challenges of the current Order of the current request (certmanager/requests.h).
std::vector<const ChallengeState*> ChallengesOf(const StateData& d, const CertificateState& cert);

struct Propagation {
  int resolvers = 0;   // resolvers that were asked for this challenge's TXT record
  int propagated = 0;  // of those, how many return the expected key
  bool Everywhere() const { return resolvers > 0 && propagated == resolvers; }
};
Propagation PropagationOf(const StateData& d, const ChallengeState& ch);

// A DNS-01 challenge presented and still waiting for its record to reach every resolver, or
// the certificate's classification says so: re-issuing now would only throw that work away.
bool ChallengePropagating(const StateData& d, const CertificateState& cert);

}  // namespace certwatch::renewer
