// TLS prober throughput and client CPU: runs H full handshakes against the given endpoints
// with at most C in flight on one EventLoop thread, and prints one JSON line with
// handshakes/s and client CPU-seconds per 1,000 handshakes (getrusage of this process).
// bench/tls_probe.sh drives it next to blackbox_exporter and the `openssl speed` floor.
//
//   bench_tls_probe --ca-file ROOT.pem --server-name NAME --handshakes 5000
//       --concurrency 64 HOST:PORT [HOST:PORT...]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "probes/event_loop.h"
#include "probes/tls.h"

namespace {

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

int Usage() {
  std::fprintf(stderr,
               "usage: bench_tls_probe --ca-file F --server-name N [--handshakes H] "
               "[--concurrency C] HOST:PORT...\n(run bench/tls_probe.sh for the full "
               "comparison with blackbox_exporter)\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace certwatch;
  std::string ca_file, server_name;
  long handshakes = 2000, concurrency = 64;
  std::vector<std::pair<std::string, uint16_t>> endpoints;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--ca-file") {
      ca_file = next();
    } else if (a == "--server-name") {
      server_name = next();
    } else if (a == "--handshakes") {
      handshakes = std::stol(next());
    } else if (a == "--concurrency") {
      concurrency = std::stol(next());
    } else {
      size_t colon = a.rfind(':');
      if (colon == std::string::npos) return Usage();
      endpoints.emplace_back(a.substr(0, colon),
                             static_cast<uint16_t>(std::stoi(a.substr(colon + 1))));
    }
  }
  if (endpoints.empty()) return Usage();

  EventLoop loop;
  TlsProber prober(loop);
  auto options = [&](size_t i) {
    TlsProbeOptions o;
    o.host = endpoints[i % endpoints.size()].first;
    o.port = endpoints[i % endpoints.size()].second;
    o.server_name = server_name;
    o.ca_file = ca_file;
    o.timeout = std::chrono::seconds(10);
    o.connect_timeout = o.timeout;
    o.chain_details = false;  // as the scheduler probes
    return o;
  };
  // One warm-up probe builds the shared SSL_CTX (trust store load) outside the measurement.
  bool warm = false;
  prober.Probe(options(0), [&](TlsProbeReport) { warm = true; });
  loop.RunUntil([&] { return warm; }, std::chrono::seconds(15));

  long started = 0, finished = 0, ok = 0, verified = 0;
  std::string first_error;
  std::function<void()> start_one = [&] {
    size_t i = static_cast<size_t>(started++);
    prober.Probe(options(i), [&](TlsProbeReport r) {
      ++finished;
      if (r.result.success) ++ok;
      if (r.result.verified) ++verified;
      if (!r.result.success && first_error.empty()) first_error = r.result.error;
      if (started < handshakes) start_one();
    });
  };
  double cpu0 = CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < concurrency && started < handshakes; ++i) start_one();
  loop.RunUntil([&] { return finished == handshakes; }, std::chrono::minutes(10));
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = CpuSeconds() - cpu0;
  std::printf(
      "{\"prober\":\"certwatch\",\"handshakes\":%ld,\"ok\":%ld,\"verified\":%ld,"
      "\"wall_seconds\":%.3f,\"cpu_seconds\":%.3f,\"handshakes_per_second\":%.1f,"
      "\"cpu_seconds_per_1000\":%.4f,\"first_error\":\"%s\"}\n",
      finished, ok, verified, wall, cpu, finished / wall, 1000.0 * cpu / finished,
      first_error.substr(0, 120).c_str());
  return ok == handshakes ? 0 : 1;
}
