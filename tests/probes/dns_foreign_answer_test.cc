// A resolver that answers NOERROR with another name's records has not answered the question:
// found by the probe fault soak (a lying resolver counted as a success). The wire-level rule
// (CNAME chains and DNAMEs still belong to the name) and the client's verdict.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>

#include "probes/dns.h"
#include "probes/dns_message.h"
#include "probes/event_loop.h"
#include "tests/probes/dns_fake_support.h"

namespace certwatch {
namespace {

using testing::Bytes;
using testing::FakeDnsServer;
using testing::FakeQuery;
using testing::RdataA;
using testing::RdataName;
using testing::RdataTxt;
using testing::ResponseBuilder;

FakeQuery Question(const std::string& name, DnsType type) {
  return testing::Question(name, static_cast<uint16_t>(type), 0x4321);
}

DnsResponse Parsed(const Bytes& b) {
  auto r = ParseDnsResponse(b.data(), b.size());
  EXPECT_TRUE(r.has_value());
  return r ? *r : DnsResponse{};
}

TEST(DnsForeignAnswer, RecordsOfAnotherNameAreForeign) {
  auto q = Question("www.example.test", DnsType::kA);
  auto lie =
      Parsed(ResponseBuilder(q).Answer("elsewhere.invalid", 1, 60, RdataA("203.0.113.66")).Build());
  EXPECT_EQ(ForeignAnswerOwner(lie, "www.example.test"), "elsewhere.invalid");
  EXPECT_EQ(ForeignAnswerOwner(lie, "WWW.Example.Test."), "elsewhere.invalid");
}

TEST(DnsForeignAnswer, OwnRecordsChainsAndEmptyAnswersAreNot) {
  auto q = Question("www.example.test", DnsType::kTxt);
  auto own = Parsed(ResponseBuilder(q).Answer("www.example.test", 16, 60, RdataTxt({"x"})).Build());
  EXPECT_EQ(ForeignAnswerOwner(own, "www.example.test"), "");
  auto empty = Parsed(ResponseBuilder(q).Build());
  EXPECT_EQ(ForeignAnswerOwner(empty, "www.example.test"), "");
  // A CNAME chain, listed out of order: every name on it belongs to the question.
  auto chain = Parsed(ResponseBuilder(q)
                          .Answer("b.example.test", 16, 60, RdataTxt({"x"}))
                          .Answer("a.example.test", 5, 60, RdataName("b.example.test"))
                          .Answer("www.example.test", 5, 60, RdataName("a.example.test"))
                          .Build());
  EXPECT_EQ(ForeignAnswerOwner(chain, "www.example.test"), "");
  // A DNAME is owned by an ancestor of the name it rewrites (RFC 6672).
  auto dname = Parsed(ResponseBuilder(q)
                          .Answer("example.test", 39, 60, RdataName("example.net"))
                          .Answer("www.example.test", 5, 60, RdataName("www.example.net"))
                          .Answer("www.example.net", 16, 60, RdataTxt({"x"}))
                          .Build());
  EXPECT_EQ(ForeignAnswerOwner(dname, "www.example.test"), "");
  // A DNAME above some other name does not cover this one.
  auto other_dname =
      Parsed(ResponseBuilder(q).Answer("example.net", 39, 60, RdataName("example.org")).Build());
  EXPECT_EQ(ForeignAnswerOwner(other_dname, "www.example.test"), "example.net");
}

TEST(DnsForeignAnswer, ClientReportsTheLieAsAFailure) {
  FakeDnsServer server([](const FakeQuery& q) -> std::optional<Bytes> {
    if (q.name == "honest.example.test") {
      return ResponseBuilder(q).Answer(q.name, 1, 60, RdataA("192.0.2.10")).Build();
    }
    return ResponseBuilder(q).Answer("elsewhere.invalid", 1, 60, RdataA("203.0.113.66")).Build();
  });
  EventLoop loop;
  std::optional<DnsClient> client;
  client.emplace(loop, DnsClientOptions{});
  auto ask = [&](const std::string& name) {
    std::optional<DnsQueryResult> out;
    client->Query(server.address(), name, DnsType::kA, [&](DnsQueryResult r) { out = r; });
    loop.RunUntil([&] { return out.has_value(); }, std::chrono::seconds(10));
    EXPECT_TRUE(out.has_value()) << name;
    return out.value_or(DnsQueryResult{});
  };
  auto lie = ask("www.example.test");
  EXPECT_FALSE(lie.success);
  EXPECT_EQ(lie.rcode, "MALFORMED");
  EXPECT_NE(lie.error.find("elsewhere.invalid"), std::string::npos) << lie.error;
  EXPECT_TRUE(lie.answers.empty());
  auto honest = ask("honest.example.test");
  EXPECT_TRUE(honest.success) << honest.error;
  EXPECT_EQ(honest.rcode, "NOERROR");
  EXPECT_EQ(honest.answers, (std::vector<std::string>{"192.0.2.10"}));
  client.reset();
}

}  // namespace
}  // namespace certwatch
