// Collector "csrs": CertificateSigningRequests (kubernetes.csrs), one series per state so that
// a change of state flips values instead of making series appear and vanish (kube-state-metrics'
// kube_certificatesigningrequest_condition does the same for its conditions).
#include "exporter/collector.h"

namespace certwatch {

void CollectCsrs(const StateData& s, const CollectContext& /*ctx*/, MetricSink& sink) {
  {
    FamilyWriter w(sink, "certwatch_csr_condition",
                   "The state of a CertificateSigningRequest: one series per state (Pending, "
                   "Approved, Denied, Failed, Issued), the current one is 1.");
    for (const auto& [key, c] : s.csrs) {
      for (CsrCondition cond : kCsrConditions) {
        w.Add({{"name", c.name}, {"signer_name", c.signer_name}, {"condition", ToString(cond)}},
              c.condition == cond ? 1 : 0);
      }
    }
  }
  FamilyWriter w(sink, "certwatch_csr_created_timestamp_seconds",
                 "metadata.creationTimestamp of a CertificateSigningRequest.");
  for (const auto& [key, c] : s.csrs) {
    w.Add({{"name", c.name}, {"signer_name", c.signer_name}}, static_cast<double>(c.created));
  }
}

}  // namespace certwatch
