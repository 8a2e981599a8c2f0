// OpenMetrics 1.0.0 output of the writer (both the direct and the chunked path) and the
// Accept negotiation that picks it. The text format's own tests (text_writer_test.cc) pin
// that the plain output is unchanged.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "exposition/format.h"
#include "exposition/text_writer.h"

namespace certwatch {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr auto kOm = ExpositionFormat::kOpenMetrics;

// Writes one family through FamilyWriter into a writer of `format`, direct or in chunks.
std::string WriteOne(ExpositionFormat format, bool direct, const std::string& name,
                     const std::string& help, MetricType type, OmType om,
                     std::initializer_list<std::pair<std::string, double>> samples) {
  TextWriter writer(format);
  writer.set_direct(direct);
  {
    FamilyWriter w(writer, name, help, type, om);
    for (const auto& [label, value] : samples) {
      if (label.empty()) {
        w.Add({}, value);
      } else {
        w.Add({{"k", label}}, value);
      }
    }
  }
  writer.Finish();
  return writer.Take();
}

class OpenMetricsPaths : public ::testing::TestWithParam<bool> {};

TEST_P(OpenMetricsPaths, CounterFamilyIsNamedWithoutTotal) {
  EXPECT_EQ(WriteOne(kOm, GetParam(), "certwatch_errors_total", "Errors seen.", MetricType::Counter,
                     OmType::kFromType, {{"a", 3}, {"b", 0}}),
            "# HELP certwatch_errors Errors seen.\n"
            "# TYPE certwatch_errors counter\n"
            "certwatch_errors_total{k=\"a\"} 3\n"
            "certwatch_errors_total{k=\"b\"} 0\n"
            "# EOF\n");
  // A counter named without _total gets it on its samples, as client_golang writes them.
  EXPECT_EQ(WriteOne(kOm, GetParam(), "certwatch_bare", "", MetricType::Counter, OmType::kFromType,
                     {{"", 1}}),
            "# TYPE certwatch_bare counter\ncertwatch_bare_total 1\n# EOF\n");
}

TEST_P(OpenMetricsPaths, InfoFamilyIsTypedInfo) {
  EXPECT_EQ(WriteOne(kOm, GetParam(), "certwatch_build_info", "Build facts.", MetricType::Gauge,
                     OmType::kInfo, {{"1.0", 1}}),
            "# HELP certwatch_build Build facts.\n"
            "# TYPE certwatch_build info\n"
            "certwatch_build_info{k=\"1.0\"} 1\n"
            "# EOF\n");
  // The text format knows no info type: the same family stays the gauge it always was.
  EXPECT_EQ(WriteOne(ExpositionFormat::kText, GetParam(), "certwatch_build_info", "Build facts.",
                     MetricType::Gauge, OmType::kInfo, {{"1.0", 1}}),
            "# HELP certwatch_build_info Build facts.\n"
            "# TYPE certwatch_build_info gauge\n"
            "certwatch_build_info{k=\"1.0\"} 1\n");
  // Only a family declared info is typed info, whatever its name.
  EXPECT_EQ(WriteOne(kOm, GetParam(), "certwatch_other_info", "", MetricType::Gauge,
                     OmType::kFromType, {{"", 2}}),
            "# TYPE certwatch_other_info gauge\ncertwatch_other_info 2\n# EOF\n");
}

TEST_P(OpenMetricsPaths, EscapesLabelValuesAndHelp) {
  // OpenMetrics escapes backslash, double quote and newline in HELP as in label values; the
  // text format writes HELP as given (TextSerializer 1.0.1).
  const std::string help = "say \"hi\" \\ twice\nthen stop";
  EXPECT_EQ(WriteOne(kOm, GetParam(), "certwatch_g", help, MetricType::Gauge, OmType::kFromType,
                     {{"x\\y\"z\nw", 1}}),
            "# HELP certwatch_g say \\\"hi\\\" \\\\ twice\\nthen stop\n"
            "# TYPE certwatch_g gauge\n"
            "certwatch_g{k=\"x\\\\y\\\"z\\nw\"} 1\n"
            "# EOF\n");
  EXPECT_EQ(WriteOne(ExpositionFormat::kText, GetParam(), "certwatch_g", help, MetricType::Gauge,
                     OmType::kFromType, {{"x\\y\"z\nw", 1}}),
            "# HELP certwatch_g " + help +
                "\n# TYPE certwatch_g gauge\ncertwatch_g{k=\"x\\\\y\\\"z\\nw\"} 1\n");
}

TEST_P(OpenMetricsPaths, UntypedIsUnknownAndNanIsSpelledNaN) {
  EXPECT_EQ(WriteOne(kOm, GetParam(), "certwatch_u", "", MetricType::Untyped, OmType::kFromType,
                     {{"", std::numeric_limits<double>::quiet_NaN()},
                      {"i", std::numeric_limits<double>::infinity()}}),
            "# TYPE certwatch_u unknown\ncertwatch_u NaN\ncertwatch_u{k=\"i\"} +Inf\n# EOF\n");
}

INSTANTIATE_TEST_SUITE_P(DirectAndChunks, OpenMetricsPaths, ::testing::Bool());

TEST(OpenMetricsWriterTest, EofEndsEveryExposition) {
  EXPECT_EQ(WriteText({}, kOm), "# EOF\n");
  EXPECT_EQ(WriteText({}), "");
  TextWriter text;
  text.Finish();
  EXPECT_EQ(text.text(), "");
  // Streaming: the end marker goes out with the last flush.
  std::string streamed;
  TextWriter om(kOm);
  om.SetFlush(1, [&](std::string_view chunk) { streamed.append(chunk); });
  { FamilyWriter(om, "certwatch_up", "").Add({}, 1); }
  om.Finish();
  om.Flush();
  EXPECT_EQ(streamed, "# TYPE certwatch_up gauge\ncertwatch_up 1\n# EOF\n");
}

TEST(OpenMetricsWriterTest, ChunksShareOneHeader) {
  TextWriter writer(kOm);
  writer.set_direct(false);
  {
    FamilyWriter w(writer, "certwatch_many_total", "", MetricType::Counter);
    for (size_t i = 0; i < FamilyWriter::kChunk + 1; ++i) w.Add({}, 1);
  }
  writer.Finish();
  const std::string& out = writer.text();
  EXPECT_EQ(out.find("# TYPE"), out.rfind("# TYPE"));
  EXPECT_TRUE(out.starts_with("# TYPE certwatch_many counter\ncertwatch_many_total 1\n"));
}

TEST(OpenMetricsWriterTest, RollbackForgetsTheRolledBackFamily) {
  TextWriter writer(kOm);
  { FamilyWriter(writer, "certwatch_a", "").Add({}, 1); }
  TextWriter::Mark mark = writer.GetMark();
  { FamilyWriter(writer, "certwatch_b_info", "", MetricType::Gauge, OmType::kInfo).Add({}, 1); }
  ASSERT_TRUE(writer.Rollback(mark));
  { FamilyWriter(writer, "certwatch_a", "").Add({{"k", "v"}}, 2); }
  writer.Finish();
  EXPECT_EQ(writer.text(),
            "# TYPE certwatch_a gauge\ncertwatch_a 1\ncertwatch_a{k=\"v\"} 2\n# EOF\n");
}

TEST(OpenMetricsWriterTest, TimestampsAreSecondsAndHistogramsKeepTheirSamples) {
  MetricFamily f;
  f.name = "certwatch_latency_seconds";
  f.type = MetricType::Histogram;
  ClientMetric m;
  m.histogram.sample_count = 3;
  m.histogram.sample_sum = 1.5;
  m.histogram.bucket = {{1, 0.5}};
  m.timestamp_ms = 1700000000123;
  f.metric.push_back(m);
  EXPECT_EQ(WriteText({f}, kOm),
            "# TYPE certwatch_latency_seconds histogram\n"
            "certwatch_latency_seconds_count 3 1700000000.123\n"
            "certwatch_latency_seconds_sum 1.5 1700000000.123\n"
            "certwatch_latency_seconds_bucket{le=\"0.5\"} 1 1700000000.123\n"
            "certwatch_latency_seconds_bucket{le=\"+Inf\"} 3 1700000000.123\n"
            "# EOF\n");
}

TEST(NegotiateFormatTest, Table) {
  constexpr auto kText = ExpositionFormat::kText;
  struct Case {
    std::string_view accept;
    ExpositionFormat want;
  } cases[] = {
      {"", kText},
      {"*/*", kText},
      {"text/plain", kText},
      {"text/plain;version=0.0.4", kText},
      {"application/openmetrics-text", kOm},
      {"application/openmetrics-text; version=1.0.0", kOm},
      {"application/openmetrics-text;version=\"1.0.0\";charset=utf-8", kOm},
      {"Application/OpenMetrics-Text; Version=1.0.0", kOm},
      // Only 1.0.0 (or no version) is written; 0.0.1 falls back to the next choice.
      {"application/openmetrics-text;version=0.0.1", kText},
      {"application/openmetrics-text;version=0.0.1,text/plain;q=0.5", kText},
      // What Prometheus 2.x sends by default.
      {"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
       "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
       kOm},
      // q-values rank the ranges, not their order.
      {"text/plain;version=0.0.4;q=0.5, application/openmetrics-text;version=1.0.0", kOm},
      {"application/openmetrics-text;version=1.0.0;q=0.3, text/plain;q=0.9", kText},
      {"application/openmetrics-text;q=0.2, */*;q=1", kOm},
      // Equal q: the first listed wins.
      {"text/plain, application/openmetrics-text", kText},
      {"application/openmetrics-text, text/plain", kOm},
      // q=0 refuses, a q that cannot be read refuses too.
      {"application/openmetrics-text;q=0, text/plain;q=0.1", kText},
      {"application/openmetrics-text;q=0", kText},
      {"application/openmetrics-text;q=high", kText},
      {"text/plain;version=0.0.3", kText},
      {"application/json, application/openmetrics-text ; q=0.8", kOm},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(NegotiateFormat(c.accept), c.want) << c.accept;
  }
}

TEST(NegotiateFormatTest, ContentTypes) {
  EXPECT_EQ(ContentType(kOm), "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_EQ(ContentType(ExpositionFormat::kText), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace certwatch
