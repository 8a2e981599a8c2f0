#include "exporter/kube/backoff.h"

#include <gtest/gtest.h>

namespace certwatch {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesToTheCapWithoutJitter) {
  Backoff b({milliseconds(100), milliseconds(1000), 2.0, 0.0}, 1);
  EXPECT_EQ(b.Next(), milliseconds(100));
  EXPECT_EQ(b.Next(), milliseconds(200));
  EXPECT_EQ(b.Next(), milliseconds(400));
  EXPECT_EQ(b.Next(), milliseconds(800));
  EXPECT_EQ(b.Next(), milliseconds(1000));
  EXPECT_EQ(b.Next(), milliseconds(1000));
  b.Reset();
  EXPECT_EQ(b.Next(), milliseconds(100));
}

TEST(Backoff, JitterStaysInBoundsAndVaries) {
  Backoff b({milliseconds(1000), milliseconds(60000), 2.0, 0.5}, 42);
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) {
    b.Reset();
    auto d = b.Next();
    EXPECT_GE(d, milliseconds(500));
    EXPECT_LE(d, milliseconds(1500));
    seen.insert(d.count());
  }
  EXPECT_GT(seen.size(), 5u);
  Backoff capped({milliseconds(1000), milliseconds(3000), 2.0, 0.5}, 7);
  for (int i = 0; i < 10; ++i) EXPECT_LE(capped.Next(), milliseconds(3000));
}

TEST(Backoff, RetryAfterIsAFloor) {
  Backoff b({milliseconds(100), milliseconds(1000), 2.0, 0.0}, 1);
  EXPECT_EQ(b.Next(7.0), milliseconds(7000));  // above the cap: the server knows best
  EXPECT_EQ(b.Next(0.05), milliseconds(200));  // below the backoff: ignored
}

}  // namespace
}  // namespace certwatch
