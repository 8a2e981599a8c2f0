// The "tls_probes" source: one TLS probe per target per interval, as jobs of the round runner
// on the shared EventLoop (each target at its own phase inside the interval, at most
// max_concurrency in flight); each result lands in the state store, where scrapes read it.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "common/clock.h"
#include "common/log.h"
#include "common/shard.h"
#include "config/config.h"
#include "probes/event_loop.h"
#include "probes/node_targets.h"
#include "probes/round_runner.h"
#include "probes/targets.h"
#include "probes/tls.h"
#include "state/source.h"
#include "state/state.h"

namespace certwatch {

class TlsScheduler final : public Source, private RoundProber {
 public:
  // With a shard, only the targets it owns are probed: by their Certificate ("ns/name") when
  // linked, so drift is judged by the replica that holds that Certificate, else by target key.
  TlsScheduler(EventLoop& loop, StateStore& store, const Config& config, const Logger& logger,
               const Clock& clock, Shard shard = {});
  ~TlsScheduler() override;

  std::string_view Name() const override { return "tls_probes"; }
  void Start() override { runner_.Start(); }
  void Stop() override { runner_.Stop(); }
  void Forget(StateData& data) const override;

  // Writes one finished probe into the store: the result plus served-vs-stored drift against
  // the linked Secret (fingerprint) or Certificate status (notAfter). Public for tests.
  static void Record(StateData& data, const TlsTarget& target, TlsProbeReport report,
                     UnixSeconds now);

 private:
  // RoundProber: one job per target (configured, discovered from Ingresses, caBundle
  // endpoints and kubelets).
  RoundPlan Plan(const StateData& data, UnixSeconds now) override;
  void Retain(StateData& data, const std::set<std::string>& keys) override;
  void CancelAll() override { prober_->CancelAll(); }

  ProbeJob JobFor(TlsTarget target);

  const Config& config_;
  Logger logger_;
  Shard shard_;
  std::unique_ptr<TlsProber> prober_;
  KubeletTrust kubelet_trust_;          // kubernetes.kubelets, read once at start
  std::set<std::string> logged_skips_;  // loop thread
  RoundRunner runner_;                  // last: stopped before the rest goes
};

}  // namespace certwatch
