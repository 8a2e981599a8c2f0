// DNS prober: the wire parser on crafted packets, CAA evaluation, and the c-ares client on the
// shared event loop against an in-process fake server (timeouts, SERVFAIL, truncation with TCP
// retry, malformed answers, the concurrency bound).
#include "probes/dns.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <random>

#include "probes/caa.h"
#include "probes/dns_message.h"
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

FakeQuery Q(const std::string& name, DnsType type) {
  return testing::Question(name, static_cast<uint16_t>(type));
}

Result<DnsResponse> Parse(const Bytes& b) { return ParseDnsResponse(b.data(), b.size()); }

TEST(DnsMessage, ParsesAddressTtlAndFlags) {
  auto b = ResponseBuilder(Q("www.example.test", DnsType::kA))
               .Authoritative()
               .Answer("www.example.test", 1, 300, RdataA("192.0.2.7"))
               .Answer("www.example.test", 1, 60, RdataA("192.0.2.8"))
               .Build();
  auto r = Parse(b);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->id, 0x1234);
  EXPECT_EQ(r->rcode, 0);
  EXPECT_TRUE(r->authoritative);
  EXPECT_FALSE(r->truncated);
  EXPECT_EQ(r->question_name, "www.example.test");
  ASSERT_EQ(r->answers.size(), 2u);
  EXPECT_EQ(r->answers[0].data, "192.0.2.7");
  EXPECT_EQ(r->answers[1].ttl, 60u);
  EXPECT_EQ(AnswersOfType(*r, "WWW.example.test.", 1),
            (std::vector<std::string>{"192.0.2.7", "192.0.2.8"}));
}

TEST(DnsMessage, JoinsTxtStringsAndDecodesCaa) {
  auto b = ResponseBuilder(Q("_acme-challenge.example.test", DnsType::kTxt))
               .Answer("_acme-challenge.example.test", 16, 120, RdataTxt({"abc", "def"}))
               .Answer("example.test", 257, 120, RdataCaa(128, "Issue", "letsencrypt.org; x=y"))
               .Build();
  auto r = Parse(b);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->answers[0].data, "abcdef");
  EXPECT_EQ(r->answers[1].caa_flags, 128);
  EXPECT_EQ(r->answers[1].caa_tag, "issue");
  EXPECT_EQ(r->answers[1].caa_value, "letsencrypt.org; x=y");
  EXPECT_EQ(r->answers[1].data, "128 issue \"letsencrypt.org; x=y\"");
}

TEST(DnsMessage, FollowsCnameChainInAnswers) {
  auto b = ResponseBuilder(Q("_acme-challenge.a.test", DnsType::kTxt))
               .Answer("_acme-challenge.a.test", 5, 30, RdataName("x.delegated.test"))
               .Answer("x.delegated.test", 5, 30, RdataName("y.delegated.test"))
               .Answer("y.delegated.test", 16, 30, RdataTxt({"key"}))
               .Answer("unrelated.test", 16, 30, RdataTxt({"other"}))
               .Build();
  auto r = Parse(b);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(AnswersOfType(*r, "_acme-challenge.a.test", 16), std::vector<std::string>{"key"});
  EXPECT_EQ(AnswersOfType(*r, "_acme-challenge.a.test", 5),
            std::vector<std::string>{"x.delegated.test"});
}

TEST(DnsMessage, FollowsCompressionPointers) {
  // Question at offset 12; the answer's owner is a pointer to it (0xc00c).
  Bytes b = ResponseBuilder(Q("a.test", DnsType::kA)).Build();
  b[7] = 1;  // ancount
  Bytes rr = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 10, 0, 4, 10, 0, 0, 1};
  b.insert(b.end(), rr.begin(), rr.end());
  auto r = Parse(b);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->answers[0].name, "a.test");
  EXPECT_EQ(r->answers[0].data, "10.0.0.1");
}

