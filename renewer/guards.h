// The guard chain every planned action passes before it is executed, in cert-manager's policy
// shape: each guard is a plain function (context, certificate, action) → optional verdict, a
// chain is an ordered list, and the first verdict wins. A verdict's reason is a CamelCase
// constant (log field, Event-style) whose snake_case form is the `result` label of
// certwatch_renewer_actions_total.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "renewer/action.h"
#include "renewer/limits.h"
#include "renewer/selector.h"
#include "renewer/snapshot.h"

namespace certwatch::renewer {

namespace reason {
inline constexpr std::string_view kStateNotSynced = "StateNotSynced";
inline constexpr std::string_view kStateStale = "StateStale";
inline constexpr std::string_view kNotLeader = "NotLeader";
inline constexpr std::string_view kNotSelected = "NotSelected";
inline constexpr std::string_view kRateLimited = "RateLimited";
inline constexpr std::string_view kChallengePropagating = "ChallengePropagating";
inline constexpr std::string_view kBackoff = "CertManagerBackoff";
inline constexpr std::string_view kCooldown = "Cooldown";
inline constexpr std::string_view kBudgetExhausted = "BudgetExhausted";
inline constexpr std::string_view kDryRun = "DryRun";
}  // namespace reason

// "BudgetExhausted" → "budget_exhausted".
std::string SnakeCase(std::string_view camel);

struct Verdict {
  std::string reason;   // one of reason::*
  std::string message;  // why, with the numbers that decided it
};

struct GuardContext {
  const Snapshot& snapshot;
  TimePoint now;
  const RenewerConfig& config;
  bool dry_run = true;
  bool leader = false;
  const Selector& selector;
  const Budget& budget;
  const Cooldowns& cooldowns;
};

using Guard = std::optional<Verdict> (*)(const GuardContext&, const CertificateState&,
                                         const PlannedAction&);
using GuardChain = std::vector<Guard>;

std::optional<Verdict> Evaluate(const GuardChain& chain, const GuardContext& ctx,
                                const CertificateState& cert, const PlannedAction& action);

// The chain, in order: synced, fresh, leader, selector, rate limit, challenge propagation,
// cert-manager backoff, cooldown, budget, dry-run. Dry-run is last so that a dry run reports
// exactly the actions a real run would take (and spends budget and cooldown like one).
GuardChain NewActionGuardChain();

// The individual guards, for tests and for composing other chains.
namespace guards {
std::optional<Verdict> StateSynced(const GuardContext&, const CertificateState&,
                                   const PlannedAction&);
std::optional<Verdict> StateFresh(const GuardContext&, const CertificateState&,
                                  const PlannedAction&);
std::optional<Verdict> Leader(const GuardContext&, const CertificateState&, const PlannedAction&);
std::optional<Verdict> Selected(const GuardContext&, const CertificateState&, const PlannedAction&);
std::optional<Verdict> NotRateLimited(const GuardContext&, const CertificateState&,
                                      const PlannedAction&);
std::optional<Verdict> NoChallengePropagating(const GuardContext&, const CertificateState&,
                                              const PlannedAction&);
std::optional<Verdict> NoBackoff(const GuardContext&, const CertificateState&,
                                 const PlannedAction&);
std::optional<Verdict> CooledDown(const GuardContext&, const CertificateState&,
                                  const PlannedAction&);
std::optional<Verdict> WithinBudget(const GuardContext&, const CertificateState&,
                                    const PlannedAction&);
std::optional<Verdict> NotDryRun(const GuardContext&, const CertificateState&,
                                 const PlannedAction&);
}  // namespace guards

}  // namespace certwatch::renewer
