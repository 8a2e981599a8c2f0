#include "probes/dns_scheduler.h"

#include <utility>

#include "probes/caa.h"
#include "probes/dns.h"
#include "probes/dns_checks.h"
#include "state/keys.h"

namespace certwatch {
namespace {

// Job keys, one prefix per check, then what names the check: a DNS name, a challenge's
// ObjectKey, a CaaKey (state/keys.h). A job's results carry what its key is made of.
constexpr std::string_view kQuestionJob = "question|";
constexpr std::string_view kChallengeJob = "challenge|";
constexpr std::string_view kCaaJob = "caa|";

std::string QuestionJob(const std::string& name) { return std::string(kQuestionJob) + name; }
std::string ChallengeJob(const std::string& ns, const std::string& name) {
  return std::string(kChallengeJob) + ObjectKey(ns, name);
}
std::string CaaJob(const std::string& ns, const std::string& certificate,
                   const std::string& dns_name) {
  return std::string(kCaaJob) + CaaKey(ns, certificate, dns_name);
}

// The longest chain of sequential queries a check makes (a CAA climb over every label, an NS
// climb then the question) times the per-query deadline: a safety net, as every query has its
// own deadline already.
constexpr int kLongestChain = 20;

template <class Map, class Keep>
void EraseUnless(Map& map, Keep keep) {
  for (auto it = map.begin(); it != map.end();) {
    it = keep(it->second) ? std::next(it) : map.erase(it);
  }
}

}  // namespace

DnsScheduler::DnsScheduler(EventLoop& loop, StateStore& store, DnsProbesConfig config,
                           const Clock& clock, const Logger& logger, Shard shard)
    : loop_(loop),
      config_(std::move(config)),
      logger_(logger.With("component", "dns_probes")),
      shard_(shard),
      runner_(loop, store, clock,
              RoundOptions{"dns_probes", config_.interval, config_.max_concurrency, false}, *this) {
}

DnsScheduler::~DnsScheduler() = default;

RoundPlan DnsScheduler::Plan(const StateData& data, UnixSeconds now) {
  if (!client_) {  // made on the loop thread: c-ares channels belong to the loop
    DnsClientOptions opts;
    opts.timeout = config_.timeout;
    opts.max_concurrency = config_.max_concurrency;
    client_ = std::make_unique<DnsClient>(loop_, opts);
  }
  auto lookup =
      std::make_shared<DnsLookup>(*client_, config_.resolvers, config_.authoritative_port);
  RoundPlan plan;
  PlanQuestions(plan, lookup, now);
  if (config_.acme_challenges) PlanChallenges(plan, data, lookup, now);
  if (config_.caa) PlanCaa(plan, data, lookup, now);
  const auto deadline = config_.timeout * kLongestChain;
  for (auto& job : plan.jobs) job.deadline = deadline;
  const size_t jobs = plan.jobs.size();
  plan.finish = [this, lookup, jobs] {
    SourceHealth health;
    if (lookup->queries() > 0 && lookup->unanswered() == lookup->queries()) {
      health.up = false;
      health.error =
          "no resolver answered any of " + std::to_string(lookup->queries()) + " queries";
    }
    logger_.Debug("round done", {{"jobs", std::to_string(jobs)},
                                 {"queries", std::to_string(lookup->queries())},
                                 {"unanswered", std::to_string(lookup->unanswered())}});
    // Channels of servers no round asks any more (an authoritative set that changed) close.
    // A round whose jobs all ran on from the last one asked nothing and says nothing of it.
    // Posted: this runs inside a c-ares callback, whose channel must outlive it.
    if (!lookup->servers().empty()) {
      std::vector<std::string> keep(config_.resolvers);
      keep.insert(keep.end(), lookup->servers().begin(), lookup->servers().end());
      loop_.Post([this, keep = std::move(keep)] {
        if (client_) client_->Retain(keep);
      });
    }
    return health;
  };
  return plan;
}

void DnsScheduler::PlanQuestions(RoundPlan& plan, const std::shared_ptr<DnsLookup>& lookup,
                                 UnixSeconds now) {
  // One job per name: the types of every entry that names it.
  std::map<std::string, std::vector<DnsType>> questions;
  for (const auto& q : config_.queries) {
    std::string name = NormalizeDnsName(q.name);
    if (name.empty() || !shard_.Owns(name)) continue;
    auto& types = questions[name];
    for (const auto& t : q.types) {
      auto parsed = ParseDnsType(t);
      if (!parsed) {
        logger_.Warn("skipping query type", {{"name", name}, {"error", parsed.error().message}});
        continue;
      }
      if (std::find(types.begin(), types.end(), *parsed) == types.end()) types.push_back(*parsed);
    }
  }
  const bool authoritative = config_.authoritative;
  for (auto& [name, types] : questions) {
    ProbeJob job;
    job.key = QuestionJob(name);
    job.start = [lookup, name = name, types = types, authoritative, now](auto done) {
      CheckQuestion(
          *lookup, name, types, authoritative, now,
          [done, name, types](std::vector<DnsProbeResult> results) {
            bool ok = !results.empty();
            for (const auto& r : results) ok = ok && r.success;
            done(ProbeOutcome{
                ok,
                [name, types, results = std::move(results)](StateData& d, UnixSeconds now) mutable {
                  EraseUnless(d.dns, [&](const DnsProbeResult& p) { return p.name != name; });
                  for (DnsType type : types) {
                    const std::string t = DnsTypeName(type);
                    std::vector<const DnsProbeResult*> of_type;
                    for (const auto& r : results) {
                      if (r.type == t) of_type.push_back(&r);
                    }
                    const std::string group = DnsConsistencyKey(name, t);
                    auto old = d.dns_consistency.find(group);
                    d.dns_consistency[group] =
                        ConsistencyOf(name, t, of_type,
                                      old == d.dns_consistency.end() ? nullptr : &old->second, now);
                  }
                  for (auto& r : results) {
                    d.dns[DnsResultKey(r.resolver, r.name, r.type)] = std::move(r);
                  }
                }});
          });
    };
    plan.jobs.push_back(std::move(job));
  }
}

void DnsScheduler::PlanChallenges(RoundPlan& plan, const StateData& data,
                                  const std::shared_ptr<DnsLookup>& lookup, UnixSeconds now) {
  std::set<std::string> seen;
  const bool authoritative = config_.authoritative;
  for (const auto& [key, ch] : data.challenges) {
    if (!IsDns01(ch.type) || !ch.presented || ch.dns_name.empty()) continue;
    const std::string id = ObjectKey(ch.ns, ch.name);
    if (!shard_.Owns(id)) continue;
    seen.insert(id);
    auto [since, fresh] = presented_since_.try_emplace(id, ch.created > 0 ? ch.created : now);
    ProbeJob job;
    job.key = ChallengeJob(ch.ns, ch.name);
    job.start = [lookup, ch = ch, authoritative, now, since = since->second](auto done) {
      CheckChallenge(
          *lookup, ch, authoritative, now, since,
          [done, ns = ch.ns, name = ch.name](std::vector<DnsChallengeResult> results) {
            bool ok = !results.empty();
            for (const auto& r : results) ok = ok && r.propagated;
            done(ProbeOutcome{
                ok, [ns, name, results = std::move(results)](StateData& d, UnixSeconds) mutable {
                  // This challenge's rows: one per resolver, replaced as a whole.
                  auto old = PrefixRange(d.dns_challenges, ChallengeResultKeyPrefix(ns, name));
                  d.dns_challenges.erase(old.begin(), old.end());
                  for (auto& r : results) {
                    d.dns_challenges[ChallengeResultKey(ns, name, r.resolver)] = std::move(r);
                  }
                }});
          });
    };
    plan.jobs.push_back(std::move(job));
  }
  for (auto it = presented_since_.begin(); it != presented_since_.end();) {
    it = seen.count(it->first) ? std::next(it) : presented_since_.erase(it);
  }
}

void DnsScheduler::PlanCaa(RoundPlan& plan, const StateData& data,
                           const std::shared_ptr<DnsLookup>& lookup, UnixSeconds now) {
  for (const auto& [key, c] : data.certificates) {
    if (c.dns_names.empty() || !shard_.Owns(ObjectKey(c.ns, c.name))) continue;
    auto it = data.issuers.find(IssuerKey(c.issuer, c.ns));
    if (it == data.issuers.end()) continue;
    std::string ca = CaDomainForAcmeServer(it->second.acme_server, config_.caa_issuers);
    if (ca.empty()) continue;  // not ACME, or a CA whose CAA domain is not known
    std::set<std::string> names(c.dns_names.begin(), c.dns_names.end());
    for (const auto& dns_name : names) {
      if (CaaLookupName(dns_name).empty()) continue;
      CaaSubject subject{c.ns, c.name, c.issuer, ca, dns_name};
      ProbeJob job;
      job.key = CaaJob(c.ns, c.name, dns_name);
      job.start = [lookup, subject, now](auto done) {
        CheckCaa(*lookup, subject, now, [done](CaaResult result) {
          const bool ok = result.allowed;
          done(ProbeOutcome{ok, [result = std::move(result)](StateData& d, UnixSeconds) mutable {
                              std::string key =
                                  CaaKey(result.ns, result.certificate, result.domain);
                              d.caa[key] = std::move(result);
                            }});
        });
      };
      plan.jobs.push_back(std::move(job));
    }
  }
}

void DnsScheduler::Retain(StateData& d, const std::set<std::string>& keys) {
  EraseUnless(d.dns, [&](const DnsProbeResult& p) { return keys.count(QuestionJob(p.name)); });
  EraseUnless(d.dns_consistency,
              [&](const DnsConsistency& c) { return keys.count(QuestionJob(c.name)); });
  EraseUnless(d.dns_challenges, [&](const DnsChallengeResult& c) {
    return keys.count(ChallengeJob(c.ns, c.challenge));
  });
  EraseUnless(
      d.caa, [&](const CaaResult& c) { return keys.count(CaaJob(c.ns, c.certificate, c.domain)); });
}

void DnsScheduler::CancelAll() {
  client_.reset();  // no callbacks after this
}

void DnsScheduler::Forget(StateData& d) const {
  d.dns.clear();
  d.dns_consistency.clear();
  d.dns_challenges.clear();
  d.caa.clear();
  d.sources.erase("dns_probes");
}

}  // namespace certwatch
