// The Prometheus text exposition format (0.0.4), written straight into one string. Its output
// is byte-for-byte what prometheus-cpp 1.0.1's TextSerializer prints for the same families
// (same number formatting, escaping and label order), at a fraction of the cost: the
// serializer goes through std::ostream for every token, which dominates a 100k-series scrape.
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "exporter/collector.h"

namespace certwatch {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// A MetricSink that appends each family to a string. Consecutive chunks of one family (same
// name) share a single HELP/TYPE header, as FamilyWriter emits them.
class TextWriter final : public MetricSink {
 public:
  TextWriter() = default;
  explicit TextWriter(size_t reserve_bytes) { out_.reserve(reserve_bytes); }

  void Emit(prometheus::MetricFamily&& family) override { Write(family); }
  void Write(const prometheus::MetricFamily& family);

  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

  // A point to roll back to, so a collector that fails half-way leaves no partial family.
  struct Mark {
    size_t size = 0;
    std::string last_family;
    bool have_last = false;
  };
  Mark GetMark() const { return Mark{out_.size(), last_family_, have_last_}; }
  void Rollback(const Mark& m) {
    out_.resize(m.size);
    last_family_ = m.last_family;
    have_last_ = m.have_last;
  }

 private:
  std::string out_;
  std::string last_family_;
  bool have_last_ = false;
};

// Serialises a whole vector of families (no merging of equal names, like TextSerializer).
std::string WriteText(const std::vector<prometheus::MetricFamily>& families);

// Appends a sample value as TextSerializer prints it: "Nan", "+Inf", "-Inf", otherwise
// printf("%.16g").
void AppendSampleValue(std::string& out, double value);

// gzip (RFC 1952) of `data` with zlib at the given level (1 = fastest, as Prometheus client
// libraries use for scrapes).
Result<std::string> Gzip(std::string_view data, int level = 1);

// True when an Accept-Encoding header value accepts gzip (a "gzip" coding with q > 0, or "*").
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace certwatch
