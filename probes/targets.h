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

// How one configured target is probed: its identity (config/tls_target.h: host, port, server
// name defaulted to the host), its files, its minimum version and STARTTLS protocol parsed, the
// deadline of `timeout`. The exporter's schedule, `status certificate` and `probe tls` all
// build their options here. Errors start with the field ("address: ...", "min_version: ...").
Result<TlsProbeOptions> ProbeOptionsFor(const TlsTargetConfig& target,
                                        std::chrono::milliseconds timeout);

// tls_probes.allowed_cidrs / allowed_domain_suffixes.
class AllowList {
 public:
  static Result<AllowList> Parse(const std::vector<std::string>& cidrs,
                                 const std::vector<std::string>& suffixes);
  // Allowed when the address is an IP inside one of the networks, or when the address (a
  // load-balancer host name) or the tls host is, or ends in, one of the suffixes (on a label
  // boundary: "example.test" allows "a.example.test", not "badexample.test").
  bool Allows(std::string_view address, std::string_view tls_host) const;
  bool IpAllowed(std::string_view ip) const;
  bool NameAllowed(std::string_view name) const;

 private:
  struct Net {
    int family = 0;
    unsigned char addr[16] = {};
    int prefix = 0;
  };
  std::vector<Net> nets_;
  std::vector<std::string> suffixes_;  // lower case, no leading/trailing dot
};

// Targets of tls_probes.targets, with timeouts from the section. Errors name the target.
Result<std::vector<TlsTarget>> StaticTargets(const TlsProbesConfig& config,
                                             const StateData* state = nullptr);

struct Discovery {
  std::vector<TlsTarget> targets;
  std::vector<std::string> rejected;  // "ns/ingress host@address: not in the allow-list"
};

// Targets from Ingresses (tls hosts x load-balancer addresses). Wildcard hosts are skipped
// (no name to send as SNI). Duplicates (same address and host) are probed once.
Discovery IngressTargets(const StateData& state, const TlsProbesConfig& config, int ingress_port,
                         const AllowList& allow);

}  // namespace certwatch
