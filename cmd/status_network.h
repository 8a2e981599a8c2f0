// The NetworkChecker of `certwatch status certificate` on the real probers: every endpoint
// handshaken at once by the TLS prober on a private event loop, and one round of the DNS
// probes source (DNS-01 keys on every resolver, CAA climb) run over a private state store
// that holds only this certificate, so the answers are exactly what `serve` would export.
#pragma once

#include "config/config.h"
#include "diagnose/gather.h"

namespace certwatch {

class ProbeNetworkChecker final : public NetworkChecker {
 public:
  explicit ProbeNetworkChecker(const Config& config) : config_(config) {}
  std::vector<TlsProbeResult> ProbeEndpoints(const std::vector<EndpointTarget>& targets) override;
  DnsCheckResult CheckDns(const CertificateState& certificate,
                          const std::optional<IssuerState>& issuer,
                          const std::vector<ChallengeState>& challenges) override;

 private:
  const Config& config_;
};

}  // namespace certwatch
