// TLS targets of the caBundles the API server trusts (kubernetes.ca_bundles.verify_served):
// each webhook endpoint that state/ca_bundle_endpoints.h resolves, with the SNI the API server
// sends and the caBundle's CAs as the only trust anchors. They come from the cluster's own API
// objects, so the Ingress allow-list does not apply to them.
#pragma once

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "probes/targets.h"
#include "state/ca_bundle_endpoints.h"

namespace certwatch {

// The targets of one resolution (none when its caBundle does not parse: it is stale whatever
// is served), each with source "ca_bundle:<kind>/<name>/<webhook>".
std::vector<TlsTarget> CaBundleTargets(const CaBundleResolution& r,
                                       std::chrono::milliseconds timeout);
// Those of every entry of `state.ca_bundles`.
std::vector<TlsTarget> CaBundleTargets(const StateData& state, std::chrono::milliseconds timeout);

// The key of a caBundle target's probe job and of its CaBundleProbeState: "<source>|<Key()>".
// Two caBundles on one endpoint are probed each with its own anchors.
std::string CaBundleJobKey(const TlsTarget& target);

// The TLS result keys (target|server_name) that the caBundle job keys among `job_keys` write.
std::set<std::string> CaBundleResultKeys(const std::set<std::string>& job_keys);

// Whether `target` checks a caBundle (its source starts with "ca_bundle:").
bool IsCaBundleTarget(const TlsTarget& target);

// The probe state the scheduler keeps for a caBundle target (ca_bundle_probes[job key]).
CaBundleProbeState CaBundleProbeOf(const TlsTarget& target, const TlsProbeResult& result);

}  // namespace certwatch
