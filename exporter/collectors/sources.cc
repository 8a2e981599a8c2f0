// Collector "sources": the health of each source (kubernetes, files, tls_probes, ...) from
// StateData::sources, so staleness is visible even when the source's own series look fine.
#include "exporter/collector.h"

namespace certwatch {

void CollectSources(const StateData& state, const CollectContext& /*ctx*/, MetricSink& sink) {
  {
    FamilyWriter w(sink, "certwatch_source_up",
                   "1 while the source is synced and healthy, 0 otherwise.");
    for (const auto& [name, s] : state.sources) w.Add({{"source", name}}, s.up && s.synced ? 1 : 0);
  }
  {
    FamilyWriter w(sink, "certwatch_source_last_sync_timestamp_seconds",
                   "Last moment the source was known to be current, unix seconds.");
    for (const auto& [name, s] : state.sources) {
      w.Add({{"source", name}}, static_cast<double>(s.last_sync));
    }
  }
  {
    FamilyWriter w(sink, "certwatch_source_errors_total", "Errors seen by the source.",
                   prometheus::MetricType::Counter);
    for (const auto& [name, s] : state.sources) {
      w.Add({{"source", name}}, static_cast<double>(s.errors_total));
    }
  }
}

}  // namespace certwatch
