// certwatch_tls_verify_result: every reason of the vocabulary the prober writes
// (state/verify_reason.h) is a label value of its own; only a string from outside it is "other".
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "exporter/collector.h"
#include "state/verify_reason.h"

namespace certwatch {

void CollectTlsProbes(const StateData&, const CollectContext&, MetricSink&);

namespace {

class ReasonSink : public MetricSink {
 public:
  void Emit(prometheus::MetricFamily&& f) override {
    if (f.name != "certwatch_tls_verify_result") return;
    for (const auto& m : f.metric) {
      std::string target, reason;
      for (const auto& l : m.label) {
        if (l.name == "target") target = l.value;
        if (l.name == "reason") reason = l.value;
      }
      values[target][reason] = m.gauge.value;
    }
  }
  std::map<std::string, std::map<std::string, double>> values;  // target -> reason -> value
};

TEST(TlsVerifyResult, EveryReasonOfTheProberIsItsOwnLabelValue) {
  StateData d;
  for (VerifyReason r : kVerifyReasons) {
    TlsProbeResult t;
    t.target = std::string(ToString(r)) + ".example.test:443";
    t.server_name = "x.example.test";
    t.verify_reason = std::string(ToString(r));
    d.tls[t.target] = t;
  }
  TlsProbeResult foreign;
  foreign.target = "foreign.example.test:443";
  foreign.verify_reason = "a_reason_of_another_version";
  d.tls[foreign.target] = foreign;

  ReasonSink sink;
  CollectTlsProbes(d, CollectContext{}, sink);
  std::set<std::string> spellings;
  for (VerifyReason r : kVerifyReasons) {
    const std::string reason(ToString(r));
    EXPECT_TRUE(spellings.insert(reason).second) << "spelled twice: " << reason;
    const auto& series = sink.values[reason + ".example.test:443"];
    EXPECT_EQ(series.size(), kVerifyReasons.size() + 1) << reason;  // every reason + "other"
    for (const auto& [label, value] : series) {
      EXPECT_EQ(value, label == reason ? 1 : 0) << reason << " / " << label;
    }
  }
  EXPECT_EQ(sink.values["foreign.example.test:443"]["other"], 1);
}

}  // namespace
}  // namespace certwatch
