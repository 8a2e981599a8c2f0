#include "exporter/kube/classify.h"

#include <gtest/gtest.h>

namespace certwatch {
namespace {

constexpr UnixSeconds kNow = 1795860000;  // 2026-11-28T10:00:00Z
constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 24 * kHour;

constexpr char kRateLimitMsg[] =
    "Failed to create Order: 429 urn:ietf:params:acme:error:rateLimited: Error creating new "
    "order :: too many certificates (50) already issued for \"example.com\" in the last "
    "168h0m0s, retry after 2026-11-28T10:00:00Z";

class ClassifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    IssuerState le;
    le.name = "letsencrypt";
    le.kind = "ClusterIssuer";
    le.ready.status = "True";
    le.acme_server = "https://acme-v02.api.letsencrypt.org/directory";
    d.issuers["ClusterIssuer/letsencrypt"] = le;
  }
  CertificateState& Cert(const std::string& name, const std::string& ready = "True") {
    CertificateState& c = d.certificates["prod/" + name];
    c.ns = "prod";
    c.name = name;
    c.issuer = {"letsencrypt", "ClusterIssuer", "cert-manager.io"};
    c.ready.status = ready;
    c.dns_names = {name + ".example.com"};
    c.not_before = kNow - 30 * kDay;
    c.not_after = kNow + 60 * kDay;
    c.renewal_time = kNow + 30 * kDay;
    c.revision = 1;
    return c;
  }
  CertificateRequestState& Request(const std::string& cert, int revision) {
    std::string name = cert + "-" + std::to_string(revision);
    CertificateRequestState& r = d.requests["prod/" + name];
    r.ns = "prod";
    r.name = name;
    r.certificate = cert;
    r.revision = revision;
    r.created = kNow - kHour;
    return r;
  }
  OrderState& Order(const std::string& request) {
    OrderState& o = d.orders["prod/" + request + "-1"];
    o.ns = "prod";
    o.name = request + "-1";
    o.request = request;
    o.created = kNow - kHour;
    return o;
  }
  ChallengeState& Challenge(const std::string& order, const std::string& state) {
    ChallengeState& ch = d.challenges["prod/" + order + "-c"];
    ch.ns = "prod";
    ch.name = order + "-c";
    ch.order = order;
    ch.type = "DNS-01";
    ch.dns_name = "example.com";
    ch.state = state;
    ch.presented = true;
    return ch;
  }
  const CertificateState& Classified(const std::string& name) {
    ClassifyAll(d, kNow, opts);
    return d.certificates.at("prod/" + name);
  }
  StateData d;
  ClassifyOptions opts{50, 3600, DefaultPsl()};
};

TEST_F(ClassifyTest, HealthyIsNone) {
  Cert("web");
  const auto& c = Classified("web");
  EXPECT_EQ(c.failure, FailureReason::kNone);
  EXPECT_FALSE(c.acme_rate_limited);
}

TEST_F(ClassifyTest, NoStatusIsUnknown) {
  CertificateState& c = Cert("new", "");
  c.not_after.reset();
  c.not_before.reset();
  c.renewal_time.reset();
  EXPECT_EQ(Classified("new").failure, FailureReason::kUnknown);
}

TEST_F(ClassifyTest, RateLimitedFromOrderReason) {
  Cert("web", "False").issuing.status = "True";
  Request("web", 2).ready = {"False", "Pending", "waiting", 0, 0};
  OrderState& o = Order("web-2");
  o.state = "errored";
  o.reason = kRateLimitMsg;
  o.rate_limited = true;
  const auto& c = Classified("web");
  EXPECT_EQ(c.failure, FailureReason::kRateLimited);
  EXPECT_TRUE(c.acme_rate_limited);
  EXPECT_EQ(c.failure_message, kRateLimitMsg);
}

TEST_F(ClassifyTest, RateLimitedFromRequestMessage) {
  Cert("web", "False");
  Request("web", 2).ready = {"False", "Failed",
                             std::string("Failed to wait for order resource \"web-2-1\" to become "
                                         "ready: order is in \"errored\" state: ") +
                                 kRateLimitMsg,
                             0, 0};
  EXPECT_TRUE(Classified("web").acme_rate_limited);
}

TEST_F(ClassifyTest, RateLimitedFromIssuingMessageEvenWhileStillValid) {
  CertificateState& c = Cert("web", "True");
  c.issuing = {"False", "Failed",
               std::string("The certificate request has failed to complete and will be retried: ") +
                   kRateLimitMsg,
               kNow - kHour, 0};
  const auto& got = Classified("web");
  EXPECT_EQ(got.failure, FailureReason::kRateLimited);
  EXPECT_TRUE(got.acme_rate_limited);
}

TEST_F(ClassifyTest, OldRequestRevisionIsIgnored) {
  Cert("web").revision = 3;  // the failed request was revision 2, issued since
  Request("web", 2).ready = {"False", "Failed", kRateLimitMsg, 0, 0};
  const auto& c = Classified("web");
  EXPECT_FALSE(c.acme_rate_limited);
  EXPECT_EQ(c.failure, FailureReason::kNone);
}

TEST_F(ClassifyTest, PendingDnsChallengeWhileNotReady) {
  Cert("web", "False").issuing.status = "True";
  Request("web", 2);
  Order("web-2").state = "pending";
  Challenge("web-2-1", "pending").reason = "Waiting for DNS-01 challenge propagation";
  const auto& c = Classified("web");
  EXPECT_EQ(c.failure, FailureReason::kChallengePending);
  EXPECT_EQ(c.failure_message, "DNS-01 example.com: Waiting for DNS-01 challenge propagation");
}

