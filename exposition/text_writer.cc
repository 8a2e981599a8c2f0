#include "exposition/text_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "common/strings.h"

namespace certwatch {
namespace {

// Label values escape backslash, double quote and newline ("\n"). HELP text is written as
// given in the text format, exactly as TextSerializer 1.0.1 does; OpenMetrics escapes it like
// a label value.
constexpr bool NeedsEscape(unsigned char c) { return c == '\\' || c == '"' || c == '\n'; }

void AppendEscaped(std::string& out, std::string_view v) {
  // Most values need no escaping: find the first special byte, append the clean run at once.
  size_t start = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!NeedsEscape(static_cast<unsigned char>(v[i]))) continue;
    out.append(v.data() + start, i - start);
    out.push_back('\\');
    out.push_back(v[i] == '\n' ? 'n' : v[i]);
    start = i + 1;
  }
  out.append(v.data() + start, v.size() - start);
}

void AppendUnsigned(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// OpenMetrics spells NaN "NaN" (client_golang's spelling); the text format keeps
// TextSerializer's "Nan".
void AppendValue(std::string& out, double v, bool om) {
  if (om && std::isnan(v)) {
    out.append("NaN");
    return;
  }
  AppendSampleValue(out, v);
}

// name{labels[,extra="..."]}<space>
void AppendHead(std::string& out, std::string_view name, std::string_view suffix,
                const prometheus::ClientMetric& m, std::string_view extra_name = {},
                std::string_view extra_value = {}) {
  out.append(name);
  out.append(suffix);
  if (!m.label.empty() || !extra_name.empty()) {
    out.push_back('{');
    bool first = true;
    for (const auto& lp : m.label) {
      if (!first) out.push_back(',');
      first = false;
      out.append(lp.name);
      out.append("=\"");
      AppendEscaped(out, lp.value);
      out.push_back('"');
    }
    if (!extra_name.empty()) {
      if (!first) out.push_back(',');
      out.append(extra_name);
      out.append("=\"");
      out.append(extra_value);  // numbers and "+Inf": nothing to escape
      out.push_back('"');
    }
    out.push_back('}');
  }
  out.push_back(' ');
}

// Timestamps are milliseconds in the text format and seconds in OpenMetrics.
void AppendTail(std::string& out, const prometheus::ClientMetric& m, bool om) {
  if (m.timestamp_ms != 0) {
    out.push_back(' ');
    if (om) {
      AppendSampleValue(out, static_cast<double>(m.timestamp_ms) / 1000);
    } else {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, m.timestamp_ms);
      out.append(buf, r.ptr);
    }
  }
  out.push_back('\n');
}

std::string ValueString(double v) {
  std::string s;
  AppendSampleValue(s, v);
  return s;
}

// The _count and _sum lines histograms and summaries share.
void AppendCountAndSum(std::string& out, std::string_view name, const prometheus::ClientMetric& m,
                       uint64_t count, double sum, bool om) {
  AppendHead(out, name, "_count", m);
  AppendUnsigned(out, count);
  AppendTail(out, m, om);
  AppendHead(out, name, "_sum", m);
  AppendValue(out, sum, om);
  AppendTail(out, m, om);
}

void AppendHistogram(std::string& out, std::string_view name, const prometheus::ClientMetric& m,
                     bool om) {
  const auto& h = m.histogram;
  AppendCountAndSum(out, name, m, h.sample_count, h.sample_sum, om);
  double last = -std::numeric_limits<double>::infinity();
  for (const auto& b : h.bucket) {
    AppendHead(out, name, "_bucket", m, "le", ValueString(b.upper_bound));
    last = b.upper_bound;
    AppendUnsigned(out, b.cumulative_count);
    AppendTail(out, m, om);
  }
  if (last != std::numeric_limits<double>::infinity()) {
    AppendHead(out, name, "_bucket", m, "le", "+Inf");
    AppendUnsigned(out, h.sample_count);
    AppendTail(out, m, om);
  }
}

