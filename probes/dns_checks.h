// The DNS checks certwatch makes, each as a pure evaluation over answers plus the lookups that
// gather those answers:
//  - a configured question on every resolver and the name's authoritative servers, and whether
//    they agree;
//  - a presented DNS-01 Challenge: is its key at _acme-challenge.<domain> (after CNAME
//    delegation) on every resolver and authoritative server;
//  - CAA for a certificate name against its ACME issuer's CA domain (RFC 8659).
// The exporter's DNS source runs them every round; `probe dns` and `status certificate` call
// the same functions once, with no scheduler and no store.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "probes/dns_lookup.h"
#include "state/state.h"

namespace certwatch {

// --- Pure evaluations ---

DnsProbeResult ProbeResultOf(const std::string& label, const std::string& address,
                             const std::string& name, DnsType type, const DnsQueryResult& res,
                             UnixSeconds now);

// Whether the answers of one name and type agree across the resolvers that answered NOERROR
// or NXDOMAIN (rcode included, so NXDOMAIN against data is a disagreement; timeouts and
// SERVFAIL are not opinions). `previous` carries inconsistent_since over.
DnsConsistency ConsistencyOf(const std::string& name, const std::string& type,
                             const std::vector<const DnsProbeResult*>& results,
                             const DnsConsistency* previous, UnixSeconds now);

DnsChallengeResult ChallengeResultOf(const ChallengeState& challenge, const std::string& label,
                                     const std::string& query_name, const DnsQueryResult& res,
                                     UnixSeconds now, UnixSeconds presented_since);

// What CAA is checked for: one name of one Certificate, against its issuer's CA domain.
struct CaaSubject {
  std::string ns, certificate;
  IssuerRef issuer;
  std::string ca_domain;
  std::string dns_name;  // as in the Certificate ("*.example.com" for a wildcard)
};
CaaResult CaaResultOf(const CaaSubject& subject, const CaaLookup& lookup, UnixSeconds now);

// DNS-01 challenges are a DNS matter; other types are not.
bool IsDns01(std::string_view challenge_type);
// "_acme-challenge.<domain>" with a wildcard's "*." dropped.
std::string AcmeChallengeName(std::string_view domain);
// Where the CAA climb for a certificate name starts: the name without a wildcard's "*.",
// normalised; "" when nothing is left to look up.
std::string CaaLookupName(std::string_view dns_name);

// --- Checks: the lookups, then the evaluation ---

// A name's types on every resolver, then on its authoritative servers when asked; results
// in that order (resolvers as given, servers by name).
void CheckQuestion(DnsLookup& lookup, const std::string& name, const std::vector<DnsType>& types,
                   bool authoritative, UnixSeconds now,
                   std::function<void(std::vector<DnsProbeResult>)> done);

void CheckChallenge(DnsLookup& lookup, const ChallengeState& challenge, bool authoritative,
                    UnixSeconds now, UnixSeconds presented_since,
                    std::function<void(std::vector<DnsChallengeResult>)> done);

void CheckCaa(DnsLookup& lookup, const CaaSubject& subject, UnixSeconds now,
              std::function<void(CaaResult)> done);

}  // namespace certwatch
