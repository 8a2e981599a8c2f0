// Every source `certwatch serve` runs, built from the config. Each capability adds its source
// here: one block in MakeSources, its name in ReadinessSources, its state in ForgetSourceState.
#include "cmd/sources.h"

#include "exporter/files/files_source.h"
#include "exporter/kube/kube_source.h"
#include "probes/dns_scheduler.h"
#include "probes/loop_thread.h"
#include "probes/tls_scheduler.h"

namespace certwatch {
namespace {

// DNS probes run when there is something to ask: configured queries, or the challenges and
// certificates of the Kubernetes source.
bool DnsProbesEnabled(const Config& c) {
  const auto& d = c.dns_probes;
  return !d.resolvers.empty() &&
         (!d.queries.empty() || (c.kubernetes.enabled && (d.acme_challenges || d.caa)));
}

// TLS probes run for configured targets, and for Ingresses when the Kubernetes source reads
// them (discovered targets still need tls_probes.allowed_*).
bool TlsProbesEnabled(const Config& c) {
  return !c.tls_probes.targets.empty() || (c.kubernetes.enabled && c.kubernetes.ingresses);
}

}  // namespace

std::vector<std::unique_ptr<Source>> MakeSources(const SourceDeps& deps) {
  std::vector<std::unique_ptr<Source>> out;
  const Config& c = deps.config;
  if (c.kubernetes.enabled) {
    out.push_back(MakeKubernetesSource(c.kubernetes, deps.kubeconfig_override, deps.shard,
                                       deps.store, deps.logger, deps.clock));
  }
  if (!c.files.empty()) {
    FilesSourceOptions options;
    for (const auto& f : c.files) options.patterns.push_back(f.path);
    options.shard = deps.shard;
    out.push_back(std::make_unique<FilesSource>(std::move(options), deps.store,
                                                deps.logger.With("source", "files"), deps.clock));
  }
  // The TLS and DNS probers share one event-loop thread, started before and stopped after them.
  LoopThread* probe_loop = nullptr;
  auto shared_loop = [&]() -> EventLoop& {
    if (probe_loop == nullptr) {
      auto t = std::make_unique<LoopThread>();
      probe_loop = t.get();
      out.push_back(std::move(t));
    }
    return probe_loop->loop();
  };
  if (TlsProbesEnabled(c)) {
    out.push_back(std::make_unique<TlsScheduler>(shared_loop(), deps.store, c, deps.logger,
                                                 deps.clock, deps.shard));
  }
  if (DnsProbesEnabled(c)) {
    out.push_back(std::make_unique<DnsScheduler>(shared_loop(), deps.store, c.dns_probes,
                                                 deps.clock, deps.logger, deps.shard));
  }
  return out;
}

std::vector<std::string> ReadinessSources(const Config& config) {
  std::vector<std::string> out;
  if (config.kubernetes.enabled) out.push_back("kubernetes");
  if (!config.files.empty()) out.push_back("files");
  // dns_probes is left out on purpose: its rounds depend on outside resolvers (timeouts, CAA
  // climbs), and its results enrich the state rather than complete it.
  return out;
}

void ForgetSourceState(StateData& d) {
  // Kubernetes caches are relisted by the new source; the rate-limit counter and the Orders
  // it has counted stay, so a reload never resets or double-counts it.
  d.certificates.clear();
  d.requests.clear();
  d.orders.clear();
  d.challenges.clear();
  d.issuers.clear();
  d.ingresses.clear();
  d.secrets.clear();
  d.budgets.clear();
  d.clock_skew_seconds.reset();
  d.sources.erase("kubernetes");
  d.dns.clear();
  d.dns_consistency.clear();
  d.dns_challenges.clear();
  d.caa.clear();
  d.sources.erase("dns_probes");
  d.tls.clear();
  d.sources.erase("tls_probes");
  d.files.clear();
  d.file_errors.clear();
  d.sources.erase("files");
}

}  // namespace certwatch
