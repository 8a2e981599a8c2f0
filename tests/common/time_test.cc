#include "common/time.h"

#include <gtest/gtest.h>

namespace certwatch {
namespace {

TEST(Time, ParseRfc3339) {
  EXPECT_EQ(ParseRfc3339("2026-11-28T10:00:00Z"), 1795860000);
  EXPECT_EQ(ParseRfc3339("2026-11-28T10:00:00.123456Z"), 1795860000);
  EXPECT_EQ(ParseRfc3339("2026-11-28T12:00:00+02:00"), 1795860000);
  EXPECT_EQ(ParseRfc3339("2026-11-28T09:30:00-00:30"), 1795860000);
  EXPECT_FALSE(ParseRfc3339("2026-11-28"));
  EXPECT_FALSE(ParseRfc3339("2026-13-28T10:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-11-28T10:00:00"));
  EXPECT_FALSE(ParseRfc3339("2026-11-28T10:00:00Zjunk"));
}

TEST(Time, FormatRfc3339AndBrokenDownUtc) {
  EXPECT_EQ(FormatRfc3339(1795860000), "2026-11-28T10:00:00Z");
  EXPECT_EQ(ParseRfc3339(FormatRfc3339(1795860000)), 1795860000);
  EXPECT_EQ(UnixFromUtc(2026, 11, 28, 10, 0, 0), 1795860000);
  EXPECT_FALSE(UnixFromUtc(2026, 13, 1, 0, 0, 0));
  EXPECT_FALSE(UnixFromUtc(2026, 1, 1, 24, 0, 0));
}

}  // namespace
}  // namespace certwatch
