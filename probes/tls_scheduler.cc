#include "probes/tls_scheduler.h"

#include <chrono>
#include <map>
#include <string_view>

#include "probes/ca_bundle_targets.h"
#include "state/keys.h"

namespace certwatch {
namespace {

// The prober keeps its own deadline (tls_probes.timeout); this is the runner's safety net.
constexpr std::chrono::seconds kDeadlineSlack{2};

std::chrono::milliseconds BaseTimeout(const Config& config) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(config.tls_probes.timeout);
}

}  // namespace

TlsScheduler::TlsScheduler(EventLoop& loop, StateStore& store, const Config& config,
                           const Logger& logger, const Clock& clock, Shard shard)
    : config_(config),
      logger_(logger.With("source", "tls_probes")),
      shard_(shard),
      prober_(std::make_unique<TlsProber>(loop)),
      runner_(loop, store, clock,
              RoundOptions{
                  "tls_probes",
                  std::chrono::duration_cast<std::chrono::milliseconds>(config.tls_probes.interval),
                  config.tls_probes.max_concurrency, true},
              *this) {
  if (config.kubernetes.enabled && config.kubernetes.kubelets.enabled) {
    kubelet_trust_ = ResolveKubeletTrust(config.kubernetes);
    if (!kubelet_trust_.error.empty()) {
      // Probed anyway: the results say the chain does not verify, and the log says why.
      logger_.Error("no CA to verify kubelets with; set kubernetes.kubelets.ca_file",
                    {{"err", kubelet_trust_.error}});
    }
  }
}

TlsScheduler::~TlsScheduler() { runner_.Stop(); }

RoundPlan TlsScheduler::Plan(const StateData& data, UnixSeconds) {
  RoundPlan plan;
  std::map<std::string, TlsTarget> targets;
  for (auto& t : StaticTargets(config_.tls_probes, &data)) targets.emplace(t.Key(), std::move(t));
  if (config_.kubernetes.enabled && config_.kubernetes.ingresses) {
    Discovery d = IngressTargets(data, config_.tls_probes, config_.kubernetes.ingress_port,
                                 config_.tls_probes.allow_list);
    for (auto& t : d.targets) targets.emplace(t.Key(), std::move(t));
    for (const auto& s : d.skipped) {
      if (logged_skips_.insert(ObjectKey(s.ns, s.ingress) + " " + s.target + " " + s.reason)
              .second) {
        logger_.Warn("discovered TLS target skipped",
                     {{"ingress", ObjectKey(s.ns, s.ingress)},
                      {"target", s.target},
                      {"reason", s.reason},
                      {"why", std::string(SkippedTargetExplanation(s.reason))}});
      }
    }
    plan.start_write = [skipped = std::move(d.skipped)](StateData& data) mutable {
      data.tls_skipped = std::move(skipped);
    };
  } else {
    plan.start_write = [](StateData& data) { data.tls_skipped.clear(); };
  }
  // Already this replica's: the objects they come from are kept by their shard only.
  if (config_.kubernetes.enabled && config_.kubernetes.kubelets.enabled) {
    for (auto& t :
         NodeTargets(data, config_.kubernetes.kubelets, kubelet_trust_, BaseTimeout(config_))) {
      if (!targets.count(t.Key())) plan.jobs.push_back(JobFor(std::move(t)));
    }
  }
  const auto& ca = config_.kubernetes.ca_bundles;
  if (config_.kubernetes.enabled && ca.enabled && ca.verify_served) {
    for (auto& t : CaBundleTargets(data, BaseTimeout(config_))) plan.jobs.push_back(JobFor(t));
  }
  for (auto& [key, t] : targets) {
    const std::string& owner = !t.certificate.empty() ? t.certificate
                               : !t.secret.empty()    ? t.secret
                                                      : key;
    if (shard_.count() > 1 && !shard_.Owns(owner)) continue;
    plan.jobs.push_back(JobFor(std::move(t)));
  }
  return plan;
}

