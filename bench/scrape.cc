// bench_scrape: fills the state store with 100,000 certificates (realistic fields) and times
// a full /metrics scrape through every registered collector (Collectors(), so it measures
// whatever is registered): median of 20 scrapes plain and gzip, bytes, RSS; then the same
// families through prometheus-cpp's TextSerializer in the same run.
#include "exporter/scrape.h"

#include <prometheus/text_serializer.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "exporter/collector.h"
#include "exposition/text_writer.h"
#include "state/state.h"

namespace certwatch {
namespace {

constexpr int kRuns = 20;
constexpr UnixSeconds kNow = 1800000000;
constexpr UnixSeconds kDay = 86400;

long StatusKiB(const char* field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field, 0) == 0)
      return std::strtol(line.c_str() + std::string(field).size(), nullptr, 10);
  }
  return -1;
}

void Fill(StateStore& store, int n) {
  const char* issuers[] = {"letsencrypt-prod", "letsencrypt-staging", "internal-ca", "zerossl"};
  store.Update([&](StateData& d) {
    for (int i = 0; i < n; ++i) {
      CertificateState c;
      c.ns = "team-" + std::to_string(i % 1000);
      c.name = "app-" + std::to_string(i) + "-tls";
      c.issuer.name = issuers[i % 4];
      c.issuer.kind = i % 4 == 2 ? "Issuer" : "ClusterIssuer";
      c.secret_name = c.name;
      c.dns_names = {
          "app-" + std::to_string(i) + ".team-" + std::to_string(i % 1000) + ".example.com",
          "www.app-" + std::to_string(i) + ".example.com"};
      c.generation = 1 + i % 3;
      c.not_before = kNow - 60 * kDay + i % 86400;
      c.not_after = kNow + 30 * kDay + i % 86400;
      c.renewal_time = kNow + i % 86400;
      c.ready.status = i % 50 == 0 ? "False" : "True";
      c.ready.reason = i % 50 == 0 ? "Failed" : "Ready";
      c.issuing.status = i % 50 == 0 ? "True" : "False";
      c.issuing.last_transition = kNow - 3600;
      c.failed_issuance_attempts = i % 50 == 0 ? 2 : 0;
      if (i % 50 == 0) c.last_failure_time = kNow - 7200;
      c.acme_rate_limited = i % 200 == 0;
      c.failure = i % 200 == 0
                      ? FailureReason::kRateLimited
                      : (i % 50 == 0 ? FailureReason::kChallengePending : FailureReason::kNone);
      c.revision = 3;
      std::string key = c.ns + "/" + c.name;
      d.certificates.emplace(std::move(key), std::move(c));
    }
    d.sources["kubernetes"] = SourceStatus{true, true, kNow, "", 0};
  });
}

// Keeps every family (for TextSerializer, which needs them all at once).
class VectorSink final : public MetricSink {
 public:
  void Emit(prometheus::MetricFamily&& f) override { families.push_back(std::move(f)); }
  std::vector<prometheus::MetricFamily> families;
};

double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Median wall time and median CPU time of this thread: the machine is shared, so CPU time is
// the figure that says what one core does.
struct Timing {
  double wall_ms = 0, cpu_ms = 0;
};

