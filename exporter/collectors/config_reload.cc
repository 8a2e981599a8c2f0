// Collector "config": outcome of the last config reload (blackbox_exporter's pair of metrics).
#include "exporter/collector.h"

namespace certwatch {

void CollectConfigReload(const StateData& state, const CollectContext& /*ctx*/, MetricSink& sink) {
  const ConfigReloadState& r = state.config_reload;
  {
    FamilyWriter w(sink, "certwatch_config_last_reload_successful",
                   "1 if the last configuration reload attempt was successful.");
    w.Add({}, r.last_successful ? 1 : 0);
  }
  {
    FamilyWriter w(sink, "certwatch_config_last_reload_success_timestamp_seconds",
                   "Timestamp of the last successful configuration reload.");
    w.Add({}, static_cast<double>(r.last_success));
  }
  {
    FamilyWriter w(sink, "certwatch_config_reload_failures_total",
                   "Configuration reloads rejected because the new file was invalid.",
                   prometheus::MetricType::Counter);
    w.Add({}, static_cast<double>(r.failures_total));
  }
}

}  // namespace certwatch
