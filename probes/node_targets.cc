#include "probes/node_targets.h"

#include "common/kube/kubeconfig.h"
#include "config/address.h"

namespace certwatch {

KubeletTrust ResolveKubeletTrust(const KubernetesConfig& config) {
  KubeletTrust t;
  if (!config.kubelets.ca_file.empty()) {
    t.ca_file = config.kubelets.ca_file;
    return t;
  }
  auto kc = ResolveKubeConfig(config.kubeconfig);
  if (!kc) {
    t.error = kc.error().message;
    return t;
  }
  // certificate-authority-data as the only anchors; a CA file (certificate-authority, the
  // in-cluster ca.crt) as tls_probes' ca_file: added to the system roots.
  t.ca_pem = kc->ca_pem;
  t.ca_file = kc->ca_pem.empty() ? kc->ca_file : "";
  if (t.ca_pem.empty() && t.ca_file.empty()) t.error = kc->source + " names no CA";
  return t;
}

std::vector<TlsTarget> NodeTargets(const StateData& state, const KubeletsSourceConfig& config,
                                   const KubeletTrust& trust, std::chrono::milliseconds timeout) {
  std::vector<TlsTarget> out;
  for (const auto& [name, node] : state.nodes) {
    for (const auto& ip : node.internal_ips) {
      TlsTarget t;
      t.target = HostPort{ip, static_cast<uint16_t>(config.port)}.ToString();
      t.source = std::string(kNodeSourcePrefix) + node.name;
      t.options.host = ip;
      t.options.port = static_cast<uint16_t>(config.port);
      t.options.ca_file = trust.ca_file;
      t.options.ca_pem = trust.ca_pem;
      t.options.timeout = t.options.connect_timeout = timeout;
      out.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace certwatch
