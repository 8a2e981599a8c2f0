// certwatch_tls_verify_result: every reason of the vocabulary the prober writes
// (state/verify_reason.h) is a label value of its own; "other" is 1 only without a reason (no
// verification ran, or a state document of another version spelled one this version lacks).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "exporter/collector.h"
#include "state/state_api.h"
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

// Every reason plus "other", exactly one of them 1.
void ExpectOnly(const std::map<std::string, double>& series, const std::string& current) {
  EXPECT_EQ(series.size(), kVerifyReasons.size() + 1) << current;
  for (const auto& [label, value] : series) {
    EXPECT_EQ(value, label == current ? 1 : 0) << current << " / " << label;
  }
}

TEST(TlsVerifyResult, EveryReasonOfTheProberIsItsOwnLabelValue) {
  StateData d;
  for (VerifyReason r : kVerifyReasons) {
    TlsProbeResult t;
    t.target = std::string(ToString(r)) + ".example.test:443";
    t.server_name = "x.example.test";
    t.verify_reason = r;
    d.tls[t.target] = t;
  }
  TlsProbeResult unverified;
  unverified.target = "unverified.example.test:443";
  d.tls[unverified.target] = unverified;

  ReasonSink sink;
  CollectTlsProbes(d, CollectContext{}, sink);
  std::set<std::string> spellings;
  for (VerifyReason r : kVerifyReasons) {
    const std::string reason(ToString(r));
    EXPECT_NE(reason, "other");
    EXPECT_TRUE(spellings.insert(reason).second) << "spelled twice: " << reason;
    ExpectOnly(sink.values[reason + ".example.test:443"], reason);
  }
  ExpectOnly(sink.values["unverified.example.test:443"], "other");
}

TEST(TlsVerifyResult, AReasonOfAnotherVersionIsOther) {
  auto doc = ParseStateJson(R"({"tls": {
      "a|a": {"target": "a:443", "verify_reason": "a_reason_of_another_version"},
      "b|b": {"target": "b:443", "verify_reason": "incomplete_chain"}}})");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_FALSE(doc->data.tls.at("a|a").verify_reason);
  EXPECT_EQ(doc->data.tls.at("b|b").verify_reason, VerifyReason::kIncompleteChain);

  ReasonSink sink;
  CollectTlsProbes(doc->data, CollectContext{}, sink);
  ExpectOnly(sink.values["a:443"], "other");
  ExpectOnly(sink.values["b:443"], "incomplete_chain");
}

}  // namespace
}  // namespace certwatch