TEST(DnsMessage, RejectsMalformedPackets) {
  Bytes good = ResponseBuilder(Q("a.test", DnsType::kTxt))
                   .Answer("a.test", 16, 10, RdataTxt({"hello"}))
                   .Build();
  ASSERT_TRUE(Parse(good));

  EXPECT_FALSE(Parse(Bytes(good.begin(), good.begin() + 5)));  // shorter than a header

  Bytes query = good;
  query[2] &= 0x7f;  // QR clear: a query, not a response
  EXPECT_FALSE(Parse(query));

  Bytes cut(good.begin(), good.end() - 3);  // rdata runs past the end
  auto r = Parse(cut);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("answer record 1"), std::string::npos) << r.error().message;

  Bytes txt = good;
  txt[txt.size() - 6] = 200;  // a TXT string longer than its record
  EXPECT_FALSE(Parse(txt));

  Bytes loop = ResponseBuilder(Q("a.test", DnsType::kA)).Build();
  loop[7] = 1;
  size_t at = loop.size();
  Bytes rr = {0xc0, 0, 0, 1, 0, 1, 0, 0, 0, 10, 0, 4, 1, 2, 3, 4};
  rr[1] = static_cast<uint8_t>(at);  // the owner points at itself
  loop.insert(loop.end(), rr.begin(), rr.end());
  EXPECT_FALSE(Parse(loop));

  Bytes bad_a = ResponseBuilder(Q("a.test", DnsType::kA)).Answer("a.test", 1, 1, {1, 2, 3}).Build();
  EXPECT_FALSE(Parse(bad_a));

  Bytes more = good;
  more[7] = 2;  // claims a second answer that is not there
  EXPECT_FALSE(Parse(more));
}

