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
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "exporter/collector.h"
#include "exporter/collectors/certificate_series.h"
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

// Resets VmHWM to the current RSS (Linux 4.0+), so a peak measured next is this step's own.
void ResetPeakRss() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
}

// Series and bytes one healthy certificate adds: a scrape of 1,000 healthy certificates
// minus a scrape of none.
void PerHealthyCertificate() {
  auto scrape = [](int count) {
    StateStore store;
    store.Update([&](StateData& d) {
      for (int i = 0; i < count; ++i) {
        CertificateState c;
        c.ns = "team-" + std::to_string(i % 1000);
        c.name = "app-" + std::to_string(i) + "-tls";
        c.issuer.name = "letsencrypt-prod";
        c.issuer.kind = "ClusterIssuer";
        c.secret_name = c.name;
        c.dns_names = {"app-" + std::to_string(i) + ".example.com"};
        c.not_before = kNow - 60 * kDay;
        c.not_after = kNow + 30 * kDay;
        c.renewal_time = kNow;
        c.ready.status = "True";
        c.issuing.status = "False";
        d.certificates.emplace(c.ns + "/" + c.name, std::move(c));
      }
    });
    CollectContext ctx;
    ctx.now = kNow;
    std::string text = ScrapeText(store, ctx);
    size_t series = 0;
    for (size_t p = 0; p < text.size();) {
      size_t e = text.find('\n', p);
      if (text[p] != '#') ++series;
      p = e + 1;
    }
    return std::pair<size_t, size_t>(series, text.size());
  };
  auto [s0, b0] = scrape(0);
  auto [s1, b1] = scrape(1000);
  std::printf("healthy certificate: %.1f series (goal <= 7), %.0f bytes of text\n",
              static_cast<double>(s1 - s0) / 1000, static_cast<double>(b1 - b0) / 1000);
}

// Counts what a response would send.
struct CountingSink {
  size_t bytes = 0;
  bool operator()(std::string_view piece) {
    bytes += piece.size();
    return true;
  }
};

