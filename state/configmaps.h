// ConfigMaps holding PEM certificates (kubernetes.configmaps, and the targets trust-manager
// writes for kubernetes.bundles), and trust-manager Bundles. Only certificate facts are kept:
// never a ConfigMap's other data.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/x509.h"

namespace certwatch {

// The label trust-manager puts on each target it writes: the Bundle's name.
inline constexpr std::string_view kTrustBundleLabel = "trust.cert-manager.io/bundle";

struct ConfigMapKeyCerts {
  std::string key;
  std::vector<CertFacts> certs;  // each CERTIFICATE block of the value, in order
};

struct ConfigMapCertsState {
  std::string ns, name;
  std::string bundle;                   // the trust.cert-manager.io/bundle label ("" = none)
  std::vector<ConfigMapKeyCerts> keys;  // keys whose value holds a CERTIFICATE block
  int invalid_blocks = 0;               // CERTIFICATE blocks that do not parse, over all keys
};

// A trust-manager Bundle (trust.cert-manager.io/v1alpha1, cluster-scoped).
struct BundleState {
  std::string ns, name;        // ns stays ""
  std::string target_key;      // spec.target.configMap.key ("" = no ConfigMap target)
  std::optional<bool> synced;  // the Synced condition; nullopt while it has none
  std::string synced_reason, synced_message;
};

}  // namespace certwatch
