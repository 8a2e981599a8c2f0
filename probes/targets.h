// TLS probe targets: the static ones of tls_probes.targets and those discovered from Ingress
// tls hosts (the load-balancer address on kubernetes.ingress_port, SNI = the tls host), each
// linked to the Certificate / Secret it should serve. Discovered targets pass an allow-list so
// that a tenant's Ingress cannot make certwatch probe arbitrary internal addresses.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/allow_list.h"
#include "config/config.h"
#include "config/tls_target.h"
#include "probes/tls.h"
#include "state/keys.h"
#include "state/state.h"

namespace certwatch {

struct TlsTarget {
  std::string target;  // host:port, the `target` label
  TlsProbeOptions options;
  std::string source;       // "static" or "ingress:<ns>/<name>"
  std::string certificate;  // ObjectKey "namespace/name" or ""
  std::string secret;       // ObjectKey "namespace/name" or ""
  // The state-store key and the job key: TlsResultKey, "target|server_name".
  std::string Key() const { return TlsResultKey(target, options.server_name); }
};

// How a resolved target (config/tls_target.h) is probed, with the deadline `timeout`. The
// exporter's schedule, `status certificate` and `probe tls` all build their options here.
TlsProbeOptions ProbeOptionsFor(const ResolvedTlsTarget& target, std::chrono::milliseconds timeout);

// Targets of tls_probes.resolved_targets, with timeouts from the section, each linked to the
// Secret of the Certificate it should serve when `state` knows it.
std::vector<TlsTarget> StaticTargets(const TlsProbesConfig& config,
                                     const StateData* state = nullptr);

struct Discovery {
  std::vector<TlsTarget> targets;
  std::vector<SkippedTlsTarget> skipped;
};

// Targets from Ingresses (tls hosts x load-balancer addresses) under tls_probes.discovery:
// with "certificates", those a Certificate covers plus what `allow` allows; with
// "allow_list", what `allow` allows. Skipped, with their reason: wildcard hosts (no name to
// send as SNI), tls entries without a load-balancer address yet, and what the policy leaves
// out. Duplicates (same address and host) are probed once.
Discovery IngressTargets(const StateData& state, const TlsProbesConfig& config, int ingress_port,
                         const AllowList& allow);

}  // namespace certwatch
