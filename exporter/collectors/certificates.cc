// Collector "certificates": cert-manager Certificates as the Kubernetes source joined and
// classified them, with cert-manager's own labels so its users' queries port by a prefix
// change (the families are in certificate_series.cc, cached between scrapes there); plus TLS
// Secrets (secrets: true) and the API server clock skew.
#include <array>
#include <string>

#include "exporter/collector.h"
#include "exporter/collectors/certificate_series.h"

namespace certwatch {

void CollectCertificates(const StateData& s, const CollectContext& ctx, MetricSink& sink) {
  const bool all = ctx.config != nullptr && !ctx.config->metrics.sparse;
  const ExpositionFormat* segments = sink.SegmentFormat();
  if (ctx.caches != nullptr && segments != nullptr) {
    std::unique_ptr<CollectorCache>& slot = ctx.caches->For("certificates");
    if (!slot) slot = std::make_unique<CertificateSeriesCache>();
    static_cast<CertificateSeriesCache&>(*slot).Write(s.certificates, *segments, all, sink);
  } else {
    for (const CertificateFamily& fam : CertificateFamilies()) {
      FamilyWriter w(sink, fam.name, fam.help, fam.type, fam.om);
      for (const auto& [key, c] : s.certificates) fam.add(w, c, all);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_secret_cert_not_after_timestamp_seconds",
                   "notAfter of the leaf certificate in a kubernetes.io/tls Secret, unix seconds.");
    for (const auto& [key, sc] : s.secrets) {
      if (sc.error.empty()) {
        w.Add({{"namespace", sc.ns}, {"secret", sc.name}}, static_cast<double>(sc.facts.not_after));
      }
    }
  }
  {
    FamilyWriter w(sink, "certwatch_secret_cert_info",
                   "Facts of the leaf certificate in a kubernetes.io/tls Secret; always 1.",
                   prometheus::MetricType::Gauge, OmType::kInfo);
    for (const auto& [key, sc] : s.secrets) {
      if (!sc.error.empty()) continue;
      KeyFactLabels kf(sc.facts);
      const Label facts[] = {
          {"namespace", sc.ns},          {"secret", sc.name},
          {"subject", sc.facts.subject}, {"issuer", sc.facts.issuer},
          {"serial", sc.facts.serial},   {"fingerprint_sha256", sc.facts.fingerprint_sha256}};
      w.Add(std::span<const Label>(JoinLabels(facts, kf.labels())), 1);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_secret_cert_weak",
                   "1 for each reason TLS clients refuse a certificate in a kubernetes.io/tls "
                   "Secret's tls.crt (leaf or intermediate); absent while none applies.");
    for (const auto& [key, sc] : s.secrets) {
      if (!sc.error.empty()) continue;
      const Label id[] = {{"namespace", sc.ns}, {"secret", sc.name}};
      AddWeakSeries(w, id, sc.weak, ctx);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_clock_skew_seconds",
                   "Local clock minus the reference clock (the API server's Date header), "
                   "seconds.");
    if (s.clock_skew_seconds) {
      w.Add({{"reference", "kubernetes-apiserver"}}, *s.clock_skew_seconds);
    }
  }
}

}  // namespace certwatch
