// Collector "keystores": the certificates of the PKCS#12 / JKS keystores in TLS Secrets
// (cert-manager's spec.keystores, kubernetes.keystore_keys), and the keystores that cannot be
// read, with the reason.
#include <map>
#include <tuple>

#include "exporter/collector.h"

namespace certwatch {

void CollectKeystores(const StateData& s, const CollectContext& /*ctx*/, MetricSink& sink) {
  {
    FamilyWriter w(sink, "certwatch_keystore_cert_not_after_timestamp_seconds",
                   "notAfter of each certificate in a PKCS#12 / JKS keystore in a Secret, unix "
                   "seconds.");
    for (const auto& [key, sc] : s.secrets) {
      // One series per (key, alias, subject); the earliest expiry when a store repeats one.
      std::map<std::tuple<std::string_view, std::string_view, std::string_view>, int64_t> rows;
      for (const auto& c : sc.keystore_certs) {
        auto [it, inserted] =
            rows.try_emplace({c.key, c.alias, c.facts.subject}, c.facts.not_after);
        if (!inserted && c.facts.not_after < it->second) it->second = c.facts.not_after;
      }
      for (const auto& [k, not_after] : rows) {
        w.Add({{"namespace", sc.ns},
               {"secret", sc.name},
               {"key", std::get<0>(k)},
               {"alias", std::get<1>(k)},
               {"subject", std::get<2>(k)}},
              static_cast<double>(not_after));
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
