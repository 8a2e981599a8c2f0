// The certificates collector's cache gives byte for byte what rendering every sample gives,
// after every kind of change (each field its families read, adds, deletes, blocks growing
// past their size and emptying), in both formats and with metrics.sparse off; and a change
// to one certificate renders one block again.
#include "exporter/collectors/certificate_series.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "exporter/scrape.h"
#include "tests/lib/exposition_support.h"
#include "tests/lib/gzip_support.h"

namespace certwatch {
namespace {

using testing::kNow;

CertificateState Cert(int i) {
  CertificateState c;
  c.ns = "team-" + std::to_string(i % 7);
  c.name = "app-" + std::to_string(i);
  c.issuer = {i % 3 ? "letsencrypt-prod" : "internal-ca", i % 3 ? "ClusterIssuer" : "Issuer",
              "cert-manager.io"};
  c.secret_name = c.name + "-tls";
  c.dns_names = {c.name + ".example.com", "www." + c.name + ".example.com"};
  c.not_before = kNow - 86400 - i;
  c.not_after = kNow + 60 * 86400 + i;
  c.renewal_time = kNow + 30 * 86400 + i;
  c.ready.status = i % 40 == 0 ? "False" : "True";
  c.issuing.status = i % 40 == 0 ? "True" : "False";
  c.issuing.last_transition = kNow - 60;
  if (i % 40 == 0) {
    c.failed_issuance_attempts = 2;
    c.last_failure_time = kNow - 3600;
    c.failure = FailureReason::kChallengePending;
  }
  return c;
}

std::string Key(const CertificateState& c) { return c.ns + "/" + c.name; }

class CertificateSeriesCacheTest : public ::testing::TestWithParam<ExpositionFormat> {
 protected:
  void SetUp() override {
    for (const auto& c : Collectors()) {
      if (c.name == "certificates") entry_ = &c;
    }
    ASSERT_NE(entry_, nullptr);
    store_.Update([](StateData& d) {
      for (int i = 0; i < 1500; ++i) {
        CertificateState c = Cert(i);
        d.certificates.emplace(Key(c), std::move(c));
      }
    });
  }
  std::span<const CollectorEntry> Only() const { return {entry_, 1}; }

  // The exposition without the per-scrape collector timings, which differ run to run.
  static std::string Stable(const std::string& text) {
    std::string out;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      std::string_view line(text.data() + pos, end - pos + 1);
      pos = end + 1;
      if (line.find("certwatch_collector_") != std::string_view::npos) continue;
      if (line.find("certwatch_scrape_duration") != std::string_view::npos) continue;
      out.append(line);
    }
    return out;
  }

  // Cached (and sent both ways) against rendered afresh.
  void ExpectSameAsFresh(const std::string& what) {
    CollectContext ctx;
    ctx.now = kNow;
    ctx.config = &config_;
    const std::string fresh = Stable(ScrapeText(store_, ctx, Only(), nullptr, 0, GetParam()));
    ctx.caches = &caches_;
    auto e = CollectExposition(store_, ctx, Only(), nullptr, GetParam());
    ASSERT_TRUE(e) << e.error().message;
    ASSERT_EQ(Stable((*e)->Text()), fresh) << what;
    ASSERT_EQ(Stable(testing::Gunzip((*e)->Gzip())), fresh) << what;
  }
  const CertificateSeriesCache& Cache() {
    return static_cast<const CertificateSeriesCache&>(*caches_.For("certificates"));
  }
  void Change(const std::function<void(CertificateState&)>& f, const std::string& key) {
    store_.Update([&](StateData& d) { f(d.certificates.at(key)); });
  }

