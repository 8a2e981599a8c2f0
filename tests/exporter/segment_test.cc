// Segments compressed apart join into one gzip member that zlib (as Prometheus' Go reader and
// curl do) reads back as the concatenated text; plain output inflates them in order.
#include "exposition/segment.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/lib/gzip_support.h"

namespace certwatch {
namespace {

std::shared_ptr<const Segment> Seg(const std::string& text) {
  auto s = CompressSegment(text);
  EXPECT_TRUE(s) << s.error().message;
  return std::make_shared<const Segment>(std::move(*s));
}

std::string Lines(int n, const std::string& tag) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "certwatch_x{name=\"" + tag + std::to_string(i) + "\"} 1\n";
  return out;
}

TEST(SegmentTest, SegmentsJoinIntoOneGzipMemberAndOneText) {
  // Sizes around zlib's and the 256 KiB inflate buffer's edges, and an empty one.
  const std::string a = Lines(3, "a"), b = Lines(20000, "b"), c = "", d = Lines(1, "d");
  Exposition e;
  for (const auto& t : {a, b, c, d}) e.Append(Seg(t));
  EXPECT_EQ(e.segments(), 3u);  // the empty one is not kept
  EXPECT_EQ(e.text_size(), a.size() + b.size() + d.size());
  EXPECT_EQ(e.Text(), a + b + d);
  EXPECT_TRUE(e.WriteGzip([](std::string_view) { return true; }));
  const std::string gz = e.Gzip();
  EXPECT_EQ(gz.size(), e.gzip_size());
  EXPECT_EQ(testing::Gunzip(gz), a + b + d);
}

TEST(SegmentTest, AnEmptyExpositionIsAValidGzipOfNothing) {
  Exposition e;
  EXPECT_EQ(testing::Gunzip(e.Gzip()), "");
  EXPECT_EQ(e.Text(), "");
}

TEST(SegmentTest, AWriterThatStopsEndsTheResponse) {
  Exposition e;
  e.Append(Seg(Lines(100000, "x")));
  int calls = 0;
  EXPECT_FALSE(e.WriteText([&](std::string_view) { return ++calls < 2; }));
  EXPECT_EQ(calls, 2);
  calls = 0;
  EXPECT_FALSE(e.WriteGzip([&](std::string_view) { return ++calls < 2; }));
  EXPECT_EQ(calls, 2);
}

// What the exporter's gzip writer was held to before scrapes were held as segments: text
// handed over in pieces round-trips, and the output is a real, compressing gzip.
TEST(SegmentTest, TextInPiecesRoundTripsThroughGzip) {
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "certwatch_x{i=\"" + std::to_string(i) + "\"} 1\n";
  ExpositionBuilder builder;
  for (size_t off = 0; off < text.size(); off += 70000) {
    builder.Write(std::string_view(text).substr(off, 70000));
  }
  auto e = builder.Finish();
  ASSERT_TRUE(e) << e.error().message;
  const std::string gz = (*e)->Gzip();
  ASSERT_GE(gz.size(), 10u);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
  EXPECT_LT(gz.size(), text.size() / 4);
  EXPECT_EQ(testing::Gunzip(gz), text);
  EXPECT_EQ((*e)->Text(), text);
}

TEST(SegmentTest, BuilderPutsReadyMadeSegmentsBetweenText) {
  ExpositionBuilder builder;
  builder.Write("# HELP x\n");
  builder.Put(Seg("x 1\n"));
  builder.Write("y 2\n");
  auto e = builder.Finish();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)->Text(), "# HELP x\nx 1\ny 2\n");
}

}  // namespace
}  // namespace certwatch
