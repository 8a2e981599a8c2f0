// The text writer must print exactly what prometheus-cpp's TextSerializer prints.
#include "exposition/text_writer.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <limits>
#include <random>

namespace certwatch {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::string Reference(const std::vector<MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

ClientMetric Sample(std::vector<prometheus::ClientMetric::Label> labels, MetricType type,
                    double v) {
  ClientMetric m;
  m.label = std::move(labels);
  switch (type) {
    case MetricType::Counter:
      m.counter.value = v;
      break;
    case MetricType::Untyped:
      m.untyped.value = v;
      break;
    default:
      m.gauge.value = v;
      break;
  }
  return m;
}

TEST(TextWriterTest, SpecialValuesMatchSerializer) {
  const double values[] = {0.0,
                           -0.0,
                           1.0,
                           -1.0,
                           0.1,
                           1e-7,
                           1.0 / 3,
                           1.5,
                           123456789.123456789,
                           1700000000.0,
                           1e15,
                           9999999999999998.0,
                           1e16,
                           -1e16,
                           1e21,
                           1234567890123456789.0,
                           2.5e-300,
                           std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::lowest(),
                           std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity()};
  for (MetricType type : {MetricType::Gauge, MetricType::Counter, MetricType::Untyped}) {
    MetricFamily f = Family("certwatch_values", "Values of every shape.", type);
    for (double v : values) f.metric.push_back(Sample({{"v", "x"}}, type, v));
    EXPECT_EQ(WriteText({f}), Reference({f}));
  }
}

TEST(TextWriterTest, EscapesLabelValuesAndKeepsLabelOrder) {
  MetricFamily f =
      Family("certwatch_escape", "Help with \\ backslash and \"quotes\".", MetricType::Gauge);
  f.metric.push_back(
      Sample({{"z", "a\\b"}, {"a", "quote\"d"}, {"m", "new\nline"}}, MetricType::Gauge, 1));
  f.metric.push_back(Sample({{"path", "C:\\dir\\\"x\"\n\n"}, {"empty", ""}}, MetricType::Gauge, 2));
  f.metric.push_back(Sample({{"utf8", "h\xc3\xa9llo \xe2\x9c\x93"}}, MetricType::Gauge, 3));
  std::string got = WriteText({f});
  EXPECT_EQ(got, Reference({f}));
  EXPECT_NE(got.find(R"(z="a\\b",a="quote\"d",m="new\nline")"), std::string::npos) << got;
}

TEST(TextWriterTest, EmptyLabelsEmptyHelpTimestampsAndEmptyFamilies) {
  MetricFamily no_labels = Family("certwatch_scrape_duration_seconds", "", MetricType::Gauge);
  no_labels.metric.push_back(Sample({}, MetricType::Gauge, 0.00123));
  ClientMetric stamped = Sample({{"a", "b"}}, MetricType::Gauge, 7);
  stamped.timestamp_ms = 1700000000123;
  no_labels.metric.push_back(stamped);
  MetricFamily empty = Family("certwatch_nothing_total", "No series.", MetricType::Counter);
  std::vector<MetricFamily> all{no_labels, empty};
  EXPECT_EQ(WriteText(all), Reference(all));
}

TEST(TextWriterTest, HistogramAndSummaryMatchSerializer) {
  MetricFamily h = Family("certwatch_h", "A histogram.", MetricType::Histogram);
  ClientMetric hm;
  hm.label = {{"collector", "x"}};
  hm.histogram.sample_count = 10;
  hm.histogram.sample_sum = 1.25;
  hm.histogram.bucket = {{1, 0.005}, {4, 0.1}, {9, 2.5}};
  h.metric.push_back(hm);
  ClientMetric hinf;
  hinf.histogram.sample_count = 3;
  hinf.histogram.bucket = {{1, 1}, {3, std::numeric_limits<double>::infinity()}};
  h.metric.push_back(hinf);
  MetricFamily s = Family("certwatch_s", "A summary.", MetricType::Summary);
  ClientMetric sm;
  sm.summary.sample_count = 5;
  sm.summary.sample_sum = 0.3;
  sm.summary.quantile = {{0.5, 0.01}, {0.99, 0.2}};
  s.metric.push_back(sm);
  std::vector<MetricFamily> all{h, s};
  EXPECT_EQ(WriteText(all), Reference(all));
}

// Random values (integers, timestamps, fractions, tiny and huge magnitudes) and random label
// values drawn from characters that need escaping, over many series.
TEST(TextWriterTest, RandomFamiliesManySeriesMatchSerializer) {
  std::mt19937_64 rng(20261127);
  std::uniform_int_distribution<int> kind(0, 5);
  std::uniform_int_distribution<int> len(0, 12);
  const std::string alphabet = "abcXYZ019_-./\\\"\n :=,{}";
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  auto random_value = [&]() -> double {
    switch (kind(rng)) {
      case 0:
        return static_cast<double>(rng() % 2);
      case 1:
        return 1.6e9 + static_cast<double>(rng() % 400000000);
      case 2:
        return std::uniform_real_distribution<double>(-1e3, 1e3)(rng);
      case 3:
        return std::ldexp(std::uniform_real_distribution<double>(0.5, 1)(rng),
                          static_cast<int>(rng() % 2000) - 1000);
      case 4:
        return static_cast<double>(static_cast<int64_t>(rng()) >> (rng() % 60));
      default:
        return std::uniform_real_distribution<double>(0, 1)(rng);
    }
  };
  std::vector<MetricFamily> families;
  for (int fi = 0; fi < 20; ++fi) {
    MetricType type = fi % 3 == 0 ? MetricType::Counter : MetricType::Gauge;
    MetricFamily f = Family("certwatch_random_" + std::to_string(fi), "Random family.", type);
    for (int i = 0; i < 2000; ++i) {
      std::vector<ClientMetric::Label> labels;
      int n = static_cast<int>(rng() % 6);
      for (int li = 0; li < n; ++li) {
        std::string v;
        int l = len(rng);
        for (int c = 0; c < l; ++c) v.push_back(alphabet[pick(rng)]);
        labels.push_back({"l" + std::to_string(li), v});
      }
      f.metric.push_back(Sample(std::move(labels), type, random_value()));
    }
    families.push_back(std::move(f));
  }
  std::string got = WriteText(families);
  std::string want = Reference(families);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want);
}

// FamilyWriter splits a family into chunks (or, to a direct sink, streams samples); either
// way the text has one header, which is what the serializer prints for the unsplit family.
class ChunkedFamily : public ::testing::TestWithParam<bool> {};

TEST_P(ChunkedFamily, HasOneHeader) {
  TextWriter writer;
  writer.set_direct(GetParam());
  MetricFamily whole = Family("certwatch_chunked", "Split in chunks.", MetricType::Gauge);
  {
    FamilyWriter fw(writer, whole.name, whole.help);
    for (size_t i = 0; i < FamilyWriter::kChunk * 2 + 17; ++i) {
      std::string v = std::to_string(i);
      fw.Add({{"i", v}}, static_cast<double>(i));
      whole.metric.push_back(Sample({{"i", v}}, MetricType::Gauge, static_cast<double>(i)));
    }
  }
  MetricFamily next = Family("certwatch_next", "Next.", MetricType::Counter);
  next.metric.push_back(Sample({}, MetricType::Counter, 4));
  writer.Emit(MetricFamily(next));
  EXPECT_EQ(writer.text(), Reference({whole, next}));
}

INSTANTIATE_TEST_SUITE_P(DirectAndChunks, ChunkedFamily, ::testing::Bool());

// Escapes and labels through the direct path match the serializer too.
TEST(TextWriterTest, DirectSamplesMatchSerializer) {
  TextWriter writer;
  MetricFamily ref = Family("certwatch_direct", "Direct.", MetricType::Counter);
  {
    FamilyWriter fw(writer, ref.name, ref.help, MetricType::Counter);
    fw.Add({}, 1.5);
    fw.Add({{"a", "x\\y\"z\nw"}, {"b", ""}}, std::numeric_limits<double>::quiet_NaN());
    fw.Add({{"c", "1"}}, 1e21);
  }
  { FamilyWriter empty(writer, "certwatch_empty", "Never written."); }
  ref.metric.push_back(Sample({}, MetricType::Counter, 1.5));
  ref.metric.push_back(Sample({{"a", "x\\y\"z\nw"}, {"b", ""}}, MetricType::Counter,
                              std::numeric_limits<double>::quiet_NaN()));
  ref.metric.push_back(Sample({{"c", "1"}}, MetricType::Counter, 1e21));
  EXPECT_EQ(writer.text(), Reference({ref}));
}

// Streaming: flushed chunks concatenate to the unflushed text; a rollback past a flush says
// it could not undo everything.
TEST(TextWriterTest, FlushStreamsAndRollbackReportsPartial) {
  TextWriter whole;
  TextWriter streamed;
  std::string chunks;
  int flushes = 0;
  streamed.SetFlush(1000, [&](std::string_view c) {
    chunks.append(c);
    ++flushes;
  });
  for (TextWriter* w : {&whole, &streamed}) {
    FamilyWriter fw(*w, "certwatch_stream", "Streamed.");
    for (int i = 0; i < 500; ++i) fw.Add({{"i", std::to_string(i)}}, i);
  }
  TextWriter::Mark before_small = streamed.GetMark();
  {
    FamilyWriter fw(streamed, "certwatch_small", "Small.");
    fw.Add({}, 1);
  }
  EXPECT_TRUE(streamed.Rollback(before_small));
  TextWriter::Mark before_big = streamed.GetMark();
  {
    FamilyWriter fw(streamed, "certwatch_big", "Big.");
    for (int i = 0; i < 500; ++i) fw.Add({{"i", std::to_string(i)}}, i);
  }
  size_t flushed_before = chunks.size();
  EXPECT_FALSE(streamed.Rollback(before_big));
  streamed.Flush();
  EXPECT_GT(flushes, 10);
  EXPECT_EQ(chunks.substr(0, whole.text().size()), whole.text());
  EXPECT_EQ(chunks.find("certwatch_small"), std::string::npos);
  EXPECT_EQ(chunks.size(), flushed_before);  // the unflushed rest was dropped
}

TEST(TextWriterTest, AcceptEncoding) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, gzip;q=1.0, *;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("br, *"));
  EXPECT_TRUE(AcceptsGzip("GZip"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("br, gzip; q=0.000"));
  EXPECT_FALSE(AcceptsGzip("xgzip"));
}

}  // namespace
}  // namespace certwatch
