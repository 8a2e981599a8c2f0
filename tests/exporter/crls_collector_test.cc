// Collector "crls" and the revocation verdict in the tls_probes collector: exact series for a
// fresh CRL that lists one of two served leaves, a stale one, an unverified one, and a TLS
// Secret.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "exporter/scrape.h"
#include "tests/lib/exposition_support.h"

namespace certwatch {
namespace {

using testing::kNow;

using testing::Lines;

std::string Collect(const StateData& data, std::vector<std::string_view> names) {
  StateStore store;
  store.Update([&](StateData& d) { d = data; });
  CollectContext ctx;
  ctx.now = kNow;
  std::vector<CollectorEntry> entries;
  for (const auto& c : Collectors()) {
    if (std::find(names.begin(), names.end(), c.name) != names.end()) entries.push_back(c);
  }
  EXPECT_EQ(entries.size(), names.size());
  return ScrapeText(store, ctx, entries);
}

TlsProbeResult Served(const std::string& target, const std::string& serial) {
  TlsProbeResult r;
  r.target = target;
  r.server_name = "app.example.test";
  r.success = true;
  r.verified = true;
  r.verify_reason = VerifyReason::kOk;
  CertFacts f;
  f.issuer = "CN=Test CA";
  f.serial = serial;
  f.authority_key_id = "aabb";
  r.leaf = f;
  return r;
}

StateData Fleet(UnixSeconds next_update, std::string status) {
  StateData d;
  d.tls["a"] = Served("127.0.0.1:1001", "1001");
  d.tls["b"] = Served("127.0.0.1:1000", "1000");
  SecretCertState s;
  s.ns = "shop";
  s.name = "web-tls";
  s.facts = d.tls["a"].leaf.value();
  d.secrets["shop/web-tls"] = s;
  CrlState c;
  c.source = "http://127.0.0.1:8080/ca.crl";
  c.origin = "url";
  c.fetch_success = true;
  c.last_fetch = kNow - 5;
  c.issuer = "CN=Test CA";
  c.this_update = kNow - 60;
  c.next_update = next_update;
  c.verify_status = std::move(status);
  c.issuer_key_id = "aabb";
  c.revoked = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"1001"});
  d.crls[c.source] = c;
  return d;
}

TEST(CrlsCollector, FreshCrlRevokesOneLeafAndTheSecret) {
  const std::string text = Collect(Fleet(kNow + 3600, "ok"), {"tls_probes", "crls"});
  const std::string src = "source=\"http://127.0.0.1:8080/ca.crl\"";
  EXPECT_EQ(Lines(text, "certwatch_crl_"),
            (std::vector<std::string>{
                "certwatch_crl_fetch_success{" + src + "} 1",
                "certwatch_crl_fetch_failures_total{" + src + "} 0",
                "certwatch_crl_last_fetch_timestamp_seconds{" + src + "} 1799999995",
                "certwatch_crl_this_update_timestamp_seconds{" + src +
                    ",issuer=\"CN=Test CA\"} 1799999940",
                "certwatch_crl_next_update_timestamp_seconds{" + src +
                    ",issuer=\"CN=Test CA\"} 1800003600",
                "certwatch_crl_revoked_certificates{" + src + ",issuer=\"CN=Test CA\"} 1",
                "certwatch_crl_signature_verified{" + src + ",reason=\"ok\"} 1",
                "certwatch_crl_signature_verified{" + src + ",reason=\"issuer_not_found\"} 0",
                "certwatch_crl_signature_verified{" + src + ",reason=\"bad_signature\"} 0",
                "certwatch_crl_verify_failures_total{" + src + "} 0",
            }));
  EXPECT_EQ(Lines(text, "certwatch_tls_cert_revoked"),
            (std::vector<std::string>{
                "certwatch_tls_cert_revoked{target=\"127.0.0.1:1001\",server_name=\"app.example."
                "test\"} 1",
                "certwatch_tls_cert_revoked{target=\"127.0.0.1:1000\",server_name=\"app.example."
                "test\"} 0",
            }));
  EXPECT_EQ(Lines(text, "certwatch_secret_cert_revoked"),
            (std::vector<std::string>{
                "certwatch_secret_cert_revoked{namespace=\"shop\",secret=\"web-tls\"} 1"}));
  for (const std::string want : {
           "certwatch_tls_verify_result{target=\"127.0.0.1:1001\",server_name=\"app.example."
           "test\",reason=\"revoked\"} 1",
           "certwatch_tls_verify_result{target=\"127.0.0.1:1001\",server_name=\"app.example."
           "test\",reason=\"ok\"} 0",
           "certwatch_tls_verify_result{target=\"127.0.0.1:1000\",server_name=\"app.example."
           "test\",reason=\"ok\"} 1",
           "certwatch_tls_verify_result{target=\"127.0.0.1:1000\",server_name=\"app.example."
           "test\",reason=\"revoked\"} 0",
           "certwatch_tls_cert_verified{target=\"127.0.0.1:1001\",server_name=\"app.example."
           "test\"} 0",
           "certwatch_tls_cert_verified{target=\"127.0.0.1:1000\",server_name=\"app.example."
           "test\"} 1",
       }) {
    EXPECT_NE(text.find(want + "\n"), std::string::npos) << want;
  }
}

TEST(CrlsCollector, StaleOrUnverifiedCrlGivesNoVerdict) {
  for (auto [next, status] : {std::pair<UnixSeconds, std::string>{kNow, "ok"},
                              {kNow + 3600, "bad_signature"},
                              {kNow + 3600, "issuer_not_found"}}) {
    const std::string text = Collect(Fleet(next, status), {"tls_probes", "crls"});
    EXPECT_TRUE(Lines(text, "certwatch_tls_cert_revoked{").empty()) << status;
    EXPECT_TRUE(Lines(text, "certwatch_secret_cert_revoked{").empty()) << status;
    EXPECT_NE(text.find("certwatch_tls_verify_result{target=\"127.0.0.1:1001\",server_name="
                        "\"app.example.test\",reason=\"ok\"} 1\n"),
              std::string::npos)
        << status;
    EXPECT_NE(text.find("certwatch_crl_next_update_timestamp_seconds{source=\"http://"
                        "127.0.0.1:8080/ca.crl\",issuer=\"CN=Test CA\"} " +
                        std::to_string(next) + "\n"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace certwatch
