// The DNS probes source ("dns_probes"): the checks of probes/dns_checks.h run as jobs of the
// round runner on the shared probe loop. Every interval a round
//  - asks every configured name x type of every resolver and of the name's authoritative
//    servers, and judges their agreement,
//  - checks each presented DNS-01 Challenge's TXT key on every resolver and authoritative
//    server,
//  - evaluates CAA for every certificate name against its ACME issuer's CA domain.
// A round's jobs start together and share one DnsLookup, so identical questions are asked once.
// Each job's results replace what it wrote last round (DnsProbeResult, DnsConsistency,
// DnsChallengeResult, CaaResult); objects that disappeared lose their series with the next
// round.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/clock.h"
#include "common/log.h"
#include "common/shard.h"
#include "config/config.h"
#include "probes/event_loop.h"
#include "probes/round_runner.h"
#include "state/source.h"
#include "state/state.h"

namespace certwatch {

class DnsClient;
class DnsLookup;

class DnsScheduler final : public Source, private RoundProber {
 public:
  DnsScheduler(EventLoop& loop, StateStore& store, DnsProbesConfig config, const Clock& clock,
               const Logger& logger, Shard shard = {});
  ~DnsScheduler() override;
  DnsScheduler(const DnsScheduler&) = delete;
  DnsScheduler& operator=(const DnsScheduler&) = delete;

  std::string_view Name() const override { return "dns_probes"; }
  // Posts the first round onto the loop; returns at once.
  void Start() override { runner_.Start(); }
  // Tears down on the loop thread and waits for it (bounded); the loop must be running.
  void Stop() override { runner_.Stop(); }
  void Forget(StateData& data) const override;
  // The same, for callers already on the loop thread (tests driving the loop themselves).
  void StopOnLoop() { runner_.StopOnLoop(); }

  // Rounds whose results are all in the store (any thread).
  uint64_t rounds() const { return runner_.rounds(); }

 private:
  // RoundProber: one job per configured name, per presented DNS-01 challenge, and per name of
  // each Certificate with an ACME issuer whose CA domain is known.
  RoundPlan Plan(const StateData& data, UnixSeconds now) override;
  void Retain(StateData& data, const std::set<std::string>& keys) override;
  void CancelAll() override;

  void PlanQuestions(RoundPlan& plan, const std::shared_ptr<DnsLookup>& lookup, UnixSeconds now);
  void PlanChallenges(RoundPlan& plan, const StateData& data,
                      const std::shared_ptr<DnsLookup>& lookup, UnixSeconds now);
  void PlanCaa(RoundPlan& plan, const StateData& data, const std::shared_ptr<DnsLookup>& lookup,
               UnixSeconds now);

  EventLoop& loop_;
  DnsProbesConfig config_;
  Logger logger_;
  Shard shard_;
  // Loop-thread state.
  std::unique_ptr<DnsClient> client_;
  std::map<std::string, UnixSeconds> presented_since_;  // "ns/challenge"
  RoundRunner runner_;                                  // last: stopped before the rest goes
};

}  // namespace certwatch
