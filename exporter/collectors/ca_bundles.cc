// Collector "ca_bundles": the caBundles the API server trusts (kubernetes.ca_bundles). Each CA
// of each entry with its notAfter; and, with verify_served, whether the caBundle verifies what
// every endpoint of the webhook serves. An entry whose Service has no ready endpoint counts as
// unreachable; one not probed yet has no verdict series.
#include "exporter/collector.h"
#include "state/ca_bundle_endpoints.h"

namespace certwatch {

void CollectCaBundles(const StateData& s, const CollectContext& ctx, MetricSink& sink) {
  const std::vector<CaBundleResolution> entries = ResolveCaBundles(s);
  {
    FamilyWriter w(sink, "certwatch_ca_bundle_cert_not_after_timestamp_seconds",
                   "notAfter of each CA certificate in a caBundle the API server trusts "
                   "(webhook configurations per webhook, APIServices, CRD conversion webhooks).");
    for (const auto& r : entries) {
      for (const auto& ca : r.entry->cas) {
        w.Add({{"kind", r.kind},
               {"name", r.name},
               {"webhook", r.entry->webhook},
               {"subject", ca.subject},
               {"serial", ca.serial}},
              static_cast<double>(ca.not_after));
      }
    }
  }
  const bool verify = ctx.config == nullptr || ctx.config->kubernetes.ca_bundles.verify_served;
  if (!verify) return;
  const bool all = ctx.config != nullptr && !ctx.config->metrics.sparse;
  std::vector<std::pair<const CaBundleResolution*, std::string_view>> verdicts;
  for (const auto& r : entries) {
    if (auto v = CaBundleVerdict(s, r)) verdicts.emplace_back(&r, *v);
  }
  {
    FamilyWriter w(sink, "certwatch_ca_bundle_verifies_served",
                   "1 when the caBundle verifies the chain every endpoint of its webhook serves "
                   "(SNI <service>.<namespace>.svc, the caBundle as the only trust anchors).");
    for (const auto& [r, v] : verdicts) {
      w.Add({{"kind", r->kind}, {"name", r->name}, {"webhook", r->entry->webhook}},
            v.empty() ? 1 : 0);
    }
  }
  FamilyWriter w(sink, "certwatch_ca_bundle_verify_failure",
                 "Why a caBundle does not verify what its webhook serves: stale_ca_bundle, "
                 "invalid_ca_bundle, expired, hostname_mismatch, unreachable (1 for the worst "
                 "over its endpoints). Sparse: only the current reason unless metrics.sparse is "
                 "false.");
  for (const auto& [r, v] : verdicts) {
    for (std::string_view reason : kCaBundleFailureReasons) {
      const bool set = reason == v;
      if (!set && !all) continue;
      w.Add({{"kind", r->kind},
             {"name", r->name},
             {"webhook", r->entry->webhook},
             {"reason", reason}},
            set ? 1 : 0);
    }
  }
}

}  // namespace certwatch
