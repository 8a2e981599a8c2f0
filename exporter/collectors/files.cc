// Collector "files": certificates found on disk by the files source.
#include <map>
#include <utility>

#include "exporter/collector.h"

namespace certwatch {

void CollectFiles(const StateData& state, const CollectContext& /*ctx*/, MetricSink& sink) {
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
    FamilyWriter w(sink, "certwatch_file_read_errors",
                   "1 while a file matched by the files source cannot be read or parsed.");
    for (const auto& [path, e] : state.file_errors) w.Add({{"path", path}}, 1);
  }
}

}  // namespace certwatch
