// Collector "configmaps": the certificates in ConfigMaps (kubernetes.configmaps), one series
// per certificate of each key; `serial` keeps two CAs of one subject apart (a rotation
// bundle holds both).
#include "exporter/collector.h"

namespace certwatch {

void CollectConfigMaps(const StateData& s, const CollectContext& ctx, MetricSink& sink) {
  {
    FamilyWriter w(sink, "certwatch_configmap_cert_not_after_timestamp_seconds",
                   "notAfter of each certificate in a ConfigMap key holding PEM.");
    for (const auto& [key, cm] : s.configmaps) {
      for (const auto& k : cm.keys) {
        for (const auto& c : k.certs) {
          w.Add({{"namespace", cm.ns},
                 {"configmap", cm.name},
                 {"key", k.key},
                 {"subject", c.subject},
                 {"serial", c.serial}},
                static_cast<double>(c.not_after));
        }
      }
    }
  }
  const bool all = ctx.config != nullptr && !ctx.config->metrics.sparse;
  FamilyWriter w(sink, "certwatch_configmap_invalid_pem_blocks",
                 "CERTIFICATE blocks of a ConfigMap that do not parse (the others are "
                 "exported). Sparse: only ConfigMaps with one, unless metrics.sparse is false.");
  for (const auto& [key, cm] : s.configmaps) {
    if (cm.invalid_blocks == 0 && !all) continue;
    w.Add({{"namespace", cm.ns}, {"configmap", cm.name}}, cm.invalid_blocks);
  }
}

}  // namespace certwatch
