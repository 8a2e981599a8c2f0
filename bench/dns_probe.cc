// bench_dns_probe: how many DNS queries per second and per CPU-second the DNS prober's client
// (c-ares on the epoll event loop, one channel per resolver, bounded concurrency) sustains
// against the resolvers given. Prints one JSON object; bench/dns_probe.py runs it next to
// blackbox_exporter's dns module against the same local servers and compares.
//
//   bench_dns_probe --resolver 127.0.0.61:5353 [--resolver ...] --name t.bench.test
//                   --type TXT --queries 20000 --concurrency 64
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "probes/dns.h"
#include "probes/event_loop.h"

namespace {

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> resolvers;
  std::string name = "t.bench.test", type_name = "TXT";
  long queries = 20000, concurrency = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--resolver") {
      resolvers.push_back(v);
    } else if (k == "--name") {
      name = v;
    } else if (k == "--type") {
      type_name = v;
    } else if (k == "--queries") {
      queries = std::stol(v);
    } else if (k == "--concurrency") {
      concurrency = std::stol(v);
    } else {
      std::cerr << "unknown flag " << k << "\n";
      return 2;
    }
  }
  auto type = certwatch::ParseDnsType(type_name);
  if (argc == 1) {
    // `./build.sh bench` runs every bench binary bare; the comparison needs local servers,
    // which bench/dns_probe.py starts (bench/dns_probe.sh runs it).
    std::cout << "bench_dns_probe: give --resolver IP:PORT, or run bench/dns_probe.py --build "
                 "BUILD_DIR for the comparison with blackbox_exporter\n";
    return 0;
  }
  if (resolvers.empty() || !type || queries <= 0 || concurrency <= 0) {
    std::cerr << "usage: bench_dns_probe --resolver IP:PORT ... [--name N] [--type T] "
                 "[--queries N] [--concurrency C]\n";
    return 2;
  }
  certwatch::EventLoop loop;
  certwatch::DnsClientOptions opts;
  opts.timeout = std::chrono::seconds(5);
  opts.max_concurrency = static_cast<int>(concurrency);
  long done = 0, ok = 0;
  double cpu0, cpu1;
  std::chrono::steady_clock::time_point t0, t1;
  {
    certwatch::DnsClient client(loop, opts);
    // Warm-up: open each resolver's channel and socket before measuring.
    for (const auto& r : resolvers) {
      client.Query(r, name, *type, [&](certwatch::DnsQueryResult) { ++done; });
    }
    loop.RunUntil([&] { return done == static_cast<long>(resolvers.size()); },
                  std::chrono::seconds(10));
    done = 0;
    cpu0 = CpuSeconds();
    t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < queries; ++i) {
      client.Query(resolvers[static_cast<size_t>(i) % resolvers.size()], name, *type,
                   [&](certwatch::DnsQueryResult r) {
                     ++done;
                     if (r.success && !r.answers.empty()) ++ok;  // a real answer, not NODATA
                   });
    }
    loop.RunUntil([&] { return done == queries; }, std::chrono::minutes(5));
    t1 = std::chrono::steady_clock::now();
    cpu1 = CpuSeconds();
  }
  double wall = std::chrono::duration<double>(t1 - t0).count();
  double cpu = cpu1 - cpu0;
  std::printf(
      "{\"tool\": \"certwatch\", \"queries\": %ld, \"ok\": %ld, \"wall_seconds\": %.4f, "
      "\"cpu_seconds\": %.4f, \"queries_per_second\": %.1f, \"cpu_ms_per_1000\": %.2f, "
      "\"queries_per_cpu_second\": %.1f}\n",
      done, ok, wall, cpu, static_cast<double>(done) / wall,
      cpu * 1e6 / static_cast<double>(done),  // ms of CPU per 1,000 queries
      cpu > 0 ? static_cast<double>(done) / cpu : 0.0);
  return ok == queries ? 0 : 1;
}
