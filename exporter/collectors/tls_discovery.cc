// Collector "tls_discovery": the endpoints Ingresses name that are not probed, with the reason,
// so that a discovery that probes nothing is visible in Prometheus and not only in a log line.
#include "exporter/collector.h"

namespace certwatch {

void CollectTlsDiscovery(const StateData& state, const CollectContext& /*ctx*/, MetricSink& sink) {
  FamilyWriter w(sink, "certwatch_tls_discovered_target_skipped",
                 "1 for each TLS endpoint discovered from an Ingress that is not probed; reason: "
                 "wildcard_host, no_address, not_covered (no Certificate covers the host and "
                 "the allow-lists do not allow it), not_allowed (tls_probes.discovery: "
                 "allow_list).");
  for (const SkippedTlsTarget& s : state.tls_skipped) {
    w.Add({{"namespace", s.ns}, {"ingress", s.ingress}, {"target", s.target}, {"reason", s.reason}},
          1);
  }
}

}  // namespace certwatch
