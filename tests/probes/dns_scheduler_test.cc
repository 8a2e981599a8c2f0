// The dns_probes source end to end on one event loop: three resolvers and one authoritative
// server (in-process fakes), a StateStore holding DNS-01 Challenges, Certificates and ACME
// Issuers, and rounds whose results are checked in the store.
#include "probes/dns_scheduler.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "common/clock.h"
#include "common/log.h"
#include "probes/event_loop.h"
#include "tests/probes/dns_fake_support.h"

namespace certwatch {
namespace {

using testing::Bytes;
using testing::FakeDnsServer;
using testing::FakeQuery;
using testing::RdataA;
using testing::RdataCaa;
using testing::RdataName;
using testing::RdataTxt;
using testing::ResponseBuilder;

// A zone a fake server serves: "name|type" -> records; NODATA for anything else.
class Zone {
 public:
  void Set(const std::string& name, uint16_t type, std::vector<Bytes> rdatas) {
    std::lock_guard<std::mutex> lock(mu_);
    records_[name + "|" + std::to_string(type)] = {type, std::move(rdatas)};
  }
  void Clear(const std::string& name, uint16_t type) {
    std::lock_guard<std::mutex> lock(mu_);
    records_.erase(name + "|" + std::to_string(type));
  }
  std::optional<Bytes> Answer(const FakeQuery& q) {
    std::lock_guard<std::mutex> lock(mu_);
    ResponseBuilder b(q);
    std::string name = q.name;
    // A CNAME at the name answers every type, as a real server does.
    auto cname = records_.find(name + "|5");
    if (cname != records_.end() && q.type != 5) {
      b.Answer(name, 5, 60, cname->second.second.front());
      return b.Build();
    }
    auto it = records_.find(name + "|" + std::to_string(q.type));
    if (it != records_.end()) {
      for (const auto& rd : it->second.second) b.Answer(name, q.type, 60, rd);
    }
    return b.Build();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::pair<uint16_t, std::vector<Bytes>>> records_;
};

struct Fixture {
  Zone z1, z2, z3, za;
  FakeDnsServer r1{[this](const FakeQuery& q) { return z1.Answer(q); }};
  FakeDnsServer r2{[this](const FakeQuery& q) { return z2.Answer(q); }};
  FakeDnsServer r3{[this](const FakeQuery& q) { return z3.Answer(q); }};
  FakeDnsServer auth{[this](const FakeQuery& q) { return za.Answer(q); }};

  void All(const std::string& name, uint16_t type, std::vector<Bytes> rd) {
    for (Zone* z : {&z1, &z2, &z3, &za}) z->Set(name, type, rd);
  }
};

ChallengeState Dns01(const std::string& name, const std::string& domain, const std::string& key) {
  ChallengeState c;
  c.ns = "apps";
  c.name = name;
  c.type = "DNS-01";
  c.dns_name = domain;
  c.key = key;
  c.presented = true;
  c.created = 1700000000;
  return c;
}

CertificateState Cert(const std::string& name, const std::string& issuer,
                      std::vector<std::string> dns_names) {
  CertificateState c;
  c.ns = "apps";
  c.name = name;
  c.issuer = IssuerRef{issuer, "ClusterIssuer", "cert-manager.io"};
  c.dns_names = std::move(dns_names);
  return c;
}

class DnsSchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Resolver 1 knows where example.test's authoritative server is.
    f.z1.Set("example.test", 2, {RdataName("ns1.example.test")});
    f.z1.Set("ns1.example.test", 1, {RdataA("127.0.0.1")});
    f.All("www.example.test", 1, {RdataA("192.0.2.10")});
    f.All("example.test", 257, {RdataCaa(0, "issue", "letsencrypt.org")});
    f.All("_acme-challenge.deleg.test", 5, {RdataName("_acme.validation.test")});
    f.All("_acme.validation.test", 16, {RdataTxt({"key-2"})});
    for (Zone* z : {&f.z1, &f.z2, &f.za}) {
      z->Set("_acme-challenge.example.test", 16, {RdataTxt({"key-1"}), RdataTxt({"other"})});
    }

    config.interval = std::chrono::milliseconds(100);
    config.timeout = std::chrono::milliseconds(1500);
    config.resolvers = {f.r1.address(), f.r2.address(), f.r3.address()};
    config.authoritative_port = f.auth.port();
    config.queries = {{"www.example.test", {"A"}}};

