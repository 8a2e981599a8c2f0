// Collector "bundles": trust-manager Bundles (kubernetes.bundles). Each CA as seen in the
// Bundle's target ConfigMaps (the key spec.target.configMap.key of the ConfigMaps labelled
// trust.cert-manager.io/bundle=<bundle>), once however many namespaces hold it; and the
// Bundle's Synced condition.
#include <set>
#include <utility>

#include "exporter/collector.h"

namespace certwatch {

void CollectBundles(const StateData& s, const CollectContext& /*ctx*/, MetricSink& sink) {
  {
    FamilyWriter w(sink, "certwatch_bundle_synced",
                   "1 when a trust-manager Bundle's Synced condition is True, else 0 (also "
                   "while it has none).");
    for (const auto& [name, b] : s.bundles) w.Add({{"bundle", b.name}}, b.synced.value_or(false));
  }
  // Targets by bundle: one pass over them, not one per Bundle.
  std::map<std::string_view, std::vector<const ConfigMapCertsState*>> targets;
  for (const auto& [key, cm] : s.bundle_targets) targets[cm.bundle].push_back(&cm);
  FamilyWriter w(sink, "certwatch_bundle_cert_not_after_timestamp_seconds",
                 "notAfter of each CA a trust-manager Bundle distributes, as its target "
                 "ConfigMaps hold it.");
  for (const auto& [name, b] : s.bundles) {
    auto it = targets.find(b.name);
    if (it == targets.end() || b.target_key.empty()) continue;
    std::set<std::pair<std::string_view, std::string_view>> seen;  // subject, serial
    for (const ConfigMapCertsState* cm : it->second) {
      for (const auto& k : cm->keys) {
        if (k.key != b.target_key) continue;
        for (const auto& c : k.certs) {
          if (!seen.emplace(c.subject, c.serial).second) continue;
          w.Add({{"bundle", b.name}, {"subject", c.subject}, {"serial", c.serial}},
                static_cast<double>(c.not_after));
        }
      }
    }
  }
}

}  // namespace certwatch
