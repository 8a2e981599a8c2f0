#include "certmanager/rate_limit.h"

#include <gtest/gtest.h>

namespace certwatch::certmanager {
namespace {

TEST(RateLimit, MessagesCertManagerCopiesFromTheAcmeServer) {
  for (const char* m : {
           "Failed to create Order: 429 urn:ietf:params:acme:error:rateLimited: Error creating new "
           "order :: too many certificates (50) already issued for \"example.com\" in the last "
           "168h0m0s, retry after 2026-11-28T10:00:00Z",
           "acme: urn:ietf:params:acme:error:rateLimited",
           "unexpected status 429 from ACME server",
           "429",
           // Let's Encrypt's wording when neither the type nor the status survives.
           "too many certificates (5) already issued for this exact set of identifiers in the "
           "last 168h0m0s, retry after 2026-11-19 10:00:00 UTC: see https://letsencrypt.org/docs/"
           "rate-limits/#new-certificates-per-exact-set-of-identifiers",
           "Error finalizing order :: too many new orders (300) from this account in the last 3h",
           "too many failed authorizations (5) for \"example.com\" in the last 1h0m0s",
           "too many new registrations (10) from this IP address in the last 3h0m0s",
           "Too Many Requests",
       }) {
    EXPECT_TRUE(IsRateLimitedMessage(m)) << m;
  }
}

TEST(RateLimit, OtherFailuresAreNot) {
  for (const char* m : {
           "order 14290 is pending",
           "Failed to finalize order: 403 unauthorized",
           "",
           "4290 attempts",
           "dns: too many labels in name",
           "urn:ietf:params:acme:error:unauthorized: account is not authorized",
       }) {
    EXPECT_FALSE(IsRateLimitedMessage(m)) << m;
  }
}

TEST(RateLimit, RetryAfterInMessage) {
  EXPECT_EQ(RetryAfterInMessage("too many certificates, retry after 2026-11-19 10:00:00 UTC: see"),
            std::optional<UnixSeconds>(1795082400));
  EXPECT_FALSE(RetryAfterInMessage("too many certificates").has_value());
  EXPECT_FALSE(RetryAfterInMessage("retry after soon").has_value());
  EXPECT_FALSE(RetryAfterInMessage("retry after 2026-11-19").has_value());
}

}  // namespace
}  // namespace certwatch::certmanager
