// Collectors turn the state store into metric families at scrape time, so a deleted object's
// series vanish with it. Each collector is one function in its own file under
// exporter/collectors/, listed by name in exporter/collectors/registry.cc (node_exporter's
// shape); the scrape wraps each one with certwatch_collector_success / _duration_seconds so a
// failing collector never blanks the others.
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "exposition/family_writer.h"
#include "state/state.h"

namespace certwatch {

// What a collector keeps between the scrapes of one exposition format: the compressed
// segments of objects that did not change (exporter/collectors/certificate_series.h).
class CollectorCache {
 public:
  virtual ~CollectorCache() = default;
};

// One per exposition format, used by one collection at a time (the scrape coalescer runs
// one collection per format at once).
class CollectorCaches {
 public:
  std::unique_ptr<CollectorCache>& For(std::string_view collector) {
    auto it = by_name_.find(collector);
    if (it == by_name_.end()) it = by_name_.emplace(std::string(collector), nullptr).first;
    return it->second;
  }

 private:
  std::map<std::string, std::unique_ptr<CollectorCache>, std::less<>> by_name_;
};

struct CollectContext {
  double now = 0;                  // unix seconds
  const Config* config = nullptr;  // may be null in tests
  // Set by the /metrics path; null renders every sample afresh (tests, the state API).
  CollectorCaches* caches = nullptr;
};

using CollectFn = void (*)(const StateData& state, const CollectContext& ctx, MetricSink& sink);

struct CollectorEntry {
  std::string_view name;
  CollectFn collect;
};

// Every collector, in exposition order.
std::span<const CollectorEntry> Collectors();

// The crypto facts every certificate info family ends with: key_type, key_bits,
// signature_algorithm. Holds the digits of key_bits, so keep it alive while its labels are.
class KeyFactLabels {
 public:
  explicit KeyFactLabels(const CertFacts& f) {
    auto [end, ec] = std::to_chars(bits_.data(), bits_.data() + bits_.size(), f.key_bits);
    (void)ec;  // 12 bytes hold any uint32_t
    labels_ = {Label{"key_type", KeyTypeName(f.key_type)},
               Label{"key_bits", std::string_view(bits_.data(), end - bits_.data())},
               Label{"signature_algorithm", SignatureAlgorithmName(f.signature_nid)}};
  }
  KeyFactLabels(const KeyFactLabels&) = delete;
  KeyFactLabels& operator=(const KeyFactLabels&) = delete;
  std::span<const Label> labels() const { return labels_; }

 private:
  std::array<char, 12> bits_{};
  std::array<Label, 3> labels_;
};

// `identity` followed by `extra`, in one label list.
inline std::vector<Label> JoinLabels(std::span<const Label> identity,
                                     std::span<const Label> extra) {
  std::vector<Label> out(identity.begin(), identity.end());
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

// The series of a *_cert_weak family for one certificate: `identity` plus reason, 1 for each
// WeakReason bit set in `weak`. Sparse: nothing else, unless metrics.sparse is false, which
// adds a 0 for every other reason.
inline void AddWeakSeries(FamilyWriter& w, std::span<const Label> identity, uint8_t weak,
                          const CollectContext& ctx) {
  const bool all = ctx.config != nullptr && !ctx.config->metrics.sparse;
  if (weak == 0 && !all) return;
  std::vector<Label> labels(identity.begin(), identity.end());
  labels.emplace_back("reason", "");
  for (WeakReason r : kWeakReasons) {
    const bool set = (weak & r) != 0;
    if (!set && !all) continue;
    labels.back().second = WeakReasonName(r);
    w.Add(std::span<const Label>(labels), set ? 1 : 0);
  }
}

}  // namespace certwatch
