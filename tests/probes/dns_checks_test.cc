// The DNS checks' evaluations as pure functions over answers: what the exporter's DNS source
// writes and what `probe dns` / `status certificate` print come from these.
#include "probes/dns_checks.h"

#include <gtest/gtest.h>

namespace certwatch {
namespace {

DnsQueryResult Answer(std::string rcode, std::vector<std::string> answers = {}) {
  DnsQueryResult r;
  r.rcode = std::move(rcode);
  r.success = r.rcode == "NOERROR";
  if (!r.success) r.error = "rcode " + r.rcode;
  r.answers = std::move(answers);
  return r;
}

DnsRecord Caa(const std::string& owner, uint8_t flags, const std::string& tag,
              const std::string& value) {
  DnsRecord rr;
  rr.name = owner;
  rr.type = 257;
  rr.caa_flags = flags;
  rr.caa_tag = tag;
  rr.caa_value = value;
  rr.data = std::to_string(flags) + " " + tag + " \"" + value + "\"";
  return rr;
}

DnsQueryResult CaaAnswer(std::vector<DnsRecord> records) {
  DnsQueryResult r = Answer("NOERROR");
  r.response.answers = std::move(records);
  return r;
}

TEST(NextCaaStep, ALookupFailureStopsTheClimbAndForbids) {
  CaaStep step = NextCaaStep("www.example.test", "10.0.0.1:53", Answer("SERVFAIL"));
  EXPECT_TRUE(step.done);
  EXPECT_EQ(step.lookup.record_domain, "www.example.test");
  EXPECT_EQ(step.lookup.error, "CAA lookup of www.example.test on 10.0.0.1:53 failed: SERVFAIL");
  DnsQueryResult timeout = Answer("TIMEOUT");
  timeout.error = "no answer within 1500ms";
  EXPECT_EQ(NextCaaStep("a.test", "r", timeout).lookup.error,
            "CAA lookup of a.test on r failed: TIMEOUT (no answer within 1500ms)");
}

TEST(NextCaaStep, NoRecordsClimbsToTheParentAndStopsBelowTheRoot) {
  CaaStep step = NextCaaStep("www.example.test", "r", Answer("NOERROR"));
  EXPECT_FALSE(step.done);
  EXPECT_EQ(step.next, "example.test");
  step = NextCaaStep("www.example.test", "r", Answer("NXDOMAIN"));
  EXPECT_EQ(step.next, "example.test");
  step = NextCaaStep("test", "r", Answer("NOERROR"));
  EXPECT_TRUE(step.done);
  EXPECT_TRUE(step.lookup.error.empty());
  EXPECT_EQ(step.lookup.record_domain, "");
}

TEST(NextCaaStep, TheFirstNonEmptySetEndsTheClimb) {
  CaaStep step = NextCaaStep("example.test", "r",
                             CaaAnswer({Caa("example.test", 0, "issue", "letsencrypt.org")}));
  EXPECT_TRUE(step.done);
  ASSERT_EQ(step.lookup.records.size(), 1u);
  EXPECT_EQ(step.lookup.record_domain, "example.test");
  // Records of another owner (a CNAME target elsewhere) do not count for this name.
  step = NextCaaStep("www.example.test", "r",
                     CaaAnswer({Caa("other.test", 0, "issue", "letsencrypt.org")}));
  EXPECT_FALSE(step.done);
}

TEST(CaaResultOf, EvaluatesTheSetForTheIssuersCaDomain) {
  CaaSubject subject{"apps", "web", IssuerRef{}, "letsencrypt.org", "*.example.test"};
  CaaLookup l;
  l.records = {Caa("example.test", 0, "issue", "letsencrypt.org"),
               Caa("example.test", 0, "issuewild", "sectigo.com")};
  l.record_domain = "example.test";
  CaaResult r = CaaResultOf(subject, l, 1700000000);
  EXPECT_TRUE(r.wildcard);
  EXPECT_FALSE(r.allowed) << "issuewild names another CA";
  EXPECT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.domain, "*.example.test");
  EXPECT_EQ(r.last_probe, 1700000000);
  subject.dns_name = "www.example.test";
  EXPECT_TRUE(CaaResultOf(subject, l, 0).allowed);
  l.error = "CAA lookup of example.test on r failed: SERVFAIL";
  r = CaaResultOf(subject, l, 0);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.reason, l.error);
}

TEST(ConsistencyOf, FailuresAreNoOpinionButNxdomainIs) {
  DnsProbeResult a =
      ProbeResultOf("r1", "r1", "www.test", DnsType::kA, Answer("NOERROR", {"192.0.2.1"}), 10);
  DnsProbeResult b =
      ProbeResultOf("r2", "r2", "www.test", DnsType::kA, Answer("NOERROR", {"192.0.2.1"}), 10);
  DnsProbeResult fail = ProbeResultOf("r3", "r3", "www.test", DnsType::kA, Answer("SERVFAIL"), 10);
  DnsProbeResult nx = ProbeResultOf("r4", "r4", "www.test", DnsType::kA, Answer("NXDOMAIN"), 10);
  EXPECT_EQ(a.type, "A");
  EXPECT_TRUE(ConsistencyOf("www.test", "A", {&a, &b, &fail}, nullptr, 100).consistent);
  DnsConsistency c = ConsistencyOf("www.test", "A", {&a, &nx}, nullptr, 100);
  EXPECT_FALSE(c.consistent);
  EXPECT_EQ(c.inconsistent_since, 100);
  // Still inconsistent later: the first time it was seen stays.
  EXPECT_EQ(ConsistencyOf("www.test", "A", {&a, &nx}, &c, 200).inconsistent_since, 100);
  // Consistent again: no since.
  EXPECT_EQ(ConsistencyOf("www.test", "A", {&a, &b}, &c, 300).inconsistent_since, 0);
}

TEST(ChallengeResultOf, PropagatedWhenTheKeyIsAmongTheValues) {
  ChallengeState ch;
  ch.ns = "apps";
  ch.name = "ch-1";
  ch.dns_name = "*.example.test";
  ch.key = "key-1";
  auto r = ChallengeResultOf(ch, "r1", "_acme-challenge.example.test",
                             Answer("NOERROR", {"key-1", "other"}), 50, 40);
  EXPECT_TRUE(r.propagated);
  EXPECT_EQ(r.domain, "*.example.test");
  EXPECT_EQ(r.presented_since, 40);
  EXPECT_FALSE(ChallengeResultOf(ch, "r1", "q", Answer("NOERROR", {"stale"}), 50, 40).propagated);
  EXPECT_FALSE(ChallengeResultOf(ch, "r1", "q", Answer("SERVFAIL"), 50, 40).propagated);
  std::vector<std::string> many;
  for (int i = 0; i < 40; ++i) many.push_back("v" + std::to_string(i));
  EXPECT_EQ(ChallengeResultOf(ch, "r1", "q", Answer("NOERROR", many), 50, 40).values.size(), 16u);
}

TEST(DnsNames, ChallengeTypeAndNames) {
  EXPECT_TRUE(IsDns01("DNS-01"));
  EXPECT_TRUE(IsDns01("dns-01"));
  EXPECT_FALSE(IsDns01("HTTP-01"));
  EXPECT_FALSE(IsDns01("dns-011"));
  EXPECT_EQ(AcmeChallengeName("*.Example.Test."), "_acme-challenge.example.test");
  EXPECT_EQ(CaaLookupName("*.example.test"), "example.test");
  EXPECT_EQ(CaaLookupName("*."), "");
}

}  // namespace
}  // namespace certwatch
