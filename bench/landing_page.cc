// bench_landing_page: fills a state with 100,000 certificates (2% failing, dates spread over
// 60 days) and times the landing page `/` for a few queries (default, a tile, a search, a
// sort): median of 10 renders each, and the page size. The page renders at most 500 rows, so
// the cost is one pass over the fleet plus a partial sort of what is shown.
#include "exporter/landing_page.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "exporter/landing_query.h"
#include "state/state.h"

namespace certwatch {
namespace {

constexpr int kCertificates = 100000;
constexpr int kRuns = 10;
constexpr UnixSeconds kNow = 1800000000;
constexpr UnixSeconds kDay = 86400;

StateData Fill() {
  StateData d;
  for (int i = 0; i < kCertificates; ++i) {
    CertificateState c;
    c.ns = "team-" + std::to_string(i % 1000);
    c.name = "app-" + std::to_string(i) + "-tls";
    c.issuer.name = i % 2 ? "letsencrypt-prod" : "internal-ca";
    c.issuer.kind = "ClusterIssuer";
    c.dns_names = {"app-" + std::to_string(i) + "." + c.ns + ".example.com",
                   "www.app-" + std::to_string(i) + ".example.com"};
    c.not_after = kNow - 5 * kDay + (i * 7919L) % (60 * kDay);
    c.ready.status = i % 50 == 0 ? "False" : "True";
    if (i % 50 == 0) {
      c.failure = FailureReason::kRateLimited;
      c.failure_message = "429 urn:ietf:params:acme:error:rateLimited";
    }
    d.certificates.emplace(c.ns + "/" + c.name, std::move(c));
  }
  return d;
}

int Main() {
  const StateData d = Fill();
  LandingOptions opts;
  opts.now = kNow;
  struct Case {
    const char* label;
    std::vector<std::pair<std::string, std::string>> params;
  };
  const Case cases[] = {
      {"/", {}},
      {"/?tile=failing", {{"tile", "failing"}}},
      {"/?q=team-7", {{"q", "team-7"}}},
      {"/?sort=name&dir=desc", {{"sort", "name"}, {"dir", "desc"}}},
  };
  std::printf("landing page, %d certificates, median of %d renders\n", kCertificates, kRuns);
  for (const Case& c : cases) {
    auto q = ParseLandingQuery(c.params);
    if (!q) {
      std::fprintf(stderr, "%s: %s\n", c.label, q.error().message.c_str());
      return 1;
    }
    std::vector<double> ms;
    size_t bytes = 0;
    for (int i = 0; i < kRuns; ++i) {
      auto start = std::chrono::steady_clock::now();
      bytes = RenderLandingPage(d, opts, *q).size();
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
    std::sort(ms.begin(), ms.end());
    std::printf("  %-24s %8.1f ms %9zu bytes\n", c.label, ms[ms.size() / 2], bytes);
  }
  return 0;
}

}  // namespace
}  // namespace certwatch

int main() { return certwatch::Main(); }
