// Literal-input tests of the shared pieces: durations, shards, base64, x509 facts, logging.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/base64.h"
#include "common/duration.h"
#include "common/log.h"
#include "common/shard.h"
#include "common/x509.h"

namespace certwatch {
namespace {

using std::chrono::milliseconds;

TEST(Duration, ParsesPrometheusSyntax) {
  EXPECT_EQ(ParseDuration("90s").value(), milliseconds(90'000));
  EXPECT_EQ(ParseDuration("15m").value(), milliseconds(900'000));
  EXPECT_EQ(ParseDuration("1h30m").value(), milliseconds(5'400'000));
  EXPECT_EQ(ParseDuration("14d").value(), milliseconds(14LL * 86'400'000));
  EXPECT_EQ(ParseDuration("2w").value(), milliseconds(14LL * 86'400'000));
  EXPECT_EQ(ParseDuration("500ms").value(), milliseconds(500));
  EXPECT_EQ(ParseDuration("1m500ms").value(), milliseconds(60'500));
  EXPECT_EQ(ParseDuration("0").value(), milliseconds(0));
}

TEST(Duration, RejectsBadSpellings) {
  for (const char* bad :
       {"", "10", "1x", "m", "-5s", "1.5h", "30m1h", "1h1h", "99999999999999999999y"}) {
    auto r = ParseDuration(bad);
    EXPECT_FALSE(r.has_value()) << bad;
  }
  EXPECT_EQ(ParseDuration("10").error().message,
            "not a valid duration \"10\": missing or unknown unit (use ms, s, m, h, d, w, y)");
  EXPECT_EQ(ParseDuration("30m1h").error().message,
            "not a valid duration \"30m1h\": units out of order");
}

TEST(Duration, FormatsShortest) {
  EXPECT_EQ(FormatDuration(milliseconds(5'400'000)), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds(14LL * 86'400'000)), "2w");
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1s500ms");
}

TEST(Shard, ParsesAndPartitions) {
  EXPECT_FALSE(Shard::Parse("2/2").has_value());
  EXPECT_FALSE(Shard::Parse("1").has_value());
  EXPECT_FALSE(Shard::Parse("a/b").has_value());
  EXPECT_FALSE(Shard::Parse("0/0").has_value());
  auto s0 = Shard::Parse("0/3").value(), s1 = Shard::Parse("1/3").value(),
       s2 = Shard::Parse("2/3").value();
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 3000; ++i) {
    std::string key = "ns-" + std::to_string(i % 7) + "/cert-" + std::to_string(i);
    int owners = s0.Owns(key) + s1.Owns(key) + s2.Owns(key);
    ASSERT_EQ(owners, 1) << key;
    counts[s0.Owns(key) ? 0 : s1.Owns(key) ? 1 : 2]++;
  }
  for (int c : counts) EXPECT_GT(c, 800);  // roughly even
  // The hash is fixed forever: replicas of different versions must agree.
  EXPECT_EQ(Shard::Hash(""), 14695981039346656037ULL);
  EXPECT_EQ(Shard::Hash("a"), 0xaf63dc4c8601ec8cULL);  // FNV-1a 64 reference value
}

TEST(Base64, RoundTripsAndRejects) {
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_EQ(Base64Decode("aGVsbG8=").value(), "hello");
  EXPECT_EQ(Base64Decode("aGVs\nbG8h").value(), "hello!");
  EXPECT_EQ(Base64Decode("").value(), "");
  EXPECT_FALSE(Base64Decode("abc").has_value());
  EXPECT_FALSE(Base64Decode("a$c=").has_value());
}

TEST(X509, ParsesGeneratedCertificateAndRejectsGarbage) {
  char dir[] = "/tmp/certwatch-x509-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string d = dir;
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + d +
      "/k.pem -out " + d + "/c.pem -days 10 -subj /CN=facts.example " +
      "-addext subjectAltName=DNS:facts.example,DNS:www.facts.example 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(d + "/c.pem");
  std::stringstream ss;
  ss << in.rdbuf();
  auto certs = ParseCertificates(ss.str());
  ASSERT_TRUE(certs.has_value()) << certs.error().message;
  ASSERT_EQ(certs->size(), 1u);
  const CertFacts& f = certs->front();
  EXPECT_EQ(f.subject, "CN=facts.example");
  EXPECT_EQ(f.issuer, "CN=facts.example");
  EXPECT_TRUE(f.self_signed);
  EXPECT_EQ(f.dns_names, (std::vector<std::string>{"facts.example", "www.facts.example"}));
  EXPECT_EQ(f.not_after - f.not_before, 10 * 86400);
  EXPECT_EQ(f.fingerprint_sha256.size(), 64u);
  std::system(("rm -rf " + d).c_str());

  EXPECT_EQ(ParseCertificates("garbage").error().message, "neither PEM nor DER certificate data");
  EXPECT_EQ(ParseCertificates("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                .error()
                .message,
            "no CERTIFICATE block in PEM data");
  EXPECT_EQ(ParseCertificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                .error()
                .message,
            "PEM block 1: CERTIFICATE is not valid DER");
}

TEST(Logger, LogfmtAndJsonWithLevels) {
  std::ostringstream out;
  Logger log(out, LogLevel::kInfo, LogFormat::kLogfmt);
  log.Debug("hidden");
  log.With("component", "kube").Warn("watch failed", {{"err", "connection refused"}});
  std::string line = out.str();
  EXPECT_EQ(line.find("hidden"), std::string::npos);
  EXPECT_NE(line.find("level=warn component=kube msg=\"watch failed\" err=\"connection refused\""),
            std::string::npos)
      << line;
  std::ostringstream jout;
  Logger jlog(jout, LogLevel::kDebug, LogFormat::kJson);
  jlog.With("source", "files").Info("read", {{"path", "/a \"b\""}});
  EXPECT_NE(jout.str().find("\"msg\":\"read\""), std::string::npos) << jout.str();
  EXPECT_NE(jout.str().find("\"path\":\"/a \\\"b\\\"\""), std::string::npos) << jout.str();
  EXPECT_NE(jout.str().find("\"source\":\"files\"}"), std::string::npos) << jout.str();
  EXPECT_FALSE(ParseLogLevel("verbose").has_value());
  EXPECT_FALSE(ParseLogFormat("xml").has_value());
}

}  // namespace
}  // namespace certwatch
