// Writing metric families: the sink a collector emits into, and FamilyWriter, which builds a
// family in bounded chunks (or hands each sample straight to a sink that writes as it goes).
// Shared by the exporter's collectors and the renewer's own /metrics; it knows nothing of the
// state store or the config.
#pragma once

#include <prometheus/metric_family.h>

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace certwatch {

using Label = std::pair<std::string_view, std::string_view>;
struct Segment;                     // exposition/segment.h
enum class ExpositionFormat : int;  // exposition/format.h

// A family's type in OpenMetrics where the Prometheus text format has no word for it. kInfo: a
// gauge named `*_info` that is always 1, its labels carrying the facts (certwatch_build_info);
// OpenMetrics types it `info` under the name without `_info`. Text output ignores it.
enum class OmType { kFromType, kInfo };

// Receives families as they are built. Families with the same name may arrive in several
// consecutive chunks (bounded memory for 100k objects); sinks treat them as one family.
class MetricSink {
 public:
  virtual ~MetricSink() = default;
  virtual void Emit(prometheus::MetricFamily&& family) = 0;
  // What FamilyWriter calls: sinks that write OpenMetrics override it to learn the OmType.
  virtual void EmitFamily(prometheus::MetricFamily&& family, OmType /*om*/) {
    Emit(std::move(family));
  }

  // Optional fast path for sinks that write samples as they come (the text writer): when
  // AcceptsSamples() is true, FamilyWriter calls BeginFamily before a family's first sample
  // and AddSample per sample instead of building MetricFamily chunks, which saves a few
  // allocations per series. The result must equal what Emit would have produced.
  virtual bool AcceptsSamples() const { return false; }
  virtual void BeginFamily(std::string_view /*name*/, std::string_view /*help*/,
                           prometheus::MetricType /*type*/, OmType /*om*/) {}
  virtual void AddSample(std::span<const Label> /*labels*/, double /*value*/) {}

  // Optional, for collectors that cache their samples compressed (exposition/segment.h): a
  // sink that returns a format takes ready-made segments of sample lines in that format,
  // after BeginFamily of their family. Other sinks get the samples themselves.
  virtual const ExpositionFormat* SegmentFormat() const { return nullptr; }
  virtual void AddSegment(std::shared_ptr<const Segment> /*segment*/) {}
};

// Builds one family in chunks of kChunk metrics, emitting each full chunk to the sink and the
// rest on destruction, so peak memory stays bounded whatever the number of series.
class FamilyWriter {
 public:
  static constexpr size_t kChunk = 4096;
  FamilyWriter(MetricSink& sink, std::string name, std::string help,
               prometheus::MetricType type = prometheus::MetricType::Gauge,
               OmType om = OmType::kFromType);
  ~FamilyWriter();
  FamilyWriter(const FamilyWriter&) = delete;
  FamilyWriter& operator=(const FamilyWriter&) = delete;

  // Adds one sample (gauge, counter or untyped value per the family type).
  void Add(std::initializer_list<Label> labels, double value);
  void Add(std::span<const Label> labels, double value);
  void Flush();

 private:
  MetricSink& sink_;
  prometheus::MetricFamily family_;
  OmType om_;
  bool direct_ = false;  // sink_.AcceptsSamples()
  bool begun_ = false;   // BeginFamily called
};

}  // namespace certwatch
