// Collector "acme": ACME Orders and Challenges, rate-limit errors seen, and the rate-limit
// budget per registered domain.
#include <cstdint>
#include <map>
#include <string>

#include "exporter/collector.h"
#include "state/keys.h"

namespace certwatch {

namespace {
std::string_view Or(const std::string& s, std::string_view dflt) {
  return s.empty() ? dflt : std::string_view(s);
}
}  // namespace

void CollectAcme(const StateData& s, const CollectContext& /*ctx*/, MetricSink& sink) {
  {
    FamilyWriter w(sink, "certwatch_acme_rate_limit_errors_total",
                   "Distinct failed ACME Orders seen with a rate-limit error (429 / rateLimited).",
                   prometheus::MetricType::Counter);
    // Every ACME issuer's counter starts at 0 (client_golang's advice for known label sets):
    // increase() then sees the first error, and a fleet without errors draws 0, not nothing.
    std::map<std::string, uint64_t> errors = s.acme_rate_limit_errors;
    for (const auto& [key, issuer] : s.issuers) {
      if (issuer.acme_server.empty()) continue;
      errors.try_emplace(RateLimitErrorKey(IssuerRef{issuer.name, issuer.kind, ""}), 0);
    }
    for (const auto& [key, n] : errors) {
      auto [kind, name] = SplitRateLimitErrorKey(key);
      w.Add({{"issuer_name", name}, {"issuer_kind", kind}}, static_cast<double>(n));
    }
  }
  {
    FamilyWriter w(sink, "certwatch_acme_order_state",
                   "1 for the current state of an ACME Order (pending, ready, valid, invalid, "
                   "errored; unknown before the first status).");
    for (const auto& [key, o] : s.orders) {
      w.Add({{"namespace", o.ns},
             {"name", o.name},
             {"issuer_name", o.issuer.name},
             {"issuer_kind", o.issuer.kind},
             {"state", Or(o.state, "unknown")}},
            1);
    }
  }
  auto ch_labels = [](const ChallengeState& c) {
    return std::array<Label, 4>{
        {{"namespace", c.ns}, {"name", c.name}, {"domain", c.dns_name}, {"type", c.type}}};
  };
  {
    FamilyWriter w(sink, "certwatch_acme_challenge_state",
                   "1 for the current state of an ACME Challenge.");
    for (const auto& [key, c] : s.challenges) {
      auto l = ch_labels(c);
      std::array<Label, 5> labels{l[0], l[1], l[2], l[3], {"state", Or(c.state, "unknown")}};
      w.Add(std::span<const Label>(labels), 1);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_acme_challenge_presented",
                   "1 while the ACME Challenge's record or token is presented.");
    for (const auto& [key, c] : s.challenges) {
      auto l = ch_labels(c);
      w.Add(std::span<const Label>(l), c.presented ? 1 : 0);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_acme_challenge_created_timestamp_seconds",
                   "Creation time of the ACME Challenge, unix seconds.");
    for (const auto& [key, c] : s.challenges) {
      auto l = ch_labels(c);
      w.Add(std::span<const Label>(l), static_cast<double>(c.created));
    }
  }
  {
    FamilyWriter w(sink, "certwatch_acme_rate_limit_budget_issued",
                   "Certificates from ACME issuers with notBefore in the trailing 7 days, per "
                   "registered domain.");
    for (const auto& [d, b] : s.budgets) w.Add({{"registered_domain", d}}, b.issued_last_7d);
  }
  {
    FamilyWriter w(sink, "certwatch_acme_rate_limit_budget_due",
                   "Certificates from ACME issuers whose renewalTime falls within the next 7 "
                   "days (or has passed), per registered domain.");
    for (const auto& [d, b] : s.budgets) w.Add({{"registered_domain", d}}, b.renewals_next_7d);
  }
  {
    FamilyWriter w(sink, "certwatch_acme_rate_limit_budget_limit",
                   "The configured ACME limit of certificates per registered domain per week.");
    for (const auto& [d, b] : s.budgets) w.Add({{"registered_domain", d}}, b.limit);
  }
}

}  // namespace certwatch
