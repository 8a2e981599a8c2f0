// Collector "files": certificates found on disk by the files source.
#include <map>
#include <utility>

#include "exporter/collector.h"

namespace certwatch {

void CollectFiles(const StateData& state, const CollectContext& ctx, MetricSink& sink) {
  // A bundle may hold two certificates with one subject (a CA and its re-issue); one series
  // per (path, subject) keeps the exposition valid, and the earliest expiry is the one that
  // matters.
  std::map<std::pair<std::string_view, std::string_view>, const FileCertState*> earliest;
  for (const auto& [key, f] : state.files) {
    auto [it, inserted] = earliest.try_emplace({f.path, f.facts.subject}, &f);
    if (!inserted && f.facts.not_after < it->second->facts.not_after) it->second = &f;
  }
  {
    FamilyWriter w(sink, "certwatch_file_cert_not_after_timestamp_seconds",
                   "notAfter of each certificate found by the files source, unix seconds.");
    for (const auto& [k, f] : earliest) {
      w.Add({{"path", k.first}, {"subject", k.second}}, static_cast<double>(f->facts.not_after));
    }
  }
  {
    FamilyWriter w(sink, "certwatch_file_cert_not_before_timestamp_seconds",
                   "notBefore of each certificate found by the files source, unix seconds.");
    for (const auto& [k, f] : earliest) {
      w.Add({{"path", k.first}, {"subject", k.second}}, static_cast<double>(f->facts.not_before));
    }
  }
  {
    FamilyWriter w(sink, "certwatch_file_cert_info",
                   "Facts of each certificate found by the files source; always 1.",
                   prometheus::MetricType::Gauge, OmType::kInfo);
    for (const auto& [k, f] : earliest) {
      KeyFactLabels key(f->facts);
      const Label facts[] = {{"path", k.first},
                             {"subject", k.second},
                             {"issuer", f->facts.issuer},
                             {"serial", f->facts.serial},
                             {"fingerprint_sha256", f->facts.fingerprint_sha256}};
      w.Add(std::span<const Label>(JoinLabels(facts, key.labels())), 1);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_file_cert_weak",
                   "1 for each reason TLS clients refuse a certificate found by the files "
                   "source; absent while none applies.");
    for (const auto& [k, f] : earliest) {
      const Label id[] = {{"path", k.first}, {"subject", k.second}};
      AddWeakSeries(w, id, f->facts.weak, ctx);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_file_read_errors",
                   "1 while a file matched by the files source cannot be read or parsed.");
    for (const auto& [path, e] : state.file_errors) w.Add({{"path", path}}, 1);
  }
}

}  // namespace certwatch