    store.Update([](StateData& d) {
      d.challenges["apps/ch-1"] = Dns01("ch-1", "example.test", "key-1");
      d.challenges["apps/ch-2"] = Dns01("ch-2", "*.deleg.test", "key-2");
      auto http = Dns01("ch-http", "example.test", "x");
      http.type = "HTTP-01";
      d.challenges["apps/ch-http"] = http;
      d.issuers["ClusterIssuer/le"] = {
          "", "le", "ClusterIssuer", {}, "https://acme-v02.api.letsencrypt.org/directory", ""};
      d.issuers["ClusterIssuer/zero"] = {
          "", "zero", "ClusterIssuer", {}, "https://acme.zerossl.com/v2/DV90", ""};
      d.certificates["apps/web"] = Cert("web", "le", {"www.example.test", "*.example.test"});
      d.certificates["apps/web-zero"] = Cert("web-zero", "zero", {"www.example.test"});
      d.certificates["apps/free"] = Cert("free", "zero", {"free.other"});
      return 0;
    });
  }

  void RunRounds(uint64_t n) {
    ASSERT_TRUE(loop.RunUntil([&] { return sched->rounds() >= n; }, std::chrono::seconds(15)))
        << "round " << n << " did not finish";
  }

  void TearDown() override {
    if (sched) sched->StopOnLoop();
  }