TEST_F(ClassifyTest, PendingChallengeOnAHealthyRenewalIsNone) {
  Cert("web", "True").issuing.status = "True";
  Request("web", 2);
  Order("web-2").state = "pending";
  Challenge("web-2-1", "pending");
  EXPECT_EQ(Classified("web").failure, FailureReason::kNone);
}

TEST_F(ClassifyTest, FailedChallengeBeatsFailedOrder) {
  Cert("web", "False");
  Request("web", 2);
  Order("web-2").state = "invalid";
  Challenge("web-2-1", "invalid").reason = "NXDOMAIN looking up TXT";
  EXPECT_EQ(Classified("web").failure, FailureReason::kChallengeFailed);
  d.challenges.clear();
  EXPECT_EQ(Classified("web").failure, FailureReason::kOrderFailed);
}

TEST_F(ClassifyTest, DeniedAndIssuerNotReady) {
  Cert("web", "False");
  Request("web", 2).denied = {"True", "Denied", "policy says no", 0, 0};
  EXPECT_EQ(Classified("web").failure, FailureReason::kRequestDenied);
  d.requests.clear();
  d.issuers["ClusterIssuer/letsencrypt"].ready = {"False", "ErrRegisterACMEAccount", "no account",
                                                  0, 0};
  const auto& c = Classified("web");
  EXPECT_EQ(c.failure, FailureReason::kIssuerNotReady);
  EXPECT_EQ(c.failure_message, "no account");
  d.issuers.clear();
  EXPECT_EQ(Classified("web").failure_message, "ClusterIssuer letsencrypt not found");
}

TEST_F(ClassifyTest, ExpiredOverdueNotReady) {
  Cert("old").not_after = kNow - 1;
  EXPECT_EQ(Classified("old").failure, FailureReason::kExpired);
  Cert("late").renewal_time = kNow - 2 * kHour;
  EXPECT_EQ(Classified("late").failure, FailureReason::kRenewalOverdue);
  Cert("soon").renewal_time = kNow - 10 * 60;  // within the grace
  EXPECT_EQ(Classified("soon").failure, FailureReason::kNone);
  Cert("bad", "False").ready.reason = "DoesNotExist";
  EXPECT_EQ(Classified("bad").failure, FailureReason::kNotReady);
}

TEST(NextRetry, CertManagerBackoff) {
  CertificateState c;
  EXPECT_FALSE(NextRetryTime(c));
  c.last_failure_time = kNow;
  c.failed_issuance_attempts = 0;
  EXPECT_EQ(NextRetryTime(c), kNow + kHour);
  c.failed_issuance_attempts = 1;
  EXPECT_EQ(NextRetryTime(c), kNow + kHour);
  c.failed_issuance_attempts = 2;
  EXPECT_EQ(NextRetryTime(c), kNow + 2 * kHour);
  c.failed_issuance_attempts = 4;
  EXPECT_EQ(NextRetryTime(c), kNow + 8 * kHour);
  c.failed_issuance_attempts = 6;
  EXPECT_EQ(NextRetryTime(c), kNow + 32 * kHour);
  c.failed_issuance_attempts = 60;
  EXPECT_EQ(NextRetryTime(c), kNow + 32 * kHour);
}

TEST(RegisteredDomain, PublicSuffixList) {
  const psl_ctx_t* psl = DefaultPsl();
  ASSERT_NE(psl, nullptr);
  EXPECT_EQ(RegisteredDomain(psl, "*.www.Example.COM."), "example.com");
  EXPECT_EQ(RegisteredDomain(psl, "a.b.example.co.uk"), "example.co.uk");
  EXPECT_EQ(RegisteredDomain(psl, "foo.github.io"), "foo.github.io");
  EXPECT_EQ(RegisteredDomain(nullptr, "a.b.example.co.uk"), "co.uk");
}

TEST_F(ClassifyTest, BudgetPerRegisteredDomain) {
  // Two certificates under example.com issued this week, one renewing soon; one old one.
  Cert("a").dns_names = {"a.example.com", "b.example.com"};  // counted once
  Cert("b").not_before = kNow - 2 * kDay;
  d.certificates["prod/b"].renewal_time = kNow + 2 * kDay;
  d.certificates["prod/a"].not_before = kNow - kDay;
  Cert("c").dns_names = {"x.example.co.uk"};
  d.certificates["prod/c"].not_before = kNow - 10 * kDay;
  CertificateState& ca = Cert("internal");
  ca.issuer = {"internal-ca", "ClusterIssuer", "cert-manager.io"};  // not ACME: not counted
  ca.dns_names = {"svc.example.com"};
  ca.not_before = kNow - kDay;
  ClassifyAll(d, kNow, opts);
  ASSERT_EQ(d.budgets.size(), 2u);
  const auto& ex = d.budgets.at("example.com");
  EXPECT_EQ(ex.issued_last_7d, 2);
  EXPECT_EQ(ex.renewals_next_7d, 1);
  EXPECT_EQ(ex.limit, 50);
  const auto& uk = d.budgets.at("example.co.uk");
  EXPECT_EQ(uk.issued_last_7d, 0);
  EXPECT_EQ(uk.renewals_next_7d, 0);
}

}  // namespace
}  // namespace certwatch