// A replayable mutation run over well-formed answers: every mutant either parses into
// something self-consistent or is rejected with a message; none may crash (the ASan build
// runs this too).
TEST(DnsMessage, SurvivesMutatedPackets) {
  std::vector<Bytes> seeds = {
      ResponseBuilder(Q("a.test", DnsType::kA)).Answer("a.test", 1, 5, RdataA("10.1.2.3")).Build(),
      ResponseBuilder(Q("t.test", DnsType::kTxt))
          .Answer("t.test", 16, 5, RdataTxt({"one", "two", std::string(200, 'x')}))
          .Build(),
      ResponseBuilder(Q("c.test", DnsType::kCaa))
          .Answer("c.test", 257, 5, RdataCaa(128, "issue", "letsencrypt.org; a=b"))
          .Authority("test", 6, 5, Bytes(22, 1))
          .Build(),
      ResponseBuilder(Q("_acme-challenge.x.test", DnsType::kTxt))
          .Answer("_acme-challenge.x.test", 5, 5, RdataName("y.test"))
          .Answer("y.test", 16, 5, RdataTxt({"k"}))
          .Build(),
  };
  std::mt19937 rng(20261127);
  int parsed = 0, rejected = 0;
  for (int i = 0; i < 40000; ++i) {
    Bytes b = seeds[static_cast<size_t>(i) % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !b.empty(); ++e) {
      size_t at = rng() % b.size();
      switch (rng() % 5) {
        case 0:
          b[at] = static_cast<uint8_t>(rng());
          break;
        case 1:
          b.resize(at);
          break;
        case 2:
          b.insert(b.begin() + static_cast<long>(at), static_cast<uint8_t>(rng()));
          break;
        case 3:  // a compression pointer to anywhere
          b[at] = 0xc0;
          if (at + 1 < b.size()) b[at + 1] = static_cast<uint8_t>(rng() % (b.size() + 8));
          break;
        default:
          b[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
    }
    auto r = ParseDnsResponse(b.data(), b.size());
    if (r) {
      ++parsed;
      for (const auto& rr : r->answers) EXPECT_LE(rr.caa_tag.size(), 255u);
      (void)AnswersOfType(*r, r->question_name, r->question_type);
    } else {
      ++rejected;
      EXPECT_FALSE(r.error().message.empty());
    }
  }
  // Both paths were exercised.
  EXPECT_GT(parsed, 1000);
  EXPECT_GT(rejected, 1000);
}

TEST(DnsMessage, TypesAndRcodes) {
  EXPECT_EQ(*ParseDnsType("caa"), DnsType::kCaa);
  EXPECT_EQ(*ParseDnsType("AAAA"), DnsType::kAaaa);
  EXPECT_FALSE(ParseDnsType("MX"));
  EXPECT_EQ(DnsTypeName(257), "CAA");
  EXPECT_EQ(DnsTypeName(99), "TYPE99");
  EXPECT_EQ(RcodeName(2), "SERVFAIL");
  EXPECT_EQ(RcodeName(3), "NXDOMAIN");
  EXPECT_EQ(RcodeName(15), "RCODE15");
}

DnsRecord Caa(uint8_t flags, const std::string& tag, const std::string& value) {
  DnsRecord r;
  r.type = 257;
  r.caa_flags = flags;
  r.caa_tag = tag;
  r.caa_value = value;
  return r;
}

TEST(Caa, EvaluatesIssueAndIssuewild) {
  EXPECT_TRUE(EvaluateCaa({}, "letsencrypt.org", false).allowed);
  std::vector<DnsRecord> le = {Caa(0, "issue", "letsencrypt.org"), Caa(0, "iodef", "mailto:x")};
  EXPECT_TRUE(EvaluateCaa(le, "letsencrypt.org", false).allowed);
  EXPECT_TRUE(EvaluateCaa(le, "LetsEncrypt.org", false).allowed);
  EXPECT_FALSE(EvaluateCaa(le, "sectigo.com", false).allowed);
  // No issuewild: wildcards fall back to issue.
  EXPECT_FALSE(EvaluateCaa(le, "sectigo.com", true).allowed);
  EXPECT_TRUE(EvaluateCaa(le, "letsencrypt.org", true).allowed);

  std::vector<DnsRecord> wild = {Caa(0, "issue", "letsencrypt.org"), Caa(0, "issuewild", ";")};
  EXPECT_TRUE(EvaluateCaa(wild, "letsencrypt.org", false).allowed);
  EXPECT_FALSE(EvaluateCaa(wild, "letsencrypt.org", true).allowed);

  std::vector<DnsRecord> params = {Caa(0, "issue", " sectigo.com ; accounturi=https://x/1")};
  EXPECT_TRUE(EvaluateCaa(params, "sectigo.com", false).allowed);

  std::vector<DnsRecord> nobody = {Caa(0, "issue", ";")};
  EXPECT_FALSE(EvaluateCaa(nobody, "letsencrypt.org", false).allowed);

  std::vector<DnsRecord> iodef_only = {Caa(0, "iodef", "mailto:sec@example.test")};
  EXPECT_TRUE(EvaluateCaa(iodef_only, "letsencrypt.org", false).allowed);

  std::vector<DnsRecord> critical = {Caa(0, "issue", "letsencrypt.org"), Caa(128, "tbs", "x")};
  auto d = EvaluateCaa(critical, "letsencrypt.org", false);
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("tbs"), std::string::npos);
  std::vector<DnsRecord> noncritical = {Caa(0, "issue", "letsencrypt.org"), Caa(0, "tbs", "x")};
  EXPECT_TRUE(EvaluateCaa(noncritical, "letsencrypt.org", false).allowed);
}

TEST(Caa, MapsAcmeServersToCaDomains) {
  std::vector<CaaIssuerConfig> none;
  EXPECT_EQ(CaDomainForAcmeServer("https://acme-v02.api.letsencrypt.org/directory", none),
            "letsencrypt.org");
  EXPECT_EQ(CaDomainForAcmeServer("https://acme-staging-v02.api.letsencrypt.org/directory", none),
            "letsencrypt.org");
  EXPECT_EQ(CaDomainForAcmeServer("https://acme.zerossl.com/v2/DV90", none), "sectigo.com");
  EXPECT_EQ(CaDomainForAcmeServer("https://api.buypass.com/acme/directory", none), "buypass.com");
  EXPECT_EQ(CaDomainForAcmeServer("https://pebble.local:14000/dir", none), "");
  EXPECT_EQ(CaDomainForAcmeServer("", none), "");
  std::vector<CaaIssuerConfig> mine = {{"pebble.local", "pebble.example"},
                                       {"letsencrypt.org", "override.example"}};
  EXPECT_EQ(CaDomainForAcmeServer("https://pebble.local:14000/dir", mine), "pebble.example");
  EXPECT_EQ(CaDomainForAcmeServer("https://acme-v02.api.letsencrypt.org/directory", mine),
            "override.example");
  EXPECT_EQ(ParentDomain("a.b.test"), "b.test");
  EXPECT_EQ(ParentDomain("test"), "");
}

TEST(DnsResolverAddress, AcceptsIpLiteralsOnly) {
  EXPECT_EQ(*ResolverToAresServer("127.0.0.1:5353"), "127.0.0.1:5353");
  EXPECT_EQ(*ResolverToAresServer("8.8.8.8"), "8.8.8.8:53");
  EXPECT_EQ(*ResolverToAresServer("[::1]:5353"), "[::1]:5353");
  EXPECT_EQ(*ResolverToAresServer("2001:db8::1"), "[2001:db8::1]:53");
  EXPECT_FALSE(ResolverToAresServer("dns.google:53"));
  EXPECT_FALSE(ResolverToAresServer("127.0.0.1:99999"));
  EXPECT_FALSE(ResolverToAresServer("127.0.0.1:"));
}

// Runs one query on a fresh loop and returns its result.
struct ClientHarness {
  EventLoop loop;
  std::optional<DnsClient> client;
  explicit ClientHarness(DnsClientOptions o = {}) { client.emplace(loop, o); }
  ~ClientHarness() { client.reset(); }

  DnsQueryResult Ask(const std::string& resolver, const std::string& name, DnsType type,
                     std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::optional<DnsQueryResult> out;
    client->Query(resolver, name, type, [&](DnsQueryResult r) { out = std::move(r); });
    loop.RunUntil([&] { return out.has_value(); }, limit);
    EXPECT_TRUE(out.has_value()) << "no callback for " << name;
    return out.value_or(DnsQueryResult{});
  }
};

TEST(DnsClient, AnswersWithRcodeTtlAndLatency) {
  FakeDnsServer server([](const FakeQuery& q) -> std::optional<Bytes> {
    if (q.name == "missing.test") return ResponseBuilder(q).Rcode(3).Build();
    return ResponseBuilder(q)
        .Answer(q.name, 16, 42, RdataTxt({"token-1"}))
        .Answer(q.name, 16, 17, RdataTxt({"token-0"}))
        .Build();
  });
  ClientHarness h;
  auto r = h.Ask(server.address(), "_acme-challenge.example.test", DnsType::kTxt);
  EXPECT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_EQ(r.answers, (std::vector<std::string>{"token-0", "token-1"}));
  EXPECT_EQ(r.min_ttl, 17u);
  EXPECT_EQ(r.answer_count, 2);
  EXPECT_GT(r.duration_seconds, 0.0);
  EXPECT_LT(r.duration_seconds, 2.0);

  auto nx = h.Ask(server.address(), "missing.test", DnsType::kA);
  EXPECT_FALSE(nx.success);
  EXPECT_EQ(nx.rcode, "NXDOMAIN");
  // Idle channels leave nothing registered on the loop.
  EXPECT_LE(h.loop.watched_fds(), 1u);
}

TEST(DnsClient, ServfailIsReportedNotRetriedAway) {
  FakeDnsServer server([](const FakeQuery& q) -> std::optional<Bytes> {
    return ResponseBuilder(q).Rcode(2).Build();
  });
  ClientHarness h;
  auto r = h.Ask(server.address(), "example.test", DnsType::kA);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.rcode, "SERVFAIL");
  EXPECT_EQ(server.udp_queries(), 1);
}

