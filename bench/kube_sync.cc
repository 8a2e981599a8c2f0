// bench/kube-sync: the Kubernetes source against the fake API server with N Certificates
// (default 100,000) and one CertificateRequest each. Prints time to synced, client CPU
// seconds, RSS per Certificate kept, and watch events applied per second.
//
//   bench_kube_sync [--certificates N] [--events N] [--fake PATH/TO/kube_api.py]
//
// Goals (issue "Kubernetes source"): synced in <= 5 s of client CPU, <= 600 bytes of RSS per
// Certificate, >= 50,000 watch events/s applied.
#include <curl/curl.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "common/handles.h"
#include "common/kube/client.h"
#include "common/kube/kubeconfig.h"
#include "common/log.h"
#include "exporter/kube/kube_source.h"

extern char** environ;

namespace {

using namespace certwatch;
using Steady = std::chrono::steady_clock;

double Seconds(const rusage& ru) {
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// CPU of the process but for this (the main) thread: the client's threads only, not the
// harness that samples RSS every 2 ms while they work. Call it from the main thread.
double CpuSeconds() {
  rusage self{}, harness{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_THREAD, &harness);
  return Seconds(self) - Seconds(harness);
}

// Bytes malloc hands out now, over every arena (RSS also holds free chunks and arena slack).
size_t HeapInUse() {
  const struct mallinfo2 m = mallinfo2();  // one walk of the arenas, one consistent reading
  return m.uordblks + m.hblkhd;
}

long RssBytes() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

size_t Append(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::string Control(const std::string& url, const std::string& method, const std::string& body) {
  CurlPtr c(curl_easy_init());
  std::string out;
  curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &out);
  curl_easy_setopt(c.get(), CURLOPT_TIMEOUT, 600L);
  if (curl_easy_perform(c.get()) != CURLE_OK) {
    std::cerr << "control " << url << " failed\n";
    std::exit(1);
  }
  return out;
}

// A realistic Certificate (as cert-manager writes it) and its CertificateRequest.
std::string Objects(int from, int to) {
  std::string out = "[";
  char buf[4096];
  for (int i = from; i < to; ++i) {
    const int ns = i % 200;
    std::snprintf(
        buf, sizeof buf,
        R"(%s{"apiVersion":"cert-manager.io/v1","kind":"Certificate","metadata":{"name":"app-%d","namespace":"team-%d","generation":1,"labels":{"app.kubernetes.io/name":"app-%d"},"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},)"
        R"("spec":{"secretName":"app-%d-tls","dnsNames":["app-%d.team-%d.example.com"],"issuerRef":{"name":"letsencrypt","kind":"ClusterIssuer","group":"cert-manager.io"},"privateKey":{"algorithm":"ECDSA","size":256}},)"
        R"("status":{"conditions":[{"type":"Ready","status":"True","reason":"Ready","message":"Certificate is up to date and has not expired","lastTransitionTime":"2026-11-01T00:00:00Z","observedGeneration":1}],)"
        R"("notBefore":"2026-11-01T00:00:00Z","notAfter":"2027-01-30T00:00:00Z","renewalTime":"2026-12-31T00:00:00Z","revision":1}},)"
        R"({"apiVersion":"cert-manager.io/v1","kind":"CertificateRequest","metadata":{"name":"app-%d-1","namespace":"team-%d","annotations":{"cert-manager.io/certificate-name":"app-%d","cert-manager.io/certificate-revision":"1","cert-manager.io/private-key-secret-name":"app-%d-tls-x"}},)"
        R"("spec":{"issuerRef":{"name":"letsencrypt","kind":"ClusterIssuer","group":"cert-manager.io"},"request":"LS0tLS1CRUdJTi...","usages":["digital signature","key encipherment"]},)"
        R"("status":{"conditions":[{"type":"Approved","status":"True","reason":"cert-manager.io","message":"Certificate request has been approved by cert-manager.io","lastTransitionTime":"2026-11-01T00:00:00Z"},{"type":"Ready","status":"True","reason":"Issued","message":"Certificate fetched from issuer successfully","lastTransitionTime":"2026-11-01T00:00:00Z"}]}})",
        i == from ? "" : ",", i, ns, i, i, i, ns, i, ns, i, i);
    out += buf;
  }
  return out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  int certificates = 100'000;
  int events = 100'000;
  bool paginated = false;  // --lists streaming|paginated: WatchList, or list + watch
  std::string fake = (std::filesystem::path(__FILE__).parent_path().parent_path() / "tests" /
                      "fakes" / "kube_api.py")
                         .string();
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--certificates")
      certificates = std::atoi(argv[i + 1]);
    else if (a == "--events")
      events = std::atoi(argv[i + 1]);
    else if (a == "--fake")
      fake = argv[i + 1];
    else if (a == "--lists")
      paginated = std::string(argv[i + 1]) == "paginated";
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  char tmpl[] = "/tmp/certwatch-bench-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string port_file = dir + "/port";
  std::vector<std::string> args = {"/usr/bin/python3", fake,     "--port", "0",
                                   "--port-file",      port_file};
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, cargv[0], nullptr, nullptr, cargv.data(), environ) != 0) {
    std::cerr << "cannot start " << fake << "\n";
    return 1;
  }
  for (int i = 0; i < 500 && !std::filesystem::exists(port_file); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  int port = 0;
  std::ifstream(port_file) >> port;
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  auto stop_fake = [&] {
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    std::filesystem::remove_all(dir);
  };
  if (port == 0) {
    std::cerr << "fake API server did not start\n";
    stop_fake();
    return 1;
  }

  std::cout << "loading " << certificates << " Certificates + " << certificates
            << " CertificateRequests into the fake API server...\n";
  Control(
      url + "/_fake/objects", "POST",
      R"({"apiVersion":"cert-manager.io/v1","kind":"ClusterIssuer","metadata":{"name":"letsencrypt"},"spec":{"acme":{"server":"https://acme-v02.api.letsencrypt.org/directory"}},"status":{"conditions":[{"type":"Ready","status":"True"}]}})");
  for (int from = 0; from < certificates; from += 10'000) {
    Control(url + "/_fake/objects", "POST", Objects(from, std::min(from + 10'000, certificates)));
  }

  KubeConfig kc;
  kc.source = "bench";
  kc.server = url;
  auto client = KubeClient::Create(kc);
  if (!client) {
    std::cerr << client.error().message << "\n";
    stop_fake();
    return 1;
  }
  SystemClock clock;
  Logger logger = NullLogger();
  StateStore store;
  KubeSourceOptions opts;
  opts.config.ingresses = false;
  opts.config.watch_list = !paginated;
  const long rss0 = RssBytes();
  const size_t heap0 = HeapInUse();
  const double cpu0 = CpuSeconds();
  const auto t0 = Steady::now();
  KubeSource source(std::move(*client), opts, store, logger, clock);
  source.Start();
  long peak = rss0;  // sampled every 2 ms while syncing and classifying
  auto sample_until = [&](auto done) {
    while (!done()) {
      peak = std::max(peak, RssBytes());
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  };
  sample_until([&] { return source.Healthy(); });
  const double sync_s = std::chrono::duration<double>(Steady::now() - t0).count();
  const double sync_cpu = CpuSeconds() - cpu0;
  // Let one classification pass finish so the store holds its steady-state size.
  const auto settle = Steady::now() + std::chrono::milliseconds(1500);
  sample_until([&] { return Steady::now() >= settle; });
  const long rss1 = RssBytes();
  const size_t heap1 = HeapInUse();
  const size_t kept = store.Read([](const StateData& d) { return d.certificates.size(); });
  const size_t requests_kept = store.Read([](const StateData& d) { return d.requests.size(); });

  // Watch throughput: the fake renders N MODIFIED events, then streams them at once.
  const uint64_t before = source.events_applied();
  const int n_events = std::min(events, certificates);
  Control(url + "/_fake/burst", "POST",
          R"({"kind":"Certificate","count":)" + std::to_string(n_events) + "}");
  Steady::time_point first{}, last{};
  const double cpu_w0 = CpuSeconds();
  const auto deadline = Steady::now() + std::chrono::seconds(120);
  while (source.events_applied() < before + static_cast<uint64_t>(n_events) &&
         Steady::now() < deadline) {
    if (first == Steady::time_point{} && source.events_applied() > before) first = Steady::now();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  last = Steady::now();
  const double cpu_w = CpuSeconds() - cpu_w0;
  const uint64_t applied = source.events_applied() - before;
  const double watch_s = std::chrono::duration<double>(last - first).count();
  source.Stop();
  stop_fake();

  std::printf("lists                      %s (%llu streaming, %llu paginated)\n",
              paginated ? "paginated list + watch" : "streaming (WatchList)",
              static_cast<unsigned long long>(source.streaming_lists()),
              static_cast<unsigned long long>(source.paginated_lists()));
  std::printf(
      "certificates kept          %zu; requests kept %zu of %d (issued revisions are "
      "history)\n",
      kept, requests_kept, certificates);
  std::printf("time to synced             %.2f s wall\n", sync_s);
  std::printf("client CPU to synced       %.2f s   (goal <= 1 s with streaming lists)\n", sync_cpu);
  std::printf("peak RSS growth in sync    %.1f MiB = %.2fx the steady state   (goal <= 1.2x)\n",
              static_cast<double>(peak - rss0) / (1 << 20),
              static_cast<double>(peak - rss0) / static_cast<double>(std::max(rss1 - rss0, 1L)));
  std::printf("RSS growth                 %.1f MiB, %.0f bytes per Certificate   (goal <= 600)\n",
              static_cast<double>(rss1 - rss0) / (1 << 20),
              static_cast<double>(rss1 - rss0) / std::max<size_t>(kept, 1));
  std::printf("heap in use growth          %.1f MiB, %.0f bytes per Certificate\n",
              static_cast<double>(heap1 - heap0) / (1 << 20),
              static_cast<double>(heap1 - heap0) / static_cast<double>(std::max<size_t>(kept, 1)));
  std::printf("watch events applied       %llu in %.3f s = %.0f events/s   (goal >= 50000)\n",
              static_cast<unsigned long long>(applied), watch_s,
              watch_s > 0 ? static_cast<double>(applied) / watch_s : 0.0);
  std::printf("client CPU for the events  %.2f s (%.1f us/event)\n", cpu_w,
              applied ? cpu_w * 1e6 / static_cast<double>(applied) : 0.0);
  curl_global_cleanup();
  return applied == static_cast<uint64_t>(n_events) ? 0 : 1;
}
