#include "probes/dns_lookup.h"

#include <algorithm>

#include "probes/caa.h"

namespace certwatch {
namespace {

constexpr int kMaxClimb = 16;      // labels climbed for NS before giving up
constexpr int kMaxCnameHops = 8;   // _acme-challenge delegation chain length
constexpr size_t kMaxNsHosts = 8;  // authoritative servers asked per zone

constexpr uint16_t kTypeNs = 2, kTypeCname = 5, kTypeCaa = 257;

// Rcodes that mean "no DNS answer arrived", as opposed to an answer that says something.
bool NoAnswer(const std::string& rcode) {
  return rcode == "TIMEOUT" || rcode == "ERROR" || rcode == "MALFORMED" || rcode == "CONNREFUSED";
}

}  // namespace

CaaStep NextCaaStep(const std::string& name, const std::string& via, const DnsQueryResult& res) {
  CaaStep step;
  // RFC 8659 section 3: a lookup failure is not "no records": a CA must refuse.
  if (!res.success && res.rcode != "NXDOMAIN") {
    step.done = true;
    step.lookup.record_domain = name;
    step.lookup.error =
        "CAA lookup of " + name + " on " + via + " failed: " + res.rcode +
        (res.error.empty() || res.error == "rcode " + res.rcode ? "" : " (" + res.error + ")");
    return step;
  }
  auto records =
      res.success ? RecordsOfType(res.response, name, kTypeCaa) : std::vector<DnsRecord>{};
  if (!records.empty()) {
    step.done = true;
    step.lookup.records = std::move(records);
    step.lookup.record_domain = name;
    return step;
  }
  step.next = ParentDomain(name);
  step.done = step.next.empty();
  return step;
}

DnsLookup::DnsLookup(DnsClient& client, std::vector<std::string> resolvers, int authoritative_port)
    : client_(client), resolvers_(std::move(resolvers)), authoritative_port_(authoritative_port) {}

void DnsLookup::Ask(const std::string& server, const std::string& name, DnsType type, bool rd,
                    Answer cb) {
  std::string key =
      server + "|" + name + "|" + std::to_string(static_cast<int>(type)) + (rd ? "|rd" : "|nord");
  auto& entry = cache_[key];
  if (entry.done) {
    cb(entry.result);
    return;
  }
  entry.waiters.push_back(std::move(cb));
  if (entry.waiters.size() > 1) return;  // the same question is already in flight
  servers_.insert(server);
  client_.Query(
      server, name, type,
      [weak = weak_from_this(), key](DnsQueryResult res) {
        auto self = weak.lock();  // held until every waiter has run
        if (!self) return;
        auto& e = self->cache_[key];
        ++self->queries_;
        if (NoAnswer(res.rcode)) ++self->unanswered_;
        e.done = true;
        e.result = std::move(res);
        auto waiters = std::move(e.waiters);
        e.waiters.clear();
        for (auto& w : waiters) w(e.result);
      },
      rd);
}

void DnsLookup::FindAuthServers(const std::string& name,
                                std::function<void(std::vector<AuthServer>)> cb) {
  FindAuthServersAt(name, 0, std::move(cb));
}

void DnsLookup::FindAuthServersAt(const std::string& name, int depth,
                                  std::function<void(std::vector<AuthServer>)> cb) {
  if (resolvers_.empty() || name.empty() || depth > kMaxClimb) {
    cb({});
    return;
  }
  const std::string via = resolvers_.front();
  Ask(via, name, DnsType::kNs, true, [this, name, depth, cb, via](const DnsQueryResult& res) {
    std::vector<std::string> hosts;
    if (res.success) hosts = AnswersOfType(res.response, name, kTypeNs);
    if (hosts.empty()) {
      // No NS here: the name is inside a zone; the apex is further up.
      std::string parent = ParentDomain(name);
      if ((res.success || res.rcode == "NXDOMAIN") && !parent.empty()) {
        FindAuthServersAt(parent, depth + 1, cb);
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
    std::string port = std::to_string(authoritative_port_);
    for (const auto& host : hosts) {
      Ask(via, host, DnsType::kA, true, [acc, host, cb, port](const DnsQueryResult& a) {
        if (a.success && !a.answers.empty()) {
          acc->servers.push_back({"auth:" + host, a.answers.front() + ":" + port});
        }
        if (--acc->left == 0) {
          std::sort(acc->servers.begin(), acc->servers.end(),
                    [](const AuthServer& x, const AuthServer& y) { return x.label < y.label; });
          cb(acc->servers);
        }
      });
    }
  });
}

void DnsLookup::FollowCname(const std::string& name, std::function<void(std::string)> cb) {
  FollowCnameFrom(name, 0, std::move(cb));
}

void DnsLookup::FollowCnameFrom(const std::string& name, int hops,
                                std::function<void(std::string)> cb) {
  if (resolvers_.empty() || hops >= kMaxCnameHops) {
    cb(name);
    return;
  }
  Ask(resolvers_.front(), name, DnsType::kCname, true,
      [this, name, hops, cb](const DnsQueryResult& res) {
        std::vector<std::string> targets;
        if (res.success) targets = AnswersOfType(res.response, name, kTypeCname);
        if (targets.empty() || targets.front() == name) {
          cb(name);
        } else {
          FollowCnameFrom(targets.front(), hops + 1, cb);
        }
      });
}

void DnsLookup::ClimbCaa(const std::string& name, std::function<void(const CaaLookup&)> cb) {
  if (resolvers_.empty()) {
    cb(CaaLookup{{}, "", "no resolver configured"});
    return;
  }
  const std::string via = resolvers_.front();
  Ask(via, name, DnsType::kCaa, true, [this, name, cb, via](const DnsQueryResult& res) {
    CaaStep step = NextCaaStep(name, via, res);
    if (step.done) {
      cb(step.lookup);
    } else {
      ClimbCaa(step.next, cb);
    }
  });
}

}  // namespace certwatch
