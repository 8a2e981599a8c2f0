#include "exporter/scrape.h"

#include <chrono>
#include <exception>
#include <vector>

#include "exposition/text_writer.h"

namespace certwatch {
namespace {

struct CollectorRun {
  std::string_view name;
  bool success = false;
  double seconds = 0;
};

void Failed(std::string_view name, const char* what, TextWriter* text, const TextWriter::Mark& mark,
            const Logger* logger) {
  bool clean = text == nullptr || text->Rollback(mark);
  if (logger) {
    logger->Error("collector failed", {{"collector", std::string(name)},
                                       {"err", what},
                                       {"partial_output_sent", clean ? "false" : "true"}});
  }
}

}  // namespace

ScrapeResult Scrape(const StateStore& store, const CollectContext& ctx, MetricSink& sink,
                    std::span<const CollectorEntry> collectors, const Logger* logger) {
  using Clock = std::chrono::steady_clock;
  const auto scrape_start = Clock::now();
  auto* text = dynamic_cast<TextWriter*>(&sink);
  std::vector<CollectorRun> runs;
  runs.reserve(collectors.size());
  ScrapeResult result;
  for (const CollectorEntry& c : collectors) {
    CollectorRun run{c.name};
    TextWriter::Mark mark;
    if (text) mark = text->GetMark();
    const auto start = Clock::now();
    try {
      // One read lock per collector, not per scrape: writers get in between collectors.
      store.Read([&](const StateData& data) { c.collect(data, ctx, sink); });
      run.success = true;
    } catch (const std::exception& e) {
      Failed(c.name, e.what(), text, mark, logger);
    } catch (...) {
      Failed(c.name, "unknown exception", text, mark, logger);
    }
    run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!run.success) ++result.failed_collectors;
    runs.push_back(run);
  }
  {
    FamilyWriter w(sink, "certwatch_collector_success",
                   "1 if the collector ran without error during this scrape.");
    for (const auto& r : runs) w.Add({{"collector", r.name}}, r.success ? 1 : 0);
  }
  {
    FamilyWriter w(sink, "certwatch_collector_duration_seconds",
                   "Time the collector took during this scrape.");
    for (const auto& r : runs) w.Add({{"collector", r.name}}, r.seconds);
  }
  result.duration_seconds = std::chrono::duration<double>(Clock::now() - scrape_start).count();
  {
    FamilyWriter w(sink, "certwatch_scrape_duration_seconds",
                   "Time this scrape took to collect every collector's families.");
    w.Add({}, result.duration_seconds);
  }
  return result;
}

std::string ScrapeText(const StateStore& store, const CollectContext& ctx,
                       std::span<const CollectorEntry> collectors, const Logger* logger,
                       size_t size_hint, ExpositionFormat format) {
  TextWriter writer(format, size_hint > 0 ? size_hint + size_hint / 8 : 1 << 16);
  Scrape(store, ctx, writer, collectors, logger);
  writer.Finish();
  return writer.Take();
}

Result<std::shared_ptr<const Exposition>> CollectExposition(
    const StateStore& store, const CollectContext& ctx, std::span<const CollectorEntry> collectors,
    const Logger* logger, ExpositionFormat format) {
  constexpr size_t kBuffer = 256 * 1024;
  ExpositionBuilder builder;
  TextWriter writer(format, kBuffer + 4096);
  writer.SetFlush(kBuffer, [&](std::string_view chunk) { builder.Write(chunk); });
  writer.SetSegmentSink([&](std::shared_ptr<const Segment> s) { builder.Put(std::move(s)); });
  Scrape(store, ctx, writer, collectors, logger);
  writer.Finish();
  writer.Flush();
  return builder.Finish();
}

}  // namespace certwatch
