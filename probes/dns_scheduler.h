// The DNS probes source ("dns_probes"): every interval, one round on the shared probe loop
//  - asks every configured name x type of every resolver and of the name's authoritative
//    servers (found through NS lookups, climbing to the zone apex, then their A records),
//  - checks each presented DNS-01 Challenge's TXT key at _acme-challenge.<domain> (after CNAME
//    delegation) on every resolver and authoritative server,
//  - evaluates CAA for every certificate name against its ACME issuer's CA domain,
// and writes the round's results into the state store at once (DnsProbeResult,
// DnsConsistency, DnsChallengeResult, CaaResult), so objects that disappeared lose their
// series with the next round.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/log.h"
#include "common/shard.h"
#include "config/config.h"
#include "exporter/source.h"
#include "probes/event_loop.h"
#include "state/state.h"

namespace certwatch {

class DnsClient;
struct DnsQueryResult;

class DnsScheduler final : public Source {
 public:
  DnsScheduler(EventLoop& loop, StateStore& store, DnsProbesConfig config, const Clock& clock,
               const Logger& logger, Shard shard = {});
  ~DnsScheduler() override;
  DnsScheduler(const DnsScheduler&) = delete;
  DnsScheduler& operator=(const DnsScheduler&) = delete;

  std::string_view Name() const override { return "dns_probes"; }
  // Posts the first round onto the loop; returns at once.
  void Start() override;
  // Tears down on the loop thread and waits for it (bounded); the loop must be running.
  void Stop() override;
  // The same, for callers already on the loop thread (tests driving the loop themselves).
  void StopOnLoop();

  // Rounds committed so far (any thread).
  uint64_t rounds() const { return rounds_.load(); }

 private:
  struct Round;
  struct CaaLookup;
  struct AuthServer {
    std::string label;    // "auth:<ns host>"
    std::string address;  // IP:port
  };
  void StartRound();
  void Commit(Round& r);
  void Done(Round& r);
  // Asks once per round: identical questions share one query and its answer.
  void Ask(Round& r, const std::string& resolver, const std::string& name, int type, bool rd,
           std::function<void(const DnsQueryResult&)> cb);
  void FindAuthServers(Round& r, const std::string& name, int depth,
                       std::function<void(std::vector<AuthServer>)> cb);
  void FollowCname(Round& r, const std::string& name, int hops,
                   std::function<void(std::string)> cb);
  void ClimbCaa(Round& r, const std::string& name, std::function<void(const CaaLookup&)> cb);

  void ProbeConfigured(Round& r);
  void ProbeChallenges(Round& r);
  void ProbeCaa(Round& r);

  EventLoop& loop_;
  StateStore& store_;
  DnsProbesConfig config_;
  const Clock& clock_;
  Logger logger_;
  Shard shard_;
  std::unique_ptr<DnsClient> client_;
  std::unique_ptr<Round> round_;
  EventLoop::TimerId next_timer_ = 0;
  uint64_t round_seq_ = 0;
  std::map<std::string, UnixSeconds> presented_since_;  // "ns/challenge"
  std::atomic<uint64_t> rounds_{0};
  std::atomic<bool> stopped_{false};
  std::atomic<bool> started_{false};
};

// Drops what DNS probing wrote (before a reload reschedules).
void ForgetDnsProbeState(StateData& data);

}  // namespace certwatch
