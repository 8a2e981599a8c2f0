// Where the API server calls each caBundle's webhook (kubernetes.ca_bundles): the Service's
// ready endpoints (EndpointSlices; the Service port mapped to the slice port of the same name,
// or to a numeric targetPort) or the url, and the SNI it sends (<service>.<namespace>.svc, or
// the url's host). The TLS prober probes these (probes/ca_bundle_targets.h); the collector and
// `certwatch status webhook` say why an entry has none.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/state.h"

namespace certwatch {

struct CaBundleEndpoint {
  std::string host;
  int port = 0;
};

struct CaBundleResolution {
  std::string kind, name;  // the object
  const CaBundleEntry* entry = nullptr;
  std::string source;   // CaBundleProbeSource
  std::string service;  // "ns/name:port" of the Service, or the url
  std::string server_name;
  std::vector<CaBundleEndpoint> endpoints;
  std::string problem;  // why there is no endpoint ("" when there are)
};

// Every entry of `state.ca_bundles`, in key order.
std::vector<CaBundleResolution> ResolveCaBundles(const StateData& state);

// The verdict label of certwatch_ca_bundle_verify_failure for one probe: stale_ca_bundle,
// expired, hostname_mismatch, unreachable; "" when it verified.
std::string_view CaBundleFailureReason(const CaBundleProbeState& probe);

// The verdict of one entry over its probes (state.ca_bundle_probes): the worst failure reason
// (a caBundle that fails one endpoint fails the calls the API server sends there), "" when
// every endpoint verified, nullopt while none was probed yet. An unparsable caBundle is
// invalid_ca_bundle and an entry without endpoints unreachable, probed or not.
std::optional<std::string_view> CaBundleVerdict(const StateData& state,
                                                const CaBundleResolution& r);

// Every reason CaBundleVerdict gives, worst first.
inline constexpr std::string_view kCaBundleFailureReasons[] = {
    "stale_ca_bundle", "invalid_ca_bundle", "expired", "hostname_mismatch", "unreachable"};

}  // namespace certwatch