// What perf should look at: `loops` gzip scrapes of an unchanged state, from the cache; with
// `written`, each after a write to the certificates (every certificate hashed).
int CachedLoop(int n, int loops, bool written) {
  StateStore store;
  Fill(store, n);
  CollectorCaches caches;
  CollectContext ctx;
  ctx.now = kNow;
  ctx.caches = &caches;
  size_t bytes = 0;
  for (int i = 0; i < loops; ++i) {
    if (written) store.Update([](StateData& d) { (void)d.certificates.mutable_map(); });
    auto e = CollectExposition(store, ctx);
    if (!e) return 1;
    CountingSink sink;
    (*e)->WriteGzip(std::ref(sink));
    bytes += sink.bytes;
  }
  std::printf("%d cached gzip scrapes, %zu bytes\n", loops, bytes);
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
  PerHealthyCertificate();

  // What /metrics does: collect into a compressed Exposition (unchanged certificates' series
  // come from the cache), then send it as gzip (a copy) or as text (inflated while sent).
  CollectorCaches caches;
  CollectContext cached = ctx;
  cached.caches = &caches;
  auto collect = [&] {
    auto e = CollectExposition(store, cached);
    if (!e) {
      std::fprintf(stderr, "collect failed: %s\n", e.error().message.c_str());
      std::exit(1);
    }
    return *e;
  };
  double c0 = ThreadCpuMs();
  auto t0 = std::chrono::steady_clock::now();
  std::shared_ptr<const Exposition> first = collect();
  double first_cpu = ThreadCpuMs() - c0;
  double first_wall =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  double cache_rss = StatusKiB("VmRSS:") / 1024.0 - rss_filled;

  size_t gzip_bytes = 0, plain_bytes = 0;
  Timing gzip_t = Median([&] {
    CountingSink sink;
    collect()->WriteGzip(std::ref(sink));
    gzip_bytes = sink.bytes;
  });
  // A probe result or another source's status lands between scrapes: the certificates map's
  // version stays, so not one certificate is looked at.
  Timing unrelated_t = Median([&] {
    store.Update([](StateData& d) { d.sources["kubernetes"].last_sync += 1; });
    CountingSink sink;
    collect()->WriteGzip(std::ref(sink));
  });
  // The Kubernetes source's classification (every 30 s) writes every certificate and changes
  // none: the version moves, so every certificate is hashed to find that none changed. (The
  // write here only takes the new version, so that what is timed is the scrape.)
  Timing rewritten_t = Median([&] {
    store.Update([](StateData& d) { (void)d.certificates.mutable_map(); });
    CountingSink sink;
    collect()->WriteGzip(std::ref(sink));
  });
  double rss_before_plain = StatusKiB("VmRSS:") / 1024.0;
  ResetPeakRss();
  Timing plain_t = Median([&] {
    CountingSink sink;
    if (!collect()->WriteText(std::ref(sink))) std::exit(1);
    plain_bytes = sink.bytes;
  });
  double plain_growth = StatusKiB("VmHWM:") / 1024.0 - rss_before_plain;

  // Renewals landing: 100 certificates (spread over the key space) change between scrapes.
  int round = 0;
  Timing changed_t = Median([&] {
    ++round;
    store.Update([&](StateData& d) {
      int i = 0;
      for (auto& [key, c] : d.certificates) {
        if (i++ % (n / 100 > 0 ? n / 100 : 1) == 0) c.not_after = kNow + 90 * kDay + round;
      }
    });
    CountingSink sink;
    collect()->WriteGzip(std::ref(sink));
  });
  auto* cert_cache = static_cast<CertificateSeriesCache*>(caches.For("certificates").get());

  // The same scrape rendered afresh (every sample written, as without the cache).
  size_t hint = 0, fresh_bytes = 0;
  ResetPeakRss();
  double rss_before_fresh = StatusKiB("VmRSS:") / 1024.0;
  Timing fresh_t = Median([&] {
    std::string text = ScrapeText(store, ctx, Collectors(), nullptr, hint);
    hint = fresh_bytes = text.size();
  });
  double fresh_growth = StatusKiB("VmHWM:") / 1024.0 - rss_before_fresh;

  std::printf("median of %d runs, wall ms / CPU ms of the scraping thread:\n", kRuns);
  std::printf("first scrape (renders every block):    %8.2f / %8.2f ms, cache %.1f MiB RSS\n",
              first_wall, first_cpu, cache_rss);
  std::printf(
      "scrape gzip, unchanged state:          %8.2f / %8.2f ms CPU (goal <= 25), %zu bytes\n",
      gzip_t.wall_ms, gzip_t.cpu_ms, gzip_bytes);
  std::printf(
      "scrape gzip, other state written:      %8.2f / %8.2f ms CPU (goal <= 25), no "
      "certificate looked at\n",
      unrelated_t.wall_ms, unrelated_t.cpu_ms);
  std::printf(
      "scrape gzip, certificates rewritten:   %8.2f / %8.2f ms CPU (goal <= 25), every "
      "certificate hashed, none changed\n",
      rewritten_t.wall_ms, rewritten_t.cpu_ms);
  std::printf(
      "scrape plain, unchanged state:         %8.2f / %8.2f ms CPU (goal <= 100), %zu bytes, "
      "RSS growth %.1f MiB (goal <= 16)\n",
      plain_t.wall_ms, plain_t.cpu_ms, plain_bytes, plain_growth);
  std::printf(
      "scrape gzip, 100 certificates changed: %8.2f / %8.2f ms CPU, %zu of %zu blocks rendered\n",
      changed_t.wall_ms, changed_t.cpu_ms, cert_cache ? cert_cache->last_rendered() : 0,
      cert_cache ? cert_cache->blocks() : 0);
  std::printf(
      "plain rendered afresh (no cache):      %8.2f / %8.2f ms, %zu bytes, RSS growth %.1f MiB\n",
      fresh_t.wall_ms, fresh_t.cpu_ms, fresh_bytes, fresh_growth);
  if (n > 200000) return 0;  // the families held in memory would need ~10 GiB

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

  std::printf("samples: %zu (%.1f per certificate)\n", samples, static_cast<double>(samples) / n);
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

// bench_scrape [N] [--print | --cached-loop K | --written-loop K]: N certificates (100,000);
// --print writes one scrape's exposition to stdout instead of timing (to read what a
// certificate costs, with N small); --cached-loop runs K gzip scrapes of an unchanged state,
// --written-loop K gzip scrapes each after a write to the certificates, for `perf record`.
int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 100000;
  if (argc > 2 && std::string(argv[2]) == "--print") return certwatch::Print(n);
  if (argc > 3 && std::string(argv[2]) == "--cached-loop") {
    return certwatch::CachedLoop(n, std::atoi(argv[3]), false);
  }
  if (argc > 3 && std::string(argv[2]) == "--written-loop") {
    return certwatch::CachedLoop(n, std::atoi(argv[3]), true);
  }
  return certwatch::Run(n);
}
