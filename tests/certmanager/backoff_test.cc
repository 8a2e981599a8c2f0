#include "certmanager/backoff.h"

#include <gtest/gtest.h>

namespace certwatch::certmanager {
namespace {

constexpr UnixSeconds kNow = 1795000000;  // 2026-11-18T11:06:40Z
constexpr int64_t kHour = 3600;

TEST(Backoff, DoublesFromOneHourToThirtyTwo) {
  struct Row {
    int attempts;
    int64_t delay_hours;
  };
  for (Row r : {Row{-1, 1}, Row{0, 1}, Row{1, 1}, Row{2, 2}, Row{3, 4}, Row{4, 8}, Row{5, 16},
                Row{6, 32}, Row{7, 32}, Row{9, 32}, Row{1000, 32}, Row{2147483647, 32}}) {
    CertificateState c;
    c.last_failure_time = kNow - 1800;
    c.failed_issuance_attempts = r.attempts;
    auto b = ComputeIssuanceBackoff(c, kNow);
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->delay_seconds, r.delay_hours * kHour) << r.attempts;
    EXPECT_EQ(b->next_retry, kNow - 1800 + r.delay_hours * kHour);
    EXPECT_TRUE(b->active);
  }
}

TEST(Backoff, NoneWithoutFailureAndElapsedAfterDelay) {
  CertificateState c;
  EXPECT_FALSE(ComputeIssuanceBackoff(c, kNow).has_value());
  c.failed_issuance_attempts = 3;  // attempts alone, no lastFailureTime: no backoff
  EXPECT_FALSE(ComputeIssuanceBackoff(c, kNow).has_value());
  c.last_failure_time = kNow - 2 * kHour;
  c.failed_issuance_attempts = 2;  // 2h: elapsed exactly now
  auto b = ComputeIssuanceBackoff(c, kNow);
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->active);
  EXPECT_EQ(b->next_retry, kNow);
}

// Certificates that failed before cert-manager counted attempts have lastFailureTime and no
// failedIssuanceAttempts: cert-manager still waits the initial hour. (The renewer's own copy
// of this rule used to give no backoff at all here.)
TEST(Backoff, AbsentAttemptsStillWaitTheInitialHour) {
  CertificateState c;
  c.last_failure_time = kNow - 30 * 60;
  auto b = ComputeIssuanceBackoff(c, kNow);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->delay_seconds, kHour);
  EXPECT_EQ(b->next_retry, kNow + 30 * 60);
  EXPECT_TRUE(b->active);
}

}  // namespace
}  // namespace certwatch::certmanager