  const CollectorEntry* entry_ = nullptr;
  StateStore store_;
  CollectorCaches caches_;
  Config config_;
};

TEST_P(CertificateSeriesCacheTest, EveryFieldTheFamiliesReadIsNoticed) {
  ExpectSameAsFresh("first scrape");
  const size_t blocks = Cache().blocks();
  EXPECT_GE(blocks, 1500 / (2 * CertificateSeriesCache::kBlock));
  ExpectSameAsFresh("unchanged");
  EXPECT_EQ(Cache().last_rendered(), 0u);

  const std::string key = Key(Cert(777));
  const std::vector<std::pair<std::string, std::function<void(CertificateState&)>>> changes = {
      {"ns", [](CertificateState& c) { c.ns = "moved"; }},
      {"name", [](CertificateState& c) { c.name = "renamed"; }},
      {"issuer.name", [](CertificateState& c) { c.issuer.name = "zerossl"; }},
      {"issuer.kind", [](CertificateState& c) { c.issuer.kind = "ExternalIssuer"; }},
      {"issuer.group", [](CertificateState& c) { c.issuer.group = "example.io"; }},
      {"secret_name", [](CertificateState& c) { c.secret_name = "other"; }},
      {"dns_names value",
       [](CertificateState& c) {
         std::vector<std::string> names = c.dns_names.ToVector();
         names[1] = "x.example.com";
         c.dns_names = names;
       }},
      {"dns_names added", [](CertificateState& c) { c.dns_names.push_back("y.example.com"); }},
      {"dns names regrouped",  // same bytes joined, different names
       [](CertificateState& c) {
         c.dns_names = {"a,b", "c"};
       }},
      {"dns names regrouped 2",
       [](CertificateState& c) {
         c.dns_names = {"a", "b,c"};
       }},
      {"not_before", [](CertificateState& c) { c.not_before = *c.not_before + 1; }},
      {"not_after", [](CertificateState& c) { c.not_after = *c.not_after + 1; }},
      {"not_after gone", [](CertificateState& c) { c.not_after.reset(); }},
      {"renewal_time", [](CertificateState& c) { c.renewal_time = *c.renewal_time + 1; }},
      {"ready False", [](CertificateState& c) { c.ready.status = "False"; }},
      {"ready absent", [](CertificateState& c) { c.ready.status = ""; }},
      {"issuing", [](CertificateState& c) { c.issuing.status = "True"; }},
      {"issuing since", [](CertificateState& c) { c.issuing.last_transition += 5; }},
      {"failed attempts", [](CertificateState& c) { c.failed_issuance_attempts = 4; }},
      {"last failure", [](CertificateState& c) { c.last_failure_time = kNow - 10; }},
      {"rate limited", [](CertificateState& c) { c.acme_rate_limited = true; }},
      {"failure", [](CertificateState& c) { c.failure = FailureReason::kRateLimited; }},
  };
  for (const auto& [what, f] : changes) {
    Change(f, key);
    ExpectSameAsFresh(what);
    EXPECT_EQ(Cache().last_rendered(), 1u) << what;
  }
  // A write elsewhere: the certificates map's version stays, not one certificate is hashed.
  store_.Update([](StateData& d) { d.clock_skew_seconds = 0.5; });
  ExpectSameAsFresh("other state");
  EXPECT_EQ(Cache().last_hashed(), 0u);
  EXPECT_EQ(Cache().last_rendered(), 0u);
  // A read of the certificates inside a write does not count as one.
  store_.Update([](StateData& d) {
    const auto& certs = d.certificates;
    d.clock_skew_seconds = static_cast<double>(certs.size());
  });
  ExpectSameAsFresh("certificates read by a writer");
  EXPECT_EQ(Cache().last_hashed(), 0u);
  // Every certificate written, none changed (the source's classification): all hashed, none
  // rendered.
  store_.Update([](StateData& d) {
    for (auto& [k, c] : d.certificates) c.failed_issuance_attempts += 0;
  });
  ExpectSameAsFresh("rewritten unchanged");
  EXPECT_EQ(Cache().last_hashed(), 1500u);
  EXPECT_EQ(Cache().last_rendered(), 0u);
}

TEST_P(CertificateSeriesCacheTest, AddsDeletesAndGrowthKeepOrderAndBlocks) {
  ExpectSameAsFresh("first scrape");
  // Many new keys inside one block's range, below the first and above the last.
  store_.Update([](StateData& d) {
    for (int i = 0; i < 2000; ++i) {
      CertificateState c = Cert(i);
      c.name = "app-1" + std::to_string(i) + "-new";
      d.certificates.emplace(Key(c), std::move(c));
    }
    CertificateState low = Cert(1);
    low.ns = "aaa";
    d.certificates.emplace(Key(low), low);
    CertificateState high = Cert(2);
    high.ns = "zzz";
    d.certificates.emplace(Key(high), high);
  });
  ExpectSameAsFresh("grown");
  for (size_t b = 0; b < 3; ++b) ExpectSameAsFresh("again");
  // Every certificate of some blocks deleted, and then all of them.
  store_.Update([](StateData& d) {
    auto it = d.certificates.begin();
    for (int i = 0; i < 1200 && it != d.certificates.end(); ++i) it = d.certificates.erase(it);
  });
  ExpectSameAsFresh("first 1200 deleted");
  store_.Update([](StateData& d) { d.certificates.clear(); });
  ExpectSameAsFresh("all deleted");
  store_.Update([](StateData& d) {
    CertificateState c = Cert(5);
    d.certificates.emplace(Key(c), c);
  });
  ExpectSameAsFresh("one again");
}

TEST_P(CertificateSeriesCacheTest, SparseOffRendersAgainWithEverySeries) {
  ExpectSameAsFresh("sparse");
  config_.metrics.sparse = false;
  ExpectSameAsFresh("every series");
  config_.metrics.sparse = true;
  ExpectSameAsFresh("sparse again");
}

INSTANTIATE_TEST_SUITE_P(Formats, CertificateSeriesCacheTest,
                         ::testing::Values(ExpositionFormat::kText,
                                           ExpositionFormat::kOpenMetrics));

}  // namespace
}  // namespace certwatch
