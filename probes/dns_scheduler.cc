#include "probes/dns_scheduler.h"

#include <algorithm>
#include <future>
#include <set>
#include <utility>

#include "probes/caa.h"
#include "probes/dns.h"

namespace certwatch {
namespace {

constexpr int kMaxClimb = 16;         // labels climbed for NS and CAA before giving up
constexpr int kMaxCnameHops = 8;      // _acme-challenge delegation chain length
constexpr size_t kMaxNsHosts = 8;     // authoritative servers asked per zone
constexpr size_t kMaxTxtValues = 16;  // TXT values kept per challenge result

// Rcodes that mean "no DNS answer arrived", as opposed to an answer that says something.
bool NoAnswer(const std::string& rcode) {
  return rcode == "TIMEOUT" || rcode == "ERROR" || rcode == "MALFORMED" || rcode == "CONNREFUSED";
}

bool IsDns01(const std::string& type) {
  std::string t = type;
  std::transform(t.begin(), t.end(), t.begin(), ::tolower);
  return t == "dns-01";
}

std::string StripWildcard(const std::string& name) {
  return name.rfind("*.", 0) == 0 ? name.substr(2) : name;
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

}  // namespace

struct DnsScheduler::CaaLookup {
  std::vector<DnsRecord> records;
  std::string record_domain;
  std::string error;
};

struct DnsScheduler::Round {
  uint64_t seq = 0;
  UnixSeconds now = 0;
  EventLoop::Clock::time_point started;
  int outstanding = 1;  // the setup token, released once every first question is asked
  struct Cached {
    bool done = false;
    DnsQueryResult result;
    std::vector<std::function<void(const DnsQueryResult&)>> waiters;
  };
  std::map<std::string, Cached> cache;  // node-based: references stay valid while it grows
  std::set<std::string> addresses;
  int queries = 0, unanswered = 0;

  // Inputs, copied from the store at the start of the round.
  std::vector<ChallengeState> challenges;
  struct CertInput {
    std::string ns, name;
    IssuerRef issuer;
    std::vector<std::string> dns_names;
    std::string ca_domain;
  };
  std::vector<CertInput> certs;

