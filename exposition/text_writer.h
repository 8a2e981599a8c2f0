// The Prometheus text exposition format (0.0.4), written straight into one string. Its output
// is byte-for-byte what prometheus-cpp 1.0.1's TextSerializer prints for the same families
// (same number formatting, escaping and label order), at a fraction of the cost: the
// serializer goes through std::ostream for every token, which dominates a 100k-series scrape.
// The same writer speaks OpenMetrics 1.0.0 when asked: counters and info families are named
// without their _total/_info suffix in HELP/TYPE (samples keep it), HELP is escaped, NaN is
// "NaN", timestamps are seconds, untyped is "unknown", and the exposition ends in "# EOF".
#pragma once

#include <prometheus/metric_family.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "exposition/family_writer.h"
#include "exposition/format.h"
#include "exposition/segment.h"

namespace certwatch {

// A MetricSink that appends each family to a string. Consecutive chunks of one family (same
// name) share a single HELP/TYPE header, as FamilyWriter emits them. FamilyWriter's samples
// take the direct path (no MetricFamily built). With SetFlush, the buffer is handed to a
// callback whenever it passes a threshold, so a large scrape streams (e.g. into gzip)
// instead of being held whole.
class TextWriter final : public MetricSink {
 public:
  TextWriter() = default;
  explicit TextWriter(size_t reserve_bytes) { out_.reserve(reserve_bytes); }
  explicit TextWriter(ExpositionFormat format, size_t reserve_bytes = 0) : format_(format) {
    out_.reserve(reserve_bytes);
  }

  void Emit(prometheus::MetricFamily&& family) override { Write(family); }
  void EmitFamily(prometheus::MetricFamily&& family, OmType om) override { Write(family, om); }
  void Write(const prometheus::MetricFamily& family, OmType om = OmType::kFromType);

  bool AcceptsSamples() const override { return direct_; }
  void BeginFamily(std::string_view name, std::string_view help, prometheus::MetricType type,
                   OmType om) override;
  void AddSample(std::span<const Label> labels, double value) override;
  // false: FamilyWriter builds MetricFamily chunks and Emits them (tests compare both paths).
  void set_direct(bool direct) { direct_ = direct; }
  // false: sample lines only, no HELP/TYPE (what a cached Segment of a family holds).
  void set_headers(bool headers) { headers_ = headers; }

  // With a segment sink (and SetFlush, which receives the text around them), collectors hand
  // in cached segments instead of samples: the text buffered so far is flushed first.
  using SegmentFn = std::function<void(std::shared_ptr<const Segment>)>;
  void SetSegmentSink(SegmentFn fn) { segment_sink_ = std::move(fn); }
  const ExpositionFormat* SegmentFormat() const override {
    return segment_sink_ && flush_ && direct_ ? &format_ : nullptr;
  }
  void AddSegment(std::shared_ptr<const Segment> segment) override;

  using FlushFn = std::function<void(std::string_view)>;
  void SetFlush(size_t threshold, FlushFn flush) {
    flush_threshold_ = threshold;
    flush_ = std::move(flush);
  }
  // Hands what is buffered to the flush callback (call once at the end when streaming).
  void Flush();
  // Ends the exposition: "# EOF" in OpenMetrics, nothing in the text format. Call it once,
  // after the last family and before Take or the final Flush.
  void Finish();
  ExpositionFormat format() const { return format_; }

  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

  // A point to roll back to, so a collector that fails half-way leaves no partial family.
  struct Mark {
    size_t position = 0;  // bytes written in total, flushed or not
    std::string last_family;
    bool have_last = false;
  };
  Mark GetMark() const { return Mark{flushed_ + out_.size(), last_family_, have_last_}; }
  // false when part of what followed the mark was already flushed and could not be undone.
  bool Rollback(const Mark& m);

 private:
  void MaybeFlush() {
    if (flush_ && out_.size() >= flush_threshold_) Flush();
  }
  bool Header(std::string_view name);
  bool om() const { return format_ == ExpositionFormat::kOpenMetrics; }

  std::string out_;
  std::string last_family_;
  bool have_last_ = false;
  bool direct_ = true;
  bool headers_ = true;
  SegmentFn segment_sink_;
  ExpositionFormat format_ = ExpositionFormat::kText;
  std::string sample_name_;  // OpenMetrics: the direct family's sample name (with _total/_info)
  size_t flush_threshold_ = 0;
  FlushFn flush_;
  size_t flushed_ = 0;
};

// Serialises a whole vector of families (no merging of equal names, like TextSerializer).
std::string WriteText(const std::vector<prometheus::MetricFamily>& families,
                      ExpositionFormat format = ExpositionFormat::kText);

// Appends a sample value as TextSerializer prints it: "Nan", "+Inf", "-Inf", otherwise
// printf("%.16g").
void AppendSampleValue(std::string& out, double value);

// True when an Accept-Encoding header value accepts gzip (a "gzip" coding with q > 0, or "*").
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace certwatch
