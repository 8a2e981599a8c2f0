// One scrape: every collector runs against the state store under its read lock, wrapped
// (node_exporter's shape) with certwatch_collector_success / _duration_seconds so a collector
// that throws is counted as failed while the others still export, then
// certwatch_scrape_duration_seconds for the whole collection.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "common/log.h"
#include "common/result.h"
#include "exporter/collector.h"
#include "exposition/format.h"
#include "exposition/segment.h"
#include "state/state.h"

namespace certwatch {

struct ScrapeResult {
  double duration_seconds = 0;
  int failed_collectors = 0;
};

// Streams the scrape into `sink`. When `sink` is a TextWriter, a failed collector's partial
// output is rolled back. `logger` may be null.
ScrapeResult Scrape(const StateStore& store, const CollectContext& ctx, MetricSink& sink,
                    std::span<const CollectorEntry> collectors = Collectors(),
                    const Logger* logger = nullptr);

// The scrape in `format` (text 0.0.4 or OpenMetrics 1.0.0, "# EOF" included). `size_hint`:
// the previous scrape's size, to reserve the buffer once.
std::string ScrapeText(const StateStore& store, const CollectContext& ctx,
                       std::span<const CollectorEntry> collectors = Collectors(),
                       const Logger* logger = nullptr, size_t size_hint = 0,
                       ExpositionFormat format = ExpositionFormat::kText);

// The scrape as an Exposition (exposition/segment.h), sent as gzip or inflated as text:
// text is compressed as it is written (256 KiB at a time), and collectors that cache
// (ctx.caches set) hand in the segments of what did not change since the last scrape of this
// format. A collector that fails after part of its output was compressed leaves that part
// (logged); the others are unaffected.
Result<std::shared_ptr<const Exposition>> CollectExposition(
    const StateStore& store, const CollectContext& ctx,
    std::span<const CollectorEntry> collectors = Collectors(), const Logger* logger = nullptr,
    ExpositionFormat format = ExpositionFormat::kText);

}  // namespace certwatch