  Fixture f;
  DnsProbesConfig config;
  StateStore store;
  FakeClock clock{1700000100};
  Logger logger = NullLogger();
  EventLoop loop;
  std::unique_ptr<DnsScheduler> sched;
};

TEST_F(DnsSchedulerTest, ChallengePropagationFollowsTheResolvers) {
  sched = std::make_unique<DnsScheduler>(loop, store, config, clock, logger);
  sched->Start();
  RunRounds(1);
  std::string r1 = f.r1.address(), r2 = f.r2.address(), r3 = f.r3.address();
  store.Read([&](const StateData& d) {
    ASSERT_EQ(d.dns_challenges.count("apps/ch-1|" + r1), 1u);
    EXPECT_TRUE(d.dns_challenges.at("apps/ch-1|" + r1).propagated);
    EXPECT_TRUE(d.dns_challenges.at("apps/ch-1|" + r2).propagated);
    EXPECT_FALSE(d.dns_challenges.at("apps/ch-1|" + r3).propagated);
    EXPECT_EQ(d.dns_challenges.at("apps/ch-1|" + r3).rcode, "NOERROR");
    // The authoritative server found through NS example.test -> ns1.example.test.
    ASSERT_EQ(d.dns_challenges.count("apps/ch-1|auth:ns1.example.test"), 1u);
    EXPECT_TRUE(d.dns_challenges.at("apps/ch-1|auth:ns1.example.test").propagated);
    EXPECT_EQ(d.dns_challenges.at("apps/ch-1|" + r1).presented_since, 1700000000);
    // CNAME delegation: the key lives at the target.
    const auto& del = d.dns_challenges.at("apps/ch-2|" + r3);
    EXPECT_EQ(del.query_name, "_acme.validation.test");
    EXPECT_TRUE(del.propagated);
    EXPECT_EQ(del.domain, "*.deleg.test");
    // HTTP-01 is not a DNS matter.
    for (const auto& [k, c] : d.dns_challenges) EXPECT_NE(c.challenge, "ch-http");
    EXPECT_TRUE(d.sources.at("dns_probes").up);
  });

  // The record reaches the third resolver: the next round sees it, no restart.
  // (Waited for by its result, not a round count: on a slow machine, under valgrind, rounds
  // overlap and a count may be reached by rounds asked before the record changed.)
  f.z3.Set("_acme-challenge.example.test", 16, {RdataTxt({"key-1"})});
  EXPECT_TRUE(loop.RunUntil(
      [&] {
        return store.Read([&](const StateData& d) {
          auto it = d.dns_challenges.find("apps/ch-1|" + r3);
          return it != d.dns_challenges.end() && it->second.propagated;
        });
      },
      std::chrono::seconds(15)));

  // The challenge goes away: so do its series.
  store.Update([](StateData& d) { return d.challenges.erase("apps/ch-1"); });
  uint64_t seen = sched->rounds();
  RunRounds(seen + 2);
  store.Read([&](const StateData& d) {
    EXPECT_EQ(d.dns_challenges.count("apps/ch-1|" + r1), 0u);
    EXPECT_EQ(d.dns_challenges.count("apps/ch-2|" + r1), 1u);
  });
}

TEST_F(DnsSchedulerTest, ConfiguredQueriesAndConsistency) {
  f.z3.Set("www.example.test", 1, {RdataA("192.0.2.99")});  // a stale resolver
  sched = std::make_unique<DnsScheduler>(loop, store, config, clock, logger);
  sched->Start();
  RunRounds(1);
  std::string r1 = f.r1.address(), r3 = f.r3.address();
  store.Read([&](const StateData& d) {
    const auto& p = d.dns.at(r1 + "|www.example.test|A");
    EXPECT_TRUE(p.success);
    EXPECT_EQ(p.answers, std::vector<std::string>{"192.0.2.10"});
    EXPECT_EQ(p.min_ttl, 60u);
    EXPECT_EQ(p.answer_count, 1);
    const auto& a = d.dns.at("auth:ns1.example.test|www.example.test|A");
    EXPECT_EQ(a.address, "127.0.0.1:" + std::to_string(f.auth.port()));
    EXPECT_TRUE(a.success);
    EXPECT_EQ(d.dns.at(r3 + "|www.example.test|A").answers, std::vector<std::string>{"192.0.2.99"});
    const auto& c = d.dns_consistency.at("www.example.test|A");
    EXPECT_FALSE(c.consistent);
    EXPECT_EQ(c.inconsistent_since, 1700000100);
  });
  clock.Advance(std::chrono::seconds(30));
  RunRounds(2);
  store.Read([&](const StateData& d) {
    EXPECT_EQ(d.dns_consistency.at("www.example.test|A").inconsistent_since, 1700000100);
  });
  f.z3.Set("www.example.test", 1, {RdataA("192.0.2.10")});
  RunRounds(4);
  store.Read([&](const StateData& d) {
    EXPECT_TRUE(d.dns_consistency.at("www.example.test|A").consistent);
    EXPECT_EQ(d.dns_consistency.at("www.example.test|A").inconsistent_since, 0);
  });
}

TEST_F(DnsSchedulerTest, CaaPerCertificateNameAndIssuer) {
  sched = std::make_unique<DnsScheduler>(loop, store, config, clock, logger);
  sched->Start();
  RunRounds(1);
  store.Read([&](const StateData& d) {
    const auto& web = d.caa.at("apps/web|www.example.test");
    EXPECT_TRUE(web.allowed) << web.reason;
    EXPECT_EQ(web.ca_domain, "letsencrypt.org");
    EXPECT_EQ(web.record_domain, "example.test");  // climbed from www.example.test
    EXPECT_TRUE(d.caa.at("apps/web|*.example.test").allowed);
    EXPECT_TRUE(d.caa.at("apps/web|*.example.test").wildcard);
    const auto& zero = d.caa.at("apps/web-zero|www.example.test");
    EXPECT_FALSE(zero.allowed);
    EXPECT_EQ(zero.ca_domain, "sectigo.com");
    const auto& free = d.caa.at("apps/free|free.other");
    EXPECT_TRUE(free.allowed);
    EXPECT_EQ(free.record_domain, "");
  });
}

TEST_F(DnsSchedulerTest, CaaLookupFailureForbids) {
  // Resolver 1 (the one CAA is asked on) fails: RFC 8659 says a CA must not issue then.
  f.r1.SetHandler([](const FakeQuery& q) -> std::optional<Bytes> {
    return ResponseBuilder(q).Rcode(2).Build();
  });
  sched = std::make_unique<DnsScheduler>(loop, store, config, clock, logger);
  sched->Start();
  RunRounds(1);
  store.Read([&](const StateData& d) {
    const auto& web = d.caa.at("apps/web|www.example.test");
    EXPECT_FALSE(web.allowed);
    EXPECT_NE(web.reason.find("SERVFAIL"), std::string::npos) << web.reason;
    EXPECT_EQ(d.dns.at(f.r1.address() + "|www.example.test|A").rcode, "SERVFAIL");
  });
}

}  // namespace
}  // namespace certwatch