template <typename F>
Timing Median(F&& f) {
  std::vector<double> wall, cpu;
  for (int i = 0; i < kRuns; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    double c0 = ThreadCpuMs();
    f();
    cpu.push_back(ThreadCpuMs() - c0);
    wall.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return Timing{(wall[kRuns / 2 - 1] + wall[kRuns / 2]) / 2,
                (cpu[kRuns / 2 - 1] + cpu[kRuns / 2]) / 2};
}

// Joins consecutive chunks of one family (FamilyWriter emits 4096 samples at a time), so
// TextSerializer prints one HELP/TYPE per family, as the exposition must.
std::vector<prometheus::MetricFamily> Merge(std::vector<prometheus::MetricFamily> in) {
  std::vector<prometheus::MetricFamily> out;
  for (auto& f : in) {
    if (!out.empty() && out.back().name == f.name) {
      auto& m = out.back().metric;
      m.insert(m.end(), std::make_move_iterator(f.metric.begin()),
               std::make_move_iterator(f.metric.end()));
    } else {
      out.push_back(std::move(f));
    }
  }
  return out;
}

int Print(int n) {
  StateStore store;
  Fill(store, n);
  CollectContext ctx;
  ctx.now = kNow;
  std::string text = ScrapeText(store, ctx);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

int Run(int n) {
  StateStore store;
  Fill(store, n);
  double rss_filled = StatusKiB("VmRSS:") / 1024.0;
  CollectContext ctx;
  ctx.now = kNow;
  std::printf("collectors:");
  for (const auto& c : Collectors()) {
    std::printf(" %.*s", static_cast<int>(c.name.size()), c.name.data());
  }
  std::printf("\ncertificates: %d, RSS after fill %.1f MiB\n", n, rss_filled);

  // gzip first: what Prometheus asks for, compressed while written (its peak RSS is measured
  // before the plain path holds the whole text).
  size_t gzip_bytes = 0;
  Timing gzip_t = Median([&] {
    auto gz = ScrapeGzip(store, ctx);
    gzip_bytes = gz ? gz->size() : 0;
  });
  double rss_gzip = StatusKiB("VmHWM:") / 1024.0;

  size_t plain_bytes = 0, lines = 0, hint = 0;
  Timing plain_t = Median([&] {
    std::string text = ScrapeText(store, ctx, Collectors(), nullptr, hint);
    hint = plain_bytes = text.size();
    lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  });
  double rss_plain = StatusKiB("VmHWM:") / 1024.0;

  // The same families collected into memory, written by TextSerializer and by TextWriter
  // (the serialisation alone), compared byte for byte.
  VectorSink sink;
  Scrape(store, ctx, sink);
  auto families = Merge(std::move(sink.families));
  size_t samples = 0;
  for (const auto& f : families) samples += f.metric.size();
  std::string ref;
  Timing serializer_t = Median([&] { ref = prometheus::TextSerializer().Serialize(families); });
  std::string ours;
  Timing writer_t = Median([&] { ours = WriteText(families); });
  double rss_vector = StatusKiB("VmHWM:") / 1024.0;

  std::printf("samples: %zu (%.1f per certificate), lines incl. HELP/TYPE: %zu\n", samples,
              static_cast<double>(samples) / n, lines);
  std::printf("median of %d runs, wall ms / CPU ms of the scraping thread:\n", kRuns);
  std::printf(
      "scrape plain (collect + write):        %8.2f / %8.2f ms, %zu bytes, peak RSS %.1f MiB\n",
      plain_t.wall_ms, plain_t.cpu_ms, plain_bytes, rss_plain);
  std::printf(
      "scrape gzip  (collect + write + gzip): %8.2f / %8.2f ms, %zu bytes, peak RSS %.1f MiB\n",
      gzip_t.wall_ms, gzip_t.cpu_ms, gzip_bytes, rss_gzip);
  std::printf("same families held in memory (peak RSS %.1f MiB), serialisation only:\n",
              rss_vector);
  std::printf("  prometheus::TextSerializer:          %8.2f / %8.2f ms, %zu bytes\n",
              serializer_t.wall_ms, serializer_t.cpu_ms, ref.size());
  std::printf("  certwatch TextWriter:                %8.2f / %8.2f ms, %zu bytes (%s)\n",
              writer_t.wall_ms, writer_t.cpu_ms, ours.size(),
              ours == ref ? "identical" : "DIFFERENT");
  return ours == ref ? 0 : 1;
}

}  // namespace
}  // namespace certwatch

// bench_scrape [N] [--print]: N certificates (100,000); --print writes one scrape's
// exposition to stdout instead of timing (to read what a certificate costs, with N small).
int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 100000;
  if (argc > 2 && std::string(argv[2]) == "--print") return certwatch::Print(n);
  return certwatch::Run(n);
}
