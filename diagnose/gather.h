// Gathering the facts for `certwatch status certificate`: the walk Certificate -> Issuer ->
// Secret -> CertificateRequest (revision + 1) -> Order -> Challenges, then the endpoints that
// serve the certificate, its DNS-01 records and CAA. The cluster and the network sit behind
// two small interfaces, so the walk runs against the real API and probers in the binary and
// against fakes in unit tests.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "diagnose/facts.h"

namespace certwatch {

// Reads cert-manager objects. A missing object is an empty optional; an Error is a failed
// lookup (transport, permission, undecodable answer).
class ClusterReader {
 public:
  virtual ~ClusterReader() = default;
  virtual Result<std::optional<CertificateState>> Certificate(const std::string& ns,
                                                              const std::string& name) = 0;
  // ClusterIssuer when ref.kind says so (then `ns` is ignored), else Issuer in `ns`.
  virtual Result<std::optional<IssuerState>> Issuer(const std::string& ns,
                                                    const IssuerRef& ref) = 0;
  virtual Result<std::optional<SecretCertState>> Secret(const std::string& ns,
                                                        const std::string& name) = 0;
  virtual Result<std::vector<CertificateRequestState>> Requests(const std::string& ns) = 0;
  virtual Result<std::vector<OrderState>> Orders(const std::string& ns) = 0;
  virtual Result<std::vector<ChallengeState>> Challenges(const std::string& ns) = 0;
  virtual Result<std::vector<IngressState>> Ingresses(const std::string& ns) = 0;
  // Events whose involvedObject is kind/name in `ns`.
  virtual Result<std::vector<KubeEvent>> Events(const std::string& ns, const std::string& kind,
                                                const std::string& name) = 0;
};

// One endpoint to handshake: a configured target or an Ingress host.
struct EndpointTarget {
  ResolvedTlsTarget target;  // address, host, port, server_name, ca_file, ... (certificate)
  std::string source;        // "tls_probes.targets" or "ingress:<ns>/<name>"
};

struct DnsCheckResult {
  std::vector<DnsChallengeResult> challenges;  // per (challenge, resolver)
  std::vector<CaaResult> caa;                  // per dnsName
  std::string caa_skipped;                     // why CAA was not evaluated
  std::vector<std::string> errors;
};

// Reaches out to the network: TLS handshakes and DNS questions.
class NetworkChecker {
 public:
  virtual ~NetworkChecker() = default;
  virtual std::vector<TlsProbeResult> ProbeEndpoints(
      const std::vector<EndpointTarget>& targets) = 0;
  // The TXT key of every presented DNS-01 challenge on every resolver, and CAA for the
  // certificate's names against its ACME issuer's CA.
  virtual DnsCheckResult CheckDns(const CertificateState& certificate,
                                  const std::optional<IssuerState>& issuer,
                                  const std::vector<ChallengeState>& challenges) = 0;
};

// Endpoints that should serve the certificate: tls_probes.targets whose certificate is
// "ns/name", and for each Ingress TLS entry with the Certificate's secretName, each host on
// each load-balancer address (the host itself when there is none) at `ingress_port`. Unlike
// the exporter's discovery (probes/targets.h) no allow-list applies: here an operator asks
// about one certificate, no tenant's Ingress steers a long-running prober.
std::vector<EndpointTarget> EndpointsFor(const Config& config, const CertificateState& certificate,
                                         const std::vector<IngressState>& ingresses);

// The whole walk. An Error only when the Certificate itself cannot be read or does not exist
// ("Certificate shop/web not found"); other failed lookups land in the input's *_error and
// gather_errors. `network` may be null (no probing).
Result<DiagnoseInput> GatherDiagnosis(ClusterReader& cluster, NetworkChecker* network,
                                      const Config& config, const std::string& ns,
                                      const std::string& name);

}  // namespace certwatch
