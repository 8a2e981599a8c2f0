// Collector "build_info": certwatch_build_info, constant 1 with the build's identity.
#include "common/revision.h"
#include "exporter/collector.h"

namespace certwatch {

void CollectBuildInfo(const StateData& /*state*/, const CollectContext& /*ctx*/, MetricSink& sink) {
  FamilyWriter w(sink, "certwatch_build_info",
                 "A metric with a constant '1' value labeled by version, revision and compiler "
                 "from which certwatch was built.",
                 prometheus::MetricType::Gauge, OmType::kInfo);
  w.Add({{"version", CERTWATCH_VERSION}, {"revision", Revision()}, {"compiler", __VERSION__}}, 1);
}

}  // namespace certwatch