TEST(DnsClient, SilentServerTimesOutWithinTheDeadline) {
  FakeDnsServer server([](const FakeQuery&) -> std::optional<Bytes> { return std::nullopt; });
  DnsClientOptions o;
  o.timeout = std::chrono::milliseconds(600);
  ClientHarness h(o);
  auto start = std::chrono::steady_clock::now();
  auto r = h.Ask(server.address(), "example.test", DnsType::kA);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.rcode, "TIMEOUT");
  EXPECT_GE(took, 0.15);
  EXPECT_LT(took, 1.5);
  EXPECT_EQ(server.udp_queries(), 2);  // tries = 2
}

TEST(DnsClient, TruncatedAnswerIsRetriedOverTcp) {
  FakeDnsServer server([](const FakeQuery& q) -> std::optional<Bytes> {
    if (!q.tcp) return ResponseBuilder(q).Truncated().Build();
    return ResponseBuilder(q)
        .Answer(q.name, 257, 300, RdataCaa(0, "issue", "letsencrypt.org"))
        .Build();
  });
  ClientHarness h;
  auto r = h.Ask(server.address(), "example.test", DnsType::kCaa);
  EXPECT_TRUE(r.success) << r.rcode << " " << r.error;
  EXPECT_EQ(r.answers, std::vector<std::string>{"0 issue \"letsencrypt.org\""});
  EXPECT_EQ(server.udp_queries(), 1);
  EXPECT_EQ(server.tcp_queries(), 1);
}