void AppendSummary(std::string& out, std::string_view name, const prometheus::ClientMetric& m,
                   bool om) {
  const auto& s = m.summary;
  AppendCountAndSum(out, name, m, s.sample_count, s.sample_sum, om);
  for (const auto& q : s.quantile) {
    AppendHead(out, name, "", m, "quantile", ValueString(q.quantile));
    AppendValue(out, q.value, om);
    AppendTail(out, m, om);
  }
}

std::string_view TypeName(prometheus::MetricType t, OmType om_type, bool om) {
  if (om && om_type == OmType::kInfo) return "info";
  switch (t) {
    case prometheus::MetricType::Counter:
      return "counter";
    case prometheus::MetricType::Gauge:
      return "gauge";
    case prometheus::MetricType::Summary:
      return "summary";
    case prometheus::MetricType::Untyped:
      return om ? "unknown" : "untyped";  // OpenMetrics has no "untyped"
    case prometheus::MetricType::Histogram:
      return "histogram";
  }
  return om ? "unknown" : "untyped";
}

// The suffix an OpenMetrics sample carries beyond its family's name: counters' samples end in
// _total and info samples in _info, while TYPE and HELP name the family without it.
std::string_view OmSuffix(prometheus::MetricType t, OmType om_type) {
  if (om_type == OmType::kInfo) return "_info";
  return t == prometheus::MetricType::Counter ? "_total" : "";
}

// The names a family is written under: in HELP/TYPE, and on its (counter, gauge, info or
// unknown) samples. The text format uses the name as given for both.
struct Names {
  std::string_view family;
  std::string sample;
};

Names NamesFor(std::string_view name, prometheus::MetricType t, OmType om_type, bool om) {
  std::string_view suffix = om ? OmSuffix(t, om_type) : "";
  std::string_view family = name;
  if (!suffix.empty() && family.ends_with(suffix)) family.remove_suffix(suffix.size());
  std::string sample(family);
  sample.append(suffix);
  return {family, std::move(sample)};
}

void AppendHeader(std::string& out, std::string_view family, std::string_view help,
                  std::string_view type, bool om) {
  if (!help.empty()) {
    out.append("# HELP ");
    out.append(family);
    out.push_back(' ');
    if (om) {
      AppendEscaped(out, help);
    } else {
      out.append(help);
    }
    out.push_back('\n');
  }
  out.append("# TYPE ");
  out.append(family);
  out.push_back(' ');
  out.append(type);
  out.push_back('\n');
}

void AppendFamily(std::string& out, const prometheus::MetricFamily& f, bool header, OmType om_type,
                  bool om) {
  const Names names = NamesFor(f.name, f.type, om_type, om);
  if (header) AppendHeader(out, names.family, f.help, TypeName(f.type, om_type, om), om);
  for (const auto& m : f.metric) {
    switch (f.type) {
      case prometheus::MetricType::Counter:
        AppendHead(out, names.sample, "", m);
        AppendValue(out, m.counter.value, om);
        AppendTail(out, m, om);
        break;
      case prometheus::MetricType::Gauge:
        AppendHead(out, names.sample, "", m);
        AppendValue(out, m.gauge.value, om);
        AppendTail(out, m, om);
        break;
      case prometheus::MetricType::Untyped:
        AppendHead(out, names.sample, "", m);
        AppendValue(out, m.untyped.value, om);
        AppendTail(out, m, om);
        break;
      case prometheus::MetricType::Summary:
        AppendSummary(out, f.name, m, om);
        break;
      case prometheus::MetricType::Histogram:
        AppendHistogram(out, f.name, m, om);
        break;
    }
  }
}

}  // namespace

