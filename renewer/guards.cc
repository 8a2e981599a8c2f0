#include "renewer/guards.h"

#include <algorithm>
#include <cctype>

#include "certmanager/backoff.h"
#include "common/duration.h"
#include "common/time.h"

namespace certwatch::renewer {
namespace {

std::string Seconds(std::chrono::system_clock::duration d) {
  return FormatDuration(std::chrono::duration_cast<Duration>(d));
}

std::string Iso(TimePoint t) { return FormatRfc3339(ToUnix(t)); }

}  // namespace

std::string SnakeCase(std::string_view camel) {
  std::string out;
  for (size_t i = 0; i < camel.size(); ++i) {
    char c = camel[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0) out.push_back('_');
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<Verdict> Evaluate(const GuardChain& chain, const GuardContext& ctx,
                                const CertificateState& cert, const PlannedAction& action) {
  for (Guard g : chain) {
    if (auto v = g(ctx, cert, action)) return v;
  }
  return std::nullopt;
}

GuardChain NewActionGuardChain() {
  return {
      // The exporter has listed every watched kind at least once: without that, "no Challenge"
      // may only mean "not listed yet".
      guards::StateSynced,
      // A state older than renewer.state_max_age may describe problems already fixed.
      guards::StateFresh,
      // Only the Lease holder writes.
      guards::Leader,
      // renewer.namespaces and renewer.label_selector.
      guards::Selected,
      // Another request to a rate-limited ACME account only extends the limit.
      guards::NotRateLimited,
      // Re-issuing while a DNS-01 record is still spreading throws that work away.
      guards::NoChallengePropagating,
      // cert-manager will retry by itself at lastFailureTime + backoff.
      guards::NoBackoff,
      // renewer.cooldown per certificate.
      guards::CooledDown,
      // renewer.max_actions_per_hour across all certificates.
      guards::WithinBudget,
      // Log and count, write nothing.
      guards::NotDryRun,
  };
}

namespace guards {

std::optional<Verdict> StateSynced(const GuardContext& ctx, const CertificateState&,
                                   const PlannedAction&) {
  if (ctx.snapshot.synced) return std::nullopt;
  return Verdict{std::string(reason::kStateNotSynced),
                 "the exporter's state is not synced with the Kubernetes API"};
}

std::optional<Verdict> StateFresh(const GuardContext& ctx, const CertificateState&,
                                  const PlannedAction&) {
  TimePoint generated{std::chrono::seconds(ctx.snapshot.generated_at)};
  auto age = ctx.now - generated;
  if (ctx.snapshot.generated_at > 0 && age <= ctx.config.state_max_age) return std::nullopt;
  return Verdict{std::string(reason::kStateStale),
                 ctx.snapshot.generated_at <= 0
                     ? std::string("the state has no generation time")
                     : "the state is " + Seconds(age) + " old (renewer.state_max_age " +
                           FormatDuration(ctx.config.state_max_age) + ")"};
}

std::optional<Verdict> Leader(const GuardContext& ctx, const CertificateState&,
                              const PlannedAction&) {
  if (ctx.leader) return std::nullopt;
  return Verdict{std::string(reason::kNotLeader), "this replica does not hold the Lease"};
}

std::optional<Verdict> Selected(const GuardContext& ctx, const CertificateState& cert,
                                const PlannedAction&) {
  if (ctx.selector.Matches(cert.ns, cert.labels)) return std::nullopt;
  return Verdict{std::string(reason::kNotSelected),
                 "outside the renewer's selector (" + ctx.selector.Describe() + ")"};
}

std::optional<Verdict> NotRateLimited(const GuardContext&, const CertificateState& cert,
                                      const PlannedAction& action) {
  if (action.exempt_rate_limit) return std::nullopt;
  if (!cert.acme_rate_limited && cert.failure != FailureReason::kRateLimited) return std::nullopt;
  return Verdict{std::string(reason::kRateLimited),
                 "the certificate's issuer is rate-limited by the ACME server"};
}

std::optional<Verdict> NoChallengePropagating(const GuardContext& ctx, const CertificateState& cert,
                                              const PlannedAction& action) {
  if (action.exempt_propagation) return std::nullopt;
  if (!ChallengePropagating(ctx.snapshot.data, cert)) return std::nullopt;
  return Verdict{std::string(reason::kChallengePropagating),
                 "a DNS-01 challenge record is still propagating"};
}

std::optional<Verdict> NoBackoff(const GuardContext& ctx, const CertificateState& cert,
                                 const PlannedAction& action) {
  if (action.exempt_backoff) return std::nullopt;
  auto backoff = certmanager::ComputeIssuanceBackoff(cert, ToUnix(ctx.now));
  if (!backoff || !backoff->active) return std::nullopt;
  return Verdict{std::string(reason::kBackoff),
                 "cert-manager backs off after " + std::to_string(cert.failed_issuance_attempts) +
                     " failed attempt(s) and retries at " +
                     Iso(TimePoint{std::chrono::seconds(backoff->next_retry)})};
}

std::optional<Verdict> CooledDown(const GuardContext& ctx, const CertificateState& cert,
                                  const PlannedAction& action) {
  auto last = ctx.cooldowns.Last(
      action.certificate.empty() ? ObjectKey(cert.ns, cert.name) : action.certificate,
      ctx.snapshot.data);
  if (!last || ctx.now - *last >= ctx.config.cooldown) return std::nullopt;
  return Verdict{std::string(reason::kCooldown), "last action on this certificate at " +
                                                     Iso(*last) + " (renewer.cooldown " +
                                                     FormatDuration(ctx.config.cooldown) + ")"};
}

std::optional<Verdict> WithinBudget(const GuardContext& ctx, const CertificateState&,
                                    const PlannedAction&) {
  if (ctx.budget.Remaining(ctx.now) > 0) return std::nullopt;
  return Verdict{std::string(reason::kBudgetExhausted),
                 "renewer.max_actions_per_hour (" +
                     std::to_string(ctx.config.max_actions_per_hour) + ") reached"};
}

std::optional<Verdict> NotDryRun(const GuardContext& ctx, const CertificateState&,
                                 const PlannedAction&) {
  if (!ctx.dry_run) return std::nullopt;
  return Verdict{std::string(reason::kDryRun), "dry run: logged and counted, nothing written"};
}

}  // namespace guards
}  // namespace certwatch::renewer