  // Outputs, swapped into the store at commit.
  std::map<std::string, DnsProbeResult> dns;
  std::map<std::string, DnsChallengeResult> challenge_results;
  std::map<std::string, CaaResult> caa;
  std::set<std::string> challenges_seen;
};

DnsScheduler::DnsScheduler(EventLoop& loop, StateStore& store, DnsProbesConfig config,
                           const Clock& clock, const Logger& logger, Shard shard)
    : loop_(loop),
      store_(store),
      config_(std::move(config)),
      clock_(clock),
      logger_(logger.With("component", "dns_probes")),
      shard_(shard) {}

DnsScheduler::~DnsScheduler() {
  if (started_ && !stopped_) Stop();
}

void DnsScheduler::Start() {
  if (started_.exchange(true)) return;
  loop_.Post([this] { StartRound(); });
}

void DnsScheduler::Stop() {
  if (!started_ || stopped_) return;
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  loop_.Post([this, done] {
    StopOnLoop();
    done->set_value();
  });
  if (fut.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    logger_.Warn("stop: the probe loop did not answer within 10s");
  }
}

void DnsScheduler::StopOnLoop() {
  stopped_ = true;
  if (next_timer_ != 0) {
    loop_.CancelTimer(next_timer_);
    next_timer_ = 0;
  }
  client_.reset();  // no callbacks after this
  round_.reset();
}

void DnsScheduler::StartRound() {
  next_timer_ = 0;
  if (stopped_) return;
  if (!client_) {
    DnsClientOptions opts;
    opts.timeout = config_.timeout;
    opts.max_concurrency = config_.max_concurrency;
    client_ = std::make_unique<DnsClient>(loop_, opts);
  }
  round_ = std::make_unique<Round>();
  Round& r = *round_;
  r.seq = ++round_seq_;
  r.now = static_cast<UnixSeconds>(clock_.NowSeconds());
  r.started = EventLoop::Clock::now();
  store_.Read([&](const StateData& d) {
    if (config_.acme_challenges) {
      for (const auto& [key, ch] : d.challenges) {
        if (!IsDns01(ch.type) || !ch.presented || ch.dns_name.empty()) continue;
        if (!shard_.Owns(ch.ns + "/" + ch.name)) continue;
        r.challenges.push_back(ch);
      }
    }
    if (config_.caa) {
      for (const auto& [key, c] : d.certificates) {
        if (c.dns_names.empty() || !shard_.Owns(c.ns + "/" + c.name)) continue;
        std::string ikey = c.issuer.kind == "ClusterIssuer"
                               ? "ClusterIssuer/" + c.issuer.name
                               : "Issuer/" + c.ns + "/" + c.issuer.name;
        auto it = d.issuers.find(ikey);
        if (it == d.issuers.end()) continue;
        std::string ca = CaDomainForAcmeServer(it->second.acme_server, config_.caa_issuers);
        if (ca.empty()) continue;  // not ACME, or a CA whose CAA domain is not known
        r.certs.push_back({c.ns, c.name, c.issuer, c.dns_names, ca});
      }
    }
    return 0;
  });
  ProbeConfigured(r);
  ProbeChallenges(r);
  ProbeCaa(r);
  Done(r);
}

void DnsScheduler::Done(Round& r) {
  if (--r.outstanding > 0) return;
  // Committed from a fresh loop iteration: the caller is still inside a query callback that
  // refers to the round.
  uint64_t seq = r.seq;
  loop_.Post([this, seq] {
    if (round_ && round_->seq == seq) Commit(*round_);
  });
}

void DnsScheduler::Ask(Round& r, const std::string& resolver, const std::string& name, int type,
                       bool rd, std::function<void(const DnsQueryResult&)> cb) {
  ++r.outstanding;
  std::string key = resolver + "|" + name + "|" + std::to_string(type) + (rd ? "|rd" : "|nord");
  auto& entry = r.cache[key];
  if (entry.done) {
    cb(entry.result);
    Done(r);
    return;
  }
  entry.waiters.push_back(std::move(cb));
  if (entry.waiters.size() > 1) return;  // the same question is already in flight
  r.addresses.insert(resolver);
  uint64_t seq = r.seq;
  client_->Query(
      resolver, name, static_cast<DnsType>(type),
      [this, seq, key](DnsQueryResult res) {
        if (!round_ || round_->seq != seq) return;
        Round& r = *round_;
        auto& e = r.cache[key];
        ++r.queries;
        if (NoAnswer(res.rcode)) ++r.unanswered;
        e.done = true;
        e.result = std::move(res);
        auto waiters = std::move(e.waiters);
        e.waiters.clear();
        for (auto& w : waiters) {
          w(e.result);
          Done(r);
        }
      },
      rd);
}

void DnsScheduler::FindAuthServers(Round& r, const std::string& name, int depth,
                                   std::function<void(std::vector<AuthServer>)> cb) {
  if (config_.resolvers.empty() || name.empty() || depth > kMaxClimb) {
    cb({});
    return;
  }
  const std::string& via = config_.resolvers.front();
  Ask(r, via, name, static_cast<int>(DnsType::kNs), true,
      [this, &r, name, depth, cb, via](const DnsQueryResult& res) {
        std::vector<std::string> hosts;
        if (res.success) hosts = AnswersOfType(res.response, name, 2);
        if (hosts.empty()) {
          // No NS here: the name is inside a zone; the apex is further up.
          std::string parent = ParentDomain(name);
          if ((res.success || res.rcode == "NXDOMAIN") && !parent.empty()) {
            FindAuthServers(r, parent, depth + 1, cb);
          } else {
            cb({});
          }
          return;
        }
        if (hosts.size() > kMaxNsHosts) hosts.resize(kMaxNsHosts);
        struct Acc {
          std::vector<AuthServer> servers;
          size_t left = 0;
        };
        auto acc = std::make_shared<Acc>();
        acc->left = hosts.size();
        std::string port = std::to_string(config_.authoritative_port);
        for (const auto& host : hosts) {
          Ask(r, via, host, static_cast<int>(DnsType::kA), true,
              [acc, host, cb, port](const DnsQueryResult& a) {
                if (a.success && !a.answers.empty()) {
                  acc->servers.push_back({"auth:" + host, a.answers.front() + ":" + port});
                }
                if (--acc->left == 0) {
                  std::sort(
                      acc->servers.begin(), acc->servers.end(),
                      [](const AuthServer& x, const AuthServer& y) { return x.label < y.label; });
                  cb(acc->servers);
                }
              });
        }
      });
}

void DnsScheduler::FollowCname(Round& r, const std::string& name, int hops,
                               std::function<void(std::string)> cb) {
  if (config_.resolvers.empty() || hops >= kMaxCnameHops) {
    cb(name);
    return;
  }
  Ask(r, config_.resolvers.front(), name, static_cast<int>(DnsType::kCname), true,
      [this, &r, name, hops, cb](const DnsQueryResult& res) {
        std::vector<std::string> targets;
        if (res.success) targets = AnswersOfType(res.response, name, 5);
        if (targets.empty() || targets.front() == name) {
          cb(name);
        } else {
          FollowCname(r, targets.front(), hops + 1, cb);
        }
      });
}

void DnsScheduler::ClimbCaa(Round& r, const std::string& name,
                            std::function<void(const CaaLookup&)> cb) {
  if (config_.resolvers.empty()) {
    cb(CaaLookup{{}, "", "no resolver configured"});
    return;
  }
  const std::string& via = config_.resolvers.front();
  Ask(r, via, name, static_cast<int>(DnsType::kCaa), true,
      [this, &r, name, cb, via](const DnsQueryResult& res) {
        // RFC 8659 section 3: a lookup failure is not "no records": a CA must refuse.
        if (!res.success && res.rcode != "NXDOMAIN") {
          cb(CaaLookup{{},
                       name,
                       "CAA lookup of " + name + " on " + via + " failed: " + res.rcode +
                           (res.error.empty() || res.error == "rcode " + res.rcode
                                ? ""
                                : " (" + res.error + ")")});
          return;
        }
        auto records =
            res.success ? RecordsOfType(res.response, name, 257) : std::vector<DnsRecord>{};
        if (!records.empty()) {
          cb(CaaLookup{std::move(records), name, ""});
          return;
        }
        std::string parent = ParentDomain(name);
        if (parent.empty()) {
          cb(CaaLookup{});
        } else {
          ClimbCaa(r, parent, cb);
        }
      });
}

void DnsScheduler::ProbeConfigured(Round& r) {
  for (const auto& q : config_.queries) {
    std::string name = NormalizeDnsName(q.name);
    if (name.empty() || !shard_.Owns(name)) continue;
    std::vector<int> types;
    for (const auto& t : q.types) {
      auto parsed = ParseDnsType(t);
      if (!parsed) {
        logger_.Warn("skipping query type", {{"name", name}, {"error", parsed.error().message}});
        continue;
      }
      types.push_back(static_cast<int>(*parsed));
    }
    auto record = [&r, name](const std::string& label, const std::string& address, int type) {
      return [&r, name, label, address, type](const DnsQueryResult& res) {
        DnsProbeResult p;
        p.resolver = label;
        p.address = address;
        p.name = name;
        p.type = DnsTypeName(static_cast<uint16_t>(type));
        p.success = res.success;
        p.rcode = res.rcode;
        p.error = res.error;
        p.duration_seconds = res.duration_seconds;
        p.answers = res.answers;
        p.min_ttl = res.min_ttl;
        p.answer_count = res.answer_count;
        p.last_probe = r.now;
        r.dns[label + "|" + name + "|" + p.type] = std::move(p);
      };
    };
    for (const auto& resolver : config_.resolvers) {
      for (int type : types) Ask(r, resolver, name, type, true, record(resolver, resolver, type));
    }
    if (config_.authoritative && !types.empty()) {
      FindAuthServers(r, name, 0, [this, &r, name, types, record](std::vector<AuthServer> servers) {
        for (const auto& s : servers) {
          for (int type : types)
            Ask(r, s.address, name, type, false, record(s.label, s.address, type));
        }
      });
    }
  }
}

void DnsScheduler::ProbeChallenges(Round& r) {
  for (const auto& ch : r.challenges) {
    std::string id = ch.ns + "/" + ch.name;
    r.challenges_seen.insert(id);
    auto [it, fresh] = presented_since_.try_emplace(id, ch.created > 0 ? ch.created : r.now);
    UnixSeconds since = it->second;
    std::string base = "_acme-challenge." + NormalizeDnsName(StripWildcard(ch.dns_name));
    FollowCname(r, base, 0, [this, &r, ch, id, since](std::string final_name) {
      auto record = [&r, ch, id, since, final_name](const std::string& label) {
        return [&r, ch, id, since, final_name, label](const DnsQueryResult& res) {
          DnsChallengeResult c;
          c.ns = ch.ns;
          c.challenge = ch.name;
          c.domain = ch.dns_name;
          c.resolver = label;
          c.query_name = final_name;
          c.rcode = res.rcode;
          c.error = res.error;
          c.values = res.answers;
          if (c.values.size() > kMaxTxtValues) c.values.resize(kMaxTxtValues);
          c.propagated = res.success && std::find(res.answers.begin(), res.answers.end(), ch.key) !=
                                            res.answers.end();
          c.last_probe = r.now;
          c.presented_since = since;
          r.challenge_results[id + "|" + label] = std::move(c);
        };
      };
      for (const auto& resolver : config_.resolvers) {
        Ask(r, resolver, final_name, static_cast<int>(DnsType::kTxt), true, record(resolver));
      }
      if (config_.authoritative) {
        FindAuthServers(r, final_name, 0,
                        [this, &r, final_name, record](std::vector<AuthServer> s) {
                          for (const auto& srv : s) {
                            Ask(r, srv.address, final_name, static_cast<int>(DnsType::kTxt), false,
                                record(srv.label));
                          }
                        });
      }
    });
  }
}

void DnsScheduler::ProbeCaa(Round& r) {
  for (const auto& c : r.certs) {
    std::set<std::string> names(c.dns_names.begin(), c.dns_names.end());
    for (const auto& dns_name : names) {
      bool wildcard = dns_name.rfind("*.", 0) == 0;
      std::string base = NormalizeDnsName(StripWildcard(dns_name));
      if (base.empty()) continue;
      ClimbCaa(r, base, [&r, c, dns_name, wildcard](const CaaLookup& l) {
        CaaResult res;
        res.ns = c.ns;
        res.certificate = c.name;
        res.domain = dns_name;
        res.issuer = c.issuer;
        res.ca_domain = c.ca_domain;
        res.record_domain = l.record_domain;
        res.wildcard = wildcard;
        res.last_probe = r.now;
        for (const auto& rr : l.records) res.records.push_back(rr.data);
        if (!l.error.empty()) {
          res.allowed = false;
          res.reason = l.error;
        } else {
          auto d = EvaluateCaa(l.records, c.ca_domain, wildcard);
          res.allowed = d.allowed;
          res.reason = d.reason;
        }
        r.caa[c.ns + "/" + c.name + "|" + dns_name] = std::move(res);
      });
    }
  }
}

void DnsScheduler::Commit(Round& r) {
  UnixSeconds now = static_cast<UnixSeconds>(clock_.NowSeconds());
  // Answer sets per name|type over every resolver that answered NOERROR or NXDOMAIN (rcode
  // included, so NXDOMAIN against data is a disagreement).
  std::map<std::string, std::set<std::string>> opinions;
  std::map<std::string, std::pair<std::string, std::string>> groups;
  for (const auto& [key, p] : r.dns) {
    std::string g = p.name + "|" + p.type;
    groups[g] = {p.name, p.type};
    // Failures (timeouts, SERVFAIL, ...) are not opinions about the data.
    if (p.rcode != "NOERROR" && p.rcode != "NXDOMAIN") continue;
    opinions[g].insert(p.rcode + " " + Join(p.answers, ","));
  }
  int inconsistent = 0;
  store_.Update([&](StateData& d) {
    std::map<std::string, DnsConsistency> cons;
    for (const auto& [g, nt] : groups) {
      DnsConsistency c;
      c.name = nt.first;
      c.type = nt.second;
      c.consistent = opinions[g].size() <= 1;
      if (!c.consistent) {
        ++inconsistent;
        auto old = d.dns_consistency.find(g);
        c.inconsistent_since = (old != d.dns_consistency.end() && !old->second.consistent &&
                                old->second.inconsistent_since > 0)
                                   ? old->second.inconsistent_since
                                   : now;
      }
      cons[g] = std::move(c);
    }
    d.dns = std::move(r.dns);
    d.dns_consistency = std::move(cons);
    d.dns_challenges = std::move(r.challenge_results);
    d.caa = std::move(r.caa);
    return 0;
  });
  std::string error;
  bool up = true;
  if (r.queries > 0 && r.unanswered == r.queries) {
    up = false;
    error = "no resolver answered any of " + std::to_string(r.queries) + " queries";
  }
  store_.SetSource("dns_probes", up, true, now, error);
  for (auto it = presented_since_.begin(); it != presented_since_.end();) {
    it = r.challenges_seen.count(it->first) ? std::next(it) : presented_since_.erase(it);
  }
  logger_.Debug("round done", {{"queries", std::to_string(r.queries)},
                               {"unanswered", std::to_string(r.unanswered)},
                               {"inconsistent", std::to_string(inconsistent)}});
  client_->Retain(std::vector<std::string>(r.addresses.begin(), r.addresses.end()));
  ++rounds_;
  auto next = r.started + config_.interval;
  round_.reset();  // `r` is gone from here on
  if (stopped_) return;
  next_timer_ = loop_.AddTimer(std::max(next, EventLoop::Clock::now()), [this] { StartRound(); });
}

void ForgetDnsProbeState(StateData& d) {
  d.dns.clear();
  d.dns_consistency.clear();
  d.dns_challenges.clear();
  d.caa.clear();
  d.sources.erase("dns_probes");
}

}  // namespace certwatch