void AppendSampleValue(std::string& out, double v) {
  if (std::isnan(v)) {
    out.append("Nan");
    return;
  }
  if (std::isinf(v)) {
    out.append(v < 0 ? "-Inf" : "+Inf");
    return;
  }
  char buf[32];
  // Integers below 1e16 print in full under %.16g; timestamps, counts and 0/1 states take
  // this path, which is several times cheaper than the general one. -0 keeps its sign below.
  if (std::fabs(v) < 1e16 && v == std::trunc(v) && !(v == 0 && std::signbit(v))) {
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
    out.append(buf, r.ptr);
    return;
  }
  // to_chars with an explicit precision is specified to match printf("%.*g").
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general,
                         std::numeric_limits<double>::max_digits10 - 1);
  out.append(buf, r.ptr);
}

bool TextWriter::Header(std::string_view name) {
  if (have_last_ && name == last_family_) return false;
  last_family_.assign(name);
  have_last_ = true;
  return true;
}

void TextWriter::Write(const prometheus::MetricFamily& family, OmType om_type) {
  AppendFamily(out_, family, Header(family.name) && headers_, om_type, om());
  MaybeFlush();
}

void TextWriter::BeginFamily(std::string_view name, std::string_view help,
                             prometheus::MetricType type, OmType om_type) {
  const bool header = Header(name) && headers_;
  if (om()) {
    // Set on every chunk: after a rollback the previous family's name may be stale.
    Names names = NamesFor(name, type, om_type, true);
    if (header) AppendHeader(out_, names.family, help, TypeName(type, om_type, true), true);
    sample_name_ = std::move(names.sample);
    return;
  }
  if (header) AppendHeader(out_, name, help, TypeName(type, om_type, false), false);
}

void TextWriter::AddSample(std::span<const Label> labels, double value) {
  // FamilyWriter only writes counters, gauges and untyped samples: one line each.
  out_.append(om() ? sample_name_ : last_family_);
  if (!labels.empty()) {
    out_.push_back('{');
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out_.push_back(',');
      first = false;
      out_.append(k);
      out_.append("=\"");
      AppendEscaped(out_, v);
      out_.push_back('"');
    }
    out_.push_back('}');
  }
  out_.push_back(' ');
  AppendValue(out_, value, om());
  out_.push_back('\n');
  MaybeFlush();
}

void TextWriter::Finish() {
  if (om()) out_.append("# EOF\n");
  MaybeFlush();
}

void TextWriter::Flush() {
  if (!flush_ || out_.empty()) return;
  flush_(out_);
  flushed_ += out_.size();
  out_.clear();
}

void TextWriter::AddSegment(std::shared_ptr<const Segment> segment) {
  if (!segment || segment->size == 0) return;
  Flush();
  flushed_ += segment->size;
  segment_sink_(std::move(segment));
}

bool TextWriter::Rollback(const Mark& m) {
  last_family_ = m.last_family;
  have_last_ = m.have_last;
  if (m.position >= flushed_) {
    out_.resize(m.position - flushed_);
    return true;
  }
  out_.clear();
  return false;
}

std::string WriteText(const std::vector<prometheus::MetricFamily>& families,
                      ExpositionFormat format) {
  const bool om = format == ExpositionFormat::kOpenMetrics;
  std::string out;
  for (const auto& f : families) AppendFamily(out, f, true, OmType::kFromType, om);
  if (om) out.append("# EOF\n");
  return out;
}

bool AcceptsGzip(std::string_view header) {
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    // HTTP's optional whitespace around list items and parameters (RFC 9110 section 5.6.3).
    constexpr std::string_view kOws = " \t";
    size_t semi = item.find(';');
    std::string_view coding = Trim(item.substr(0, semi), kOws);
    if (!EqualsIgnoreCase(coding, "gzip") && !EqualsIgnoreCase(coding, "x-gzip") && coding != "*") {
      continue;
    }
    if (semi == std::string_view::npos) return true;
    std::string_view params = Trim(item.substr(semi + 1), kOws);
    if (params.starts_with("q=") || params.starts_with("Q=")) {
      std::string_view q = Trim(params.substr(2), kOws);
      // q=0, q=0.0, q=0.000 refuse the coding.
      bool zero = !q.empty() && q.find_first_not_of("0.") == std::string_view::npos;
      if (zero) continue;
    }
    return true;
  }
  return false;
}

}  // namespace certwatch
