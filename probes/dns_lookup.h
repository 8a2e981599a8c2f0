// The lookups DNS checks are made of, over one DnsClient: asking a resolver, finding a name's
// authoritative servers (NS, climbing to the zone apex, then their A records), following a
// CNAME chain, climbing to the closest CAA RRset. Identical questions within one DnsLookup
// share one query and its answer, so a round's CAA climbs meet at their common parents once.
//
// The exporter's DNS source makes one per round; `probe dns` and `status certificate` make one
// per command. Loop thread only. A lookup that is destroyed calls none of its callbacks.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "probes/dns.h"

namespace certwatch {

struct AuthServer {
  std::string label;    // "auth:<ns host>"
  std::string address;  // IP:port
};

// The closest non-empty CAA RRset above a name (RFC 8659 section 3), or why there is none.
struct CaaLookup {
  std::vector<DnsRecord> records;
  std::string record_domain;  // where the RRset was found; "" when none was
  std::string error;          // a lookup that failed: a CA must refuse then
};

// One step of the CAA climb, decided from the answer for `name`: the RRset found, a failure,
// or the parent to ask next ("" at the top: no RRset anywhere).
struct CaaStep {
  bool done = false;
  CaaLookup lookup;
  std::string next;
};
CaaStep NextCaaStep(const std::string& name, const std::string& via, const DnsQueryResult& res);

class DnsLookup : public std::enable_shared_from_this<DnsLookup> {
 public:
  using Answer = std::function<void(const DnsQueryResult&)>;

  // `resolvers.front()` is asked for NS, A, CNAME and CAA; authoritative servers are asked on
  // `authoritative_port`.
  DnsLookup(DnsClient& client, std::vector<std::string> resolvers, int authoritative_port);

  const std::vector<std::string>& resolvers() const { return resolvers_; }

  void Ask(const std::string& server, const std::string& name, DnsType type, bool rd, Answer cb);
  void FindAuthServers(const std::string& name, std::function<void(std::vector<AuthServer>)> cb);
  void FollowCname(const std::string& name, std::function<void(std::string)> cb);
  void ClimbCaa(const std::string& name, std::function<void(const CaaLookup&)> cb);

  int queries() const { return queries_; }
  int unanswered() const { return unanswered_; }
  // Every server asked (for DnsClient::Retain).
  const std::set<std::string>& servers() const { return servers_; }

 private:
  struct Cached {
    bool done = false;
    DnsQueryResult result;
    std::vector<Answer> waiters;
  };
  void FindAuthServersAt(const std::string& name, int depth,
                         std::function<void(std::vector<AuthServer>)> cb);
  void FollowCnameFrom(const std::string& name, int hops, std::function<void(std::string)> cb);

  DnsClient& client_;
  std::vector<std::string> resolvers_;
  int authoritative_port_;
  std::map<std::string, Cached> cache_;  // node-based: references stay valid while it grows
  std::set<std::string> servers_;
  int queries_ = 0, unanswered_ = 0;
};

}  // namespace certwatch
