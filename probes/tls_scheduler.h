// The "tls_probes" source: probes every target once per interval on the shared EventLoop and
// writes each result into the state store, where scrapes read it (a scrape never waits on a
// handshake). Each target keeps a stable phase inside the interval (a hash of its key, the
// way Prometheus spreads scrapes), so 10,000 targets become a steady trickle rather than a
// burst; at most max_concurrency probes are in flight.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/shard.h"
#include "config/config.h"
#include "exporter/source.h"
#include "probes/event_loop.h"
#include "probes/targets.h"
#include "probes/tls.h"
#include "state/state.h"
#include "state/state_writer.h"

namespace certwatch {

class TlsScheduler final : public Source {
 public:
  // With a shard, only the targets it owns are probed: by their Certificate ("ns/name") when
  // linked, so drift is judged by the replica that holds that Certificate, else by target key.
  TlsScheduler(EventLoop& loop, StateStore& store, const Config& config, const Logger& logger,
               const Clock& clock, Shard shard = {});
  ~TlsScheduler() override;

  std::string_view Name() const override { return "tls_probes"; }
  void Start() override;
  void Stop() override;

  // Writes one finished probe into the store: the result plus served-vs-stored drift against
  // the linked Secret (fingerprint) or Certificate status (notAfter). Public for tests.
  static void Record(StateData& data, const TlsTarget& target, TlsProbeReport report,
                     UnixSeconds now);

 private:
  void StartRound();
  void Enqueue(const std::string& key);
  void Pump();
  void OnDone(const std::string& key, TlsProbeReport report);

  EventLoop& loop_;
  StateStore& store_;
  DeferredStateWriter writer_{store_};
  const Config& config_;
  Logger logger_;
  const Clock& clock_;
  Shard shard_;
  std::unique_ptr<TlsProber> prober_;
  AllowList allow_;
  std::string config_error_;

  // Loop-thread state.
  bool running_ = false;
  std::map<std::string, TlsTarget> targets_;  // key -> target, this round
  std::set<std::string> in_flight_;
  std::deque<std::string> queue_;
  std::set<std::string> queued_;
  std::vector<EventLoop::TimerId> timers_;
  EventLoop::TimerId round_timer_ = 0;
  std::set<std::string> logged_rejections_;
  std::set<std::string> awaiting_first_;  // targets of the first round without a result yet
  bool synced_ = false;
  bool started_ = false;
};

// Drops what TLS probing wrote (before a reload reschedules).
void ForgetTlsProbeState(StateData& data);

}  // namespace certwatch