ProbeJob TlsScheduler::JobFor(TlsTarget target) {
  ProbeJob job;
  job.key = IsCaBundleTarget(target) ? CaBundleJobKey(target) : target.Key();
  job.deadline = std::chrono::duration_cast<std::chrono::milliseconds>(target.options.timeout +
                                                                       kDeadlineSlack);
  auto shared = std::make_shared<const TlsTarget>(std::move(target));
  job.start = [this, shared](std::function<void(ProbeOutcome)> done) {
    prober_->Probe(shared->options, [this, shared, done](TlsProbeReport report) {
      if (!report.result.success) {
        logger_.Debug("TLS probe failed", {{"target", shared->target},
                                           {"server_name", shared->options.server_name},
                                           {"err", report.result.error}});
      }
      const bool ok = report.result.success;
      done(ProbeOutcome{
          ok, [shared, report = std::move(report)](StateData& d, UnixSeconds now) mutable {
            Record(d, *shared, std::move(report), now);
          }});
    });
  };
  job.expired = [shared] {
    return ProbeOutcome{false, [shared](StateData& d, UnixSeconds now) {
                          TlsProbeReport report;
                          report.result.error = "probe did not finish in time";
                          Record(d, *shared, std::move(report), now);
                        }};
  };
  return job;
}

void TlsScheduler::Retain(StateData& data, const std::set<std::string>& keys) {
  // Results of targets that are gone (a deleted Ingress) vanish with them.
  const std::set<std::string> ca_results = CaBundleResultKeys(keys);
  for (auto it = data.tls.begin(); it != data.tls.end();) {
    it = keys.count(it->first) || ca_results.count(it->first) ? std::next(it) : data.tls.erase(it);
  }
  for (auto it = data.ca_bundle_probes.begin(); it != data.ca_bundle_probes.end();) {
    it = keys.count(it->first) ? std::next(it) : data.ca_bundle_probes.erase(it);
  }
}

void TlsScheduler::Record(StateData& data, const TlsTarget& target, TlsProbeReport report,
                          UnixSeconds now) {
  TlsProbeResult r = std::move(report.result);
  r.target = target.target;
  r.server_name = target.options.server_name;
  r.source = target.source;
  r.certificate = target.certificate;
  r.secret = target.secret;
  r.last_probe = now;
  r.matches_stored.reset();
  r.mismatch_since = 0;
  const std::string key = target.Key();
  auto prev = data.tls.find(key);
  if (IsCaBundleTarget(target)) {
    data.ca_bundle_probes[CaBundleJobKey(target)] = CaBundleProbeOf(target, r);
    // The served leaf goes in certwatch_tls_* too, unless a configured or discovered probe of
    // the same endpoint and SNI holds that series (its own trust anchors decide it).
    if (prev != data.tls.end() && !prev->second.source.starts_with(kCaBundleSourcePrefix)) return;
    // Several caBundles on one endpoint (a validating and a mutating webhook on one Service)
    // share this result: the first source in order names it, so that certwatch_tls_info keeps
    // one identity instead of changing with every probe.
    if (prev != data.tls.end() && prev->second.source < r.source) r.source = prev->second.source;
  }

  // What the endpoint should serve: the Secret's certificate when secrets are read, else the
  // Certificate's status.notAfter.
  std::optional<bool> match;
  if (r.leaf) {
    if (!r.secret.empty()) {
      auto s = data.secrets.find(r.secret);
      if (s != data.secrets.end() && s->second.error.empty() &&
          !s->second.facts.fingerprint_sha256.empty()) {
        match = s->second.facts.fingerprint_sha256 == r.leaf->fingerprint_sha256;
      }
    }
    if (!match && !r.certificate.empty()) {
      auto c = data.certificates.find(r.certificate);
      if (c != data.certificates.end() && c->second.not_after) {
        match = *c->second.not_after == r.leaf->not_after;
      }
    }
  }
  if (match) {
    r.matches_stored = *match;
    if (!*match) {
      bool was_mismatched = prev != data.tls.end() && prev->second.matches_stored &&
                            !*prev->second.matches_stored && prev->second.mismatch_since > 0;
      r.mismatch_since = was_mismatched ? prev->second.mismatch_since : now;
    }
  } else if (prev != data.tls.end() && !r.leaf && prev->second.matches_stored) {
    // A failed probe says nothing about drift: keep the last known answer.
    r.matches_stored = prev->second.matches_stored;
    r.mismatch_since = prev->second.mismatch_since;
  }
  data.tls[key] = std::move(r);
}

void TlsScheduler::Forget(StateData& d) const {
  d.tls.clear();
  d.tls_skipped.clear();
  d.ca_bundle_probes.clear();
  d.sources.erase("tls_probes");
}

}  // namespace certwatch
