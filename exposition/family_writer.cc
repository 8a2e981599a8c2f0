#include "exposition/family_writer.h"

namespace certwatch {

FamilyWriter::FamilyWriter(MetricSink& sink, std::string name, std::string help,
                           prometheus::MetricType type, OmType om)
    : sink_(sink), om_(om), direct_(sink.AcceptsSamples()) {
  family_.name = std::move(name);
  family_.help = std::move(help);
  family_.type = type;
}

FamilyWriter::~FamilyWriter() { Flush(); }

void FamilyWriter::Add(std::initializer_list<Label> labels, double value) {
  Add(std::span<const Label>(labels.begin(), labels.size()), value);
}

void FamilyWriter::Add(std::span<const Label> labels, double value) {
  if (direct_) {
    // A family without samples prints nothing, as with Emit (Flush skips empty chunks).
    if (!begun_) {
      sink_.BeginFamily(family_.name, family_.help, family_.type, om_);
      begun_ = true;
    }
    sink_.AddSample(labels, value);
    return;
  }
  prometheus::ClientMetric& m = family_.metric.emplace_back();
  m.label.reserve(labels.size());
  for (const auto& [k, v] : labels) m.label.push_back({std::string(k), std::string(v)});
  switch (family_.type) {
    case prometheus::MetricType::Counter:
      m.counter.value = value;
      break;
    case prometheus::MetricType::Untyped:
      m.untyped.value = value;
      break;
    default:
      m.gauge.value = value;
      break;
  }
  if (family_.metric.size() >= kChunk) Flush();
}

void FamilyWriter::Flush() {
  if (family_.metric.empty()) return;
  prometheus::MetricFamily out;
  out.name = family_.name;
  out.help = family_.help;
  out.type = family_.type;
  out.metric.swap(family_.metric);
  sink_.EmitFamily(std::move(out), om_);
}

}  // namespace certwatch
