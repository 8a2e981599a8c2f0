// Every source `certwatch serve` runs, as one table: a source is one file of its own (it
// implements state/source.h) plus one row here.
#include "cmd/sources.h"

#include "exporter/files/files_source.h"
#include "exporter/kube/kube_source.h"
#include "probes/dns_scheduler.h"
#include "probes/loop_thread.h"
#include "probes/tls_scheduler.h"
#include "revocation/crl_source.h"

namespace certwatch {
namespace {

// The TLS and DNS probers share one event-loop thread: made when the first of them is, and
// placed before it in the list, so that it starts before and stops after them.
class ProbeLoop {
 public:
  explicit ProbeLoop(std::vector<std::unique_ptr<Source>>& sources) : sources_(sources) {}
  EventLoop& Get() {
    if (thread_ == nullptr) {
      auto t = std::make_unique<LoopThread>();
      thread_ = t.get();
      sources_.push_back(std::move(t));
    }
    return thread_->loop();
  }

 private:
  std::vector<std::unique_ptr<Source>>& sources_;
  LoopThread* thread_ = nullptr;
};

struct SourceEntry {
  std::string_view name;  // its key in StateData::sources
  bool (*enabled)(const Config&);
  // Whether /readyz waits for its first sync. dns_probes does not: its rounds depend on
  // outside resolvers (timeouts, CAA climbs), and its results enrich the state rather than
  // complete it.
  bool readiness;
  std::unique_ptr<Source> (*make)(const SourceDeps&, ProbeLoop&);
};

// In start order (serve stops them in reverse).
constexpr SourceEntry kSources[] = {
    {"kubernetes", [](const Config& c) { return c.kubernetes.enabled; }, true,
     [](const SourceDeps& d, ProbeLoop&) {
       return MakeKubernetesSource(d.config.kubernetes, d.kubeconfig_override, d.shard, d.store,
                                   d.logger, d.clock);
     }},
    {"files", [](const Config& c) { return !c.files.empty(); }, true,
     [](const SourceDeps& d, ProbeLoop&) -> std::unique_ptr<Source> {
       FilesSourceOptions options;
       options.files = d.config.files;
       options.shard = d.shard;
       return std::make_unique<FilesSource>(std::move(options), d.store,
                                            d.logger.With("source", "files"), d.clock);
     }},
    // For configured targets, and for Ingresses when the Kubernetes source reads them
    // (discovered targets still need tls_probes.allowed_*).
    {"tls_probes",
     [](const Config& c) {
       const auto& ca = c.kubernetes.ca_bundles;
       return !c.tls_probes.targets.empty() ||
              (c.kubernetes.enabled && (c.kubernetes.ingresses || c.kubernetes.kubelets.enabled ||
                                        (ca.enabled && ca.verify_served)));
     },
     false,
     [](const SourceDeps& d, ProbeLoop& loop) -> std::unique_ptr<Source> {
       return std::make_unique<TlsScheduler>(loop.Get(), d.store, d.config, d.logger, d.clock,
                                             d.shard);
     }},
    // When there is something to ask: configured queries, or the challenges and certificates
    // of the Kubernetes source.
    {"dns_probes",
     [](const Config& c) {
       const auto& d = c.dns_probes;
       return !d.resolvers.empty() &&
              (!d.queries.empty() || (c.kubernetes.enabled && (d.acme_challenges || d.caa)));
     },
     false,
     [](const SourceDeps& d, ProbeLoop& loop) -> std::unique_ptr<Source> {
       return std::make_unique<DnsScheduler>(loop.Get(), d.store, d.config.dns_probes, d.clock,
                                             d.logger, d.shard);
     }},
    // CRLs: the configured ones, and (opt-in) the distribution points of what the sources
    // above hold. After them, so their certificates are there to verify the CRLs with.
    {"crls",
     [](const Config& c) { return !c.crls.empty() || c.revocation.fetch_distribution_points; },
     false,
     [](const SourceDeps& d, ProbeLoop&) -> std::unique_ptr<Source> {
       return std::make_unique<CrlSource>(d.config.crls, d.config.revocation, d.store, d.logger,
                                          d.clock);
     }},
};

}  // namespace

std::vector<std::unique_ptr<Source>> MakeSources(const SourceDeps& deps) {
  std::vector<std::unique_ptr<Source>> out;
  ProbeLoop loop(out);
  for (const auto& s : kSources) {
    if (!s.enabled(deps.config)) continue;
    auto source = s.make(deps, loop);  // may add the loop thread first
    out.push_back(std::move(source));
  }
  return out;
}

std::vector<std::string> ReadinessSources(const Config& config) {
  std::vector<std::string> out;
  for (const auto& s : kSources) {
    if (s.readiness && s.enabled(config)) out.emplace_back(s.name);
  }
  return out;
}

}  // namespace certwatch
