// Collector "keystores": the certificates of the PKCS#12 / JKS keystores in TLS Secrets
// (cert-manager's spec.keystores, kubernetes.keystore_keys), and the keystores that cannot be
// read, with the reason.
#include <map>
#include <tuple>
#include <vector>

#include "exporter/collector.h"

namespace certwatch {

namespace {

// One row per (key, alias, subject) of a Secret's keystores: the certificate with the
// earliest expiry when a store repeats one.
using Row = std::tuple<std::string_view, std::string_view, std::string_view>;
std::map<Row, const CertFacts*> RowsOf(const SecretCertState& sc) {
  std::map<Row, const CertFacts*> rows;
  for (const auto& c : sc.keystore_certs) {
    auto [it, inserted] = rows.try_emplace({c.key, c.alias, c.facts.subject}, &c.facts);
    if (!inserted && c.facts.not_after < it->second->not_after) it->second = &c.facts;
  }
  return rows;
}

std::vector<Label> Identity(const SecretCertState& sc, const Row& row) {
  return {{"namespace", sc.ns},
          {"secret", sc.name},
          {"key", std::get<0>(row)},
          {"alias", std::get<1>(row)},
          {"subject", std::get<2>(row)}};
}

}  // namespace

void CollectKeystores(const StateData& s, const CollectContext& ctx, MetricSink& sink) {
  {
    FamilyWriter w(sink, "certwatch_keystore_cert_not_after_timestamp_seconds",
                   "notAfter of each certificate in a PKCS#12 / JKS keystore in a Secret, unix "
                   "seconds.");
    for (const auto& [key, sc] : s.secrets) {
      for (const auto& [row, facts] : RowsOf(sc)) {
        w.Add(std::span<const Label>(Identity(sc, row)), static_cast<double>(facts->not_after));
      }
    }
  }
  {
    FamilyWriter w(sink, "certwatch_keystore_cert_info",
                   "Facts of each certificate in a PKCS#12 / JKS keystore in a Secret; always 1.",
                   prometheus::MetricType::Gauge, OmType::kInfo);
    for (const auto& [key, sc] : s.secrets) {
      for (const auto& [row, facts] : RowsOf(sc)) {
        KeyFactLabels key_facts(*facts);
        std::vector<Label> labels = Identity(sc, row);
        labels.insert(labels.end(), {{"issuer", facts->issuer},
                                     {"serial", facts->serial},
                                     {"fingerprint_sha256", facts->fingerprint_sha256}});
        w.Add(std::span<const Label>(JoinLabels(labels, key_facts.labels())), 1);
      }
    }
  }
  {
    FamilyWriter w(sink, "certwatch_keystore_cert_weak",
                   "1 for each reason TLS clients refuse a certificate in a keystore in a "
                   "Secret; absent while none applies.");
    for (const auto& [key, sc] : s.secrets) {
      for (const auto& [row, facts] : RowsOf(sc)) {
        AddWeakSeries(w, Identity(sc, row), facts->weak, ctx);
      }
    }
  }
  {
    FamilyWriter w(sink, "certwatch_keystore_error",
                   "1 while a keystore in a Secret cannot be read whole (wrong_password, "
                   "missing_password, corrupt, no_certificate, legacy_provider_missing).");
    for (const auto& [key, sc] : s.secrets) {
      for (const auto& e : sc.keystore_errors) {
        w.Add({{"namespace", sc.ns}, {"secret", sc.name}, {"key", e.key}, {"reason", e.reason}}, 1);
      }
    }
  }
}

}  // namespace certwatch
