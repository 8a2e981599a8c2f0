// TLS targets of the kubelets (kubernetes.kubelets): each Node's InternalIP on
// kubernetes.kubelets.port, source "node:<name>", verified with kubelets.ca_file or else the
// CA the API client trusts (the kubeconfig's, or the service account's ca.crt). They come from
// Node objects, not from user-written Ingresses, so the Ingress allow-list does not apply.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "config/config.h"
#include "probes/targets.h"
#include "state/state.h"

namespace certwatch {

// What verifies the kubelets' serving certificates: a file of extra roots, or PEM anchors.
struct KubeletTrust {
  std::string ca_file;
  std::string ca_pem;
  std::string error;  // why the API client's CA could not be read ("" = fine)
};

// kubelets.ca_file when set, else the CA of the kubeconfig certwatch reads the API with.
KubeletTrust ResolveKubeletTrust(const KubernetesConfig& config);

inline constexpr std::string_view kNodeSourcePrefix = "node:";

// One target per InternalIP of each Node in `state.nodes`.
std::vector<TlsTarget> NodeTargets(const StateData& state, const KubeletsSourceConfig& config,
                                   const KubeletTrust& trust, std::chrono::milliseconds timeout);

}  // namespace certwatch
