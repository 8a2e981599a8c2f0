// Collector "issuers": the Ready condition of cert-manager Issuers and ClusterIssuers.
#include "exporter/collector.h"

namespace certwatch {

void CollectIssuers(const StateData& s, const CollectContext& /*ctx*/, MetricSink& sink) {
  FamilyWriter w(sink, "certwatch_issuer_ready_status",
                 "The Ready condition of an Issuer or ClusterIssuer (namespace=\"\"): one series "
                 "per condition status, the current one is 1.");
  for (const auto& [key, i] : s.issuers) {
    const std::string cur = i.ready.status == "True" || i.ready.status == "False"
                                ? i.ready.status.str()
                                : std::string("Unknown");
    for (const char* cond : {"True", "False", "Unknown"}) {
      w.Add({{"namespace", i.ns}, {"name", i.name}, {"kind", i.kind}, {"condition", cond}},
            cur == cond ? 1 : 0);
    }
  }
}

}  // namespace certwatch
