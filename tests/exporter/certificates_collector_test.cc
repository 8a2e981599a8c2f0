// The certificates collector under metrics.sparse: a healthy certificate is the 7 series
// cert-manager exports per certificate, an unhealthy one carries all of its detail, and
// metrics.sparse: false restores every series.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "exporter/scrape.h"
#include "exposition/text_writer.h"
#include "tests/lib/exposition_support.h"

namespace certwatch {
namespace {

using testing::kNow;

CertificateState Healthy(const std::string& name) {
  CertificateState c;
  c.ns = "shop";
  c.name = name;
  c.issuer = {"letsencrypt", "ClusterIssuer", "cert-manager.io"};
  c.secret_name = name + "-tls";
  c.dns_names = {name + ".example.com"};
  c.not_before = kNow - 86400;
  c.not_after = kNow + 60 * 86400;
  c.renewal_time = kNow + 30 * 86400;
  c.ready.status = "True";
  c.issuing.status = "False";
  return c;
}

// The series of one certificate (its name="..." label), one line each, without HELP/TYPE.
std::vector<std::string> SeriesOf(const std::string& text, const std::string& name) {
  std::vector<std::string> out;
  const std::string needle = "name=\"" + name + "\"";
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (line.starts_with("certwatch_certificate_") && line.find(needle) != std::string::npos) {
      out.push_back(line);
    }
  }
  return out;
}

std::string Collect(const StateData& data, const Config* config) {
  StateStore store;
  store.Update([&](StateData& d) { d = data; });
  CollectContext ctx;
  ctx.now = kNow;
  ctx.config = config;
  const CollectorEntry* entry = nullptr;
  for (const auto& c : Collectors()) {
    if (c.name == "certificates") entry = &c;
  }
  EXPECT_NE(entry, nullptr);
  return ScrapeText(store, ctx, std::span<const CollectorEntry>(entry, 1));
}

bool Has(const std::vector<std::string>& series, const std::string& prefix) {
  return std::any_of(series.begin(), series.end(),
                     [&](const std::string& s) { return s.starts_with(prefix); });
}

StateData Fleet() {
  StateData d;
  d.certificates["shop/web"] = Healthy("web");
  CertificateState bad = Healthy("api");
  bad.ready.status = "False";
  bad.issuing.status = "True";
  bad.issuing.last_transition = kNow - 600;
  bad.failed_issuance_attempts = 2;
  bad.last_failure_time = kNow - 3600;
  bad.acme_rate_limited = true;
  bad.failure = FailureReason::kRateLimited;
  d.certificates["shop/api"] = bad;
  return d;
}

TEST(CertificatesCollector, HealthyCertificateIsSevenSeriesByDefault) {
  const Config defaults;
  for (const Config* config : {static_cast<const Config*>(nullptr), &defaults}) {
    std::string text = Collect(Fleet(), config);
    std::vector<std::string> web = SeriesOf(text, "web");
    EXPECT_EQ(web.size(), 7u) << text;
    for (const char* absent :
         {"certwatch_certificate_issuing_status", "certwatch_certificate_failed_issuance_attempts",
          "certwatch_certificate_acme_rate_limited", "certwatch_certificate_failure_reason"}) {
      EXPECT_FALSE(Has(web, absent)) << absent;
    }
    EXPECT_TRUE(Has(web, "certwatch_certificate_expiration_timestamp_seconds{"));
    EXPECT_TRUE(Has(web, "certwatch_certificate_info{"));
  }
}

TEST(CertificatesCollector, UnhealthyCertificateCarriesAllItsDetail) {
  std::string text = Collect(Fleet(), nullptr);
  std::vector<std::string> api = SeriesOf(text, "api");
  const std::string labels =
      "{namespace=\"shop\",name=\"api\",issuer_name=\"letsencrypt\",issuer_kind=\"ClusterIssuer\","
      "issuer_group=\"cert-manager.io\"";
  for (const std::string& want : {
           "certwatch_certificate_issuing_status" + labels + "} 1",
           "certwatch_certificate_issuing_since_timestamp_seconds" + labels + "} 1799999400",
           "certwatch_certificate_failed_issuance_attempts" + labels + "} 2",
           "certwatch_certificate_acme_rate_limited" + labels + "} 1",
           "certwatch_certificate_failure_reason" + labels + ",reason=\"rate_limited\"} 1",
           "certwatch_certificate_last_failure_timestamp_seconds" + labels + "} 1799996400",
       }) {
    EXPECT_NE(std::find(api.begin(), api.end(), want), api.end()) << want << "\n" << text;
  }
}

TEST(CertificatesCollector, SparseFalseRestoresEverySeries) {
  Config config;
  config.metrics.sparse = false;
  std::string text = Collect(Fleet(), &config);
  std::vector<std::string> web = SeriesOf(text, "web");
  EXPECT_EQ(web.size(), 11u) << text;
  const std::string labels =
      "{namespace=\"shop\",name=\"web\",issuer_name=\"letsencrypt\",issuer_kind=\"ClusterIssuer\","
      "issuer_group=\"cert-manager.io\"";
  for (const std::string& want : {
           "certwatch_certificate_issuing_status" + labels + "} 0",
           "certwatch_certificate_failed_issuance_attempts" + labels + "} 0",
           "certwatch_certificate_acme_rate_limited" + labels + "} 0",
           "certwatch_certificate_failure_reason" + labels + ",reason=\"none\"} 1",
       }) {
    EXPECT_NE(std::find(web.begin(), web.end(), want), web.end()) << want << "\n" << text;
  }
}

TEST(CertificatesCollector, SparseIsAConfigKeyDefaultingToTrue) {
  auto on = ParseConfig("", "empty.yaml");
  ASSERT_TRUE(on) << on.error().message;
  EXPECT_TRUE(on->metrics.sparse);
  auto off = ParseConfig("metrics:\n  sparse: false\n", "m.yaml");
  ASSERT_TRUE(off) << off.error().message;
  EXPECT_FALSE(off->metrics.sparse);
}

}  // namespace
}  // namespace certwatch
