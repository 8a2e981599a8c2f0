// Collector "dns_probes": the DNS prober's results (configured queries on every resolver and
// authoritative server, agreement across them, DNS-01 challenge propagation, CAA).
#include <map>
#include <string>

#include "exporter/collector.h"
#include "state/keys.h"

namespace certwatch {

void CollectDnsProbes(const StateData& state, const CollectContext& ctx, MetricSink& sink) {
  {
    FamilyWriter w(sink, "certwatch_dns_probe_success",
                   "1 if the resolver answered NOERROR in time.");
    for (const auto& [k, p] : state.dns) {
      w.Add({{"resolver", p.resolver}, {"name", p.name}, {"type", p.type}}, p.success ? 1 : 0);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_dns_probe_rcode",
                   "1 for the current response code of the query (NOERROR, NXDOMAIN, SERVFAIL, "
                   "REFUSED, TIMEOUT, MALFORMED, ...).");
    for (const auto& [k, p] : state.dns) {
      w.Add({{"resolver", p.resolver}, {"name", p.name}, {"type", p.type}, {"rcode", p.rcode}}, 1);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_dns_probe_duration_seconds", "Query latency, seconds.");
    for (const auto& [k, p] : state.dns) {
      w.Add({{"resolver", p.resolver}, {"name", p.name}, {"type", p.type}}, p.duration_seconds);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_dns_answers", "Resource records in the answer section.");
    for (const auto& [k, p] : state.dns) {
      w.Add({{"resolver", p.resolver}, {"name", p.name}, {"type", p.type}}, p.answer_count);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_dns_answer_ttl_seconds",
                   "Lowest TTL in the answer section, seconds (0 when empty).");
    for (const auto& [k, p] : state.dns) {
      w.Add({{"resolver", p.resolver}, {"name", p.name}, {"type", p.type}}, p.min_ttl);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_dns_answers_consistent",
                   "1 if every resolver that answered returned the same rcode and answer set.");
    for (const auto& [k, c] : state.dns_consistency) {
      w.Add({{"name", c.name}, {"type", c.type}}, c.consistent ? 1 : 0);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_dns_inconsistent_seconds",
                   "How long the resolvers have disagreed, seconds (0 when they agree).");
    for (const auto& [k, c] : state.dns_consistency) {
      double v = (!c.consistent && c.inconsistent_since > 0)
                     ? ctx.now - static_cast<double>(c.inconsistent_since)
                     : 0;
      w.Add({{"name", c.name}, {"type", c.type}}, v < 0 ? 0 : v);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_dns_challenge_propagated",
                   "1 if the resolver returns the DNS-01 challenge's expected TXT key.");
    for (const auto& [k, c] : state.dns_challenges) {
      w.Add({{"namespace", c.ns},
             {"challenge", c.challenge},
             {"domain", c.domain},
             {"resolver", c.resolver}},
            c.propagated ? 1 : 0);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_dns_challenge_presented_seconds",
                   "Time since the DNS-01 challenge was presented, seconds.");
    std::map<std::string, const DnsChallengeResult*> once;  // one series per challenge
    for (const auto& [k, c] : state.dns_challenges) once.emplace(ObjectKey(c.ns, c.challenge), &c);
    for (const auto& [k, c] : once) {
      double v = c->presented_since > 0 ? ctx.now - static_cast<double>(c->presented_since) : 0;
      w.Add({{"namespace", c->ns}, {"challenge", c->challenge}, {"domain", c->domain}},
            v < 0 ? 0 : v);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_caa_issuance_allowed",
                   "1 if CAA (RFC 8659) allows the issuer's CA to issue for this name.");
    for (const auto& [k, c] : state.caa) {
      w.Add({{"namespace", c.ns},
             {"certificate", c.certificate},
             {"domain", c.domain},
             {"issuer_name", c.issuer.name},
             {"ca_domain", c.ca_domain}},
            c.allowed ? 1 : 0);
    }
  }
}

}  // namespace certwatch
