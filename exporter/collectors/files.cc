// Collector "files": certificates found on disk by the files source. Rows read from a
// keystore (PKCS#12, JKS) carry an `alias` label; PEM, DER and kubeconfig rows have none,
// which PromQL reads as alias="" (exporter/METRICS.md).
#include <map>
#include <tuple>
#include <vector>

#include "exporter/collector.h"

namespace certwatch {
namespace {

// A file certificate's identifying labels: path, alias (keystore rows only), subject.
std::vector<Label> Identity(const FileCertState& f) {
  if (f.keystore) return {{"path", f.path}, {"alias", f.alias}, {"subject", f.facts.subject}};
  return {{"path", f.path}, {"subject", f.facts.subject}};
}

}  // namespace

void CollectFiles(const StateData& state, const CollectContext& ctx, MetricSink& sink) {
  // A bundle may hold two certificates with one subject (a CA and its re-issue); one series
  // per (path, alias, subject) keeps the exposition valid, and the earliest expiry is the one
  // that matters.
  using Key = std::tuple<std::string_view, std::string_view, std::string_view>;
  std::map<Key, const FileCertState*> earliest;
  for (const auto& [key, f] : state.files) {
    auto [it, inserted] = earliest.try_emplace({f.path, f.alias, f.facts.subject}, &f);
    if (!inserted && f.facts.not_after < it->second->facts.not_after) it->second = &f;
  }
  auto add = [](FamilyWriter& w, const FileCertState& f, double value) {
    w.Add(std::span<const Label>(Identity(f)), value);
  };
  {
    FamilyWriter w(sink, "certwatch_file_cert_not_after_timestamp_seconds",
                   "notAfter of each certificate found by the files source, unix seconds.");
    for (const auto& [k, f] : earliest) add(w, *f, static_cast<double>(f->facts.not_after));
  }
  {
    FamilyWriter w(sink, "certwatch_file_cert_not_before_timestamp_seconds",
                   "notBefore of each certificate found by the files source, unix seconds.");
    for (const auto& [k, f] : earliest) add(w, *f, static_cast<double>(f->facts.not_before));
  }
  {
    FamilyWriter w(sink, "certwatch_file_cert_info",
                   "Facts of each certificate found by the files source; always 1.",
                   prometheus::MetricType::Gauge, OmType::kInfo);
    for (const auto& [k, f] : earliest) {
      KeyFactLabels key(f->facts);
      std::vector<Label> facts = Identity(*f);
      facts.insert(facts.end(), {{"issuer", f->facts.issuer},
                                 {"serial", f->facts.serial},
                                 {"fingerprint_sha256", f->facts.fingerprint_sha256}});
      w.Add(std::span<const Label>(JoinLabels(facts, key.labels())), 1);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_file_cert_weak",
                   "1 for each reason TLS clients refuse a certificate found by the files "
                   "source; absent while none applies.");
    for (const auto& [k, f] : earliest) AddWeakSeries(w, Identity(*f), f->facts.weak, ctx);
  }
  {
    FamilyWriter w(sink, "certwatch_file_read_errors",
                   "1 while a file matched by the files source cannot be read or parsed; "
                   "keystores say why in `reason`.");
    for (const auto& [path, e] : state.file_errors) {
      if (e.reason.empty()) {
        w.Add({{"path", path}}, 1);
      } else {
        w.Add({{"path", path}, {"reason", e.reason}}, 1);
      }
    }
  }
}

}  // namespace certwatch