TEST(DnsClient, MalformedAnswerIsAnErrorNotACrash) {
  FakeDnsServer server([](const FakeQuery& q) -> std::optional<Bytes> {
    Bytes b = ResponseBuilder(q).Answer(q.name, 16, 5, RdataTxt({"abcdef"})).Build();
    b[b.size() - 7] = 250;  // TXT string length beyond the record
    return b;
  });
  ClientHarness h;
  auto r = h.Ask(server.address(), "example.test", DnsType::kTxt);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.rcode, "MALFORMED");
  EXPECT_NE(r.error.find("TXT"), std::string::npos) << r.error;
}

TEST(DnsClient, BadResolverFailsFast) {
  ClientHarness h;
  auto r = h.Ask("not-an-ip:53", "example.test", DnsType::kA);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.rcode, "ERROR");
  EXPECT_NE(r.error.find("not an IP"), std::string::npos);
}

TEST(DnsClient, BoundsQueriesInFlight) {
  std::atomic<int> seen{0};
  FakeDnsServer server([&](const FakeQuery& q) -> std::optional<Bytes> {
    ++seen;
    return ResponseBuilder(q).Answer(q.name, 1, 5, RdataA("192.0.2.1")).Build();
  });
  DnsClientOptions o;
  o.max_concurrency = 3;
  ClientHarness h(o);
  int done = 0, ok = 0;
  size_t peak = 0;
  for (int i = 0; i < 40; ++i) {
    h.client->Query(server.address(), "n" + std::to_string(i) + ".test", DnsType::kA,
                    [&](DnsQueryResult r) {
                      ++done;
                      ok += r.success ? 1 : 0;
                      peak = std::max(peak, h.client->in_flight());
                    });
    peak = std::max(peak, h.client->in_flight());
  }
  EXPECT_EQ(h.client->in_flight(), 3u);
  EXPECT_EQ(h.client->queued(), 37u);
  h.loop.RunUntil([&] { return done == 40; }, std::chrono::seconds(10));
  EXPECT_EQ(done, 40);
  EXPECT_EQ(ok, 40);
  EXPECT_LE(peak, 3u);
  EXPECT_EQ(h.client->channels(), 1u);  // one channel per resolver
}

TEST(DnsClient, DestroyingWithQueriesInFlightCallsNobody) {
  FakeDnsServer server([](const FakeQuery&) -> std::optional<Bytes> { return std::nullopt; });
  ClientHarness h;
  bool called = false;
  h.client->Query(server.address(), "example.test", DnsType::kA,
                  [&](DnsQueryResult) { called = true; });
  h.loop.RunFor(std::chrono::milliseconds(50));
  h.client.reset();
  h.loop.RunFor(std::chrono::milliseconds(50));
  EXPECT_FALSE(called);
  EXPECT_EQ(h.loop.watched_fds(), 0u);
}

}  // namespace
}  // namespace certwatch
