// The guard chain: each guard alone on a table of cases, then the chain's order (first
// verdict wins) and cert-manager's backoff schedule.
#include "renewer/guards.h"

#include <gtest/gtest.h>

#include <memory>

#include "tests/renewer/renewer_test_support.h"

namespace certwatch::renewer {
namespace {

using namespace testing;  // NOLINT(build/namespaces)

struct Fixture {
  Snapshot snap = MakeSnapshot({OverdueCert("default", "web")});
  RenewerConfig config;
  Selector selector = Selector::Parse({}, "").value();
  std::unique_ptr<Budget> budget = std::make_unique<Budget>(20);
  Cooldowns cooldowns;
  bool dry_run = false;
  bool leader = true;
  TimePoint now = At(kNow);
  PlannedAction action;

  Fixture() {
    action.kind = ActionKind::kReissue;
    action.certificate = "default/web";
    action.target = CertificateRef("default", "web");
  }
  CertificateState& cert() { return snap.data.certificates.at("default/web"); }
  std::optional<Verdict> Run(Guard g) {
    GuardContext ctx{snap, now, config, dry_run, leader, selector, *budget, cooldowns};
    return g(ctx, cert(), action);
  }
  std::string Chain() {
    GuardContext ctx{snap, now, config, dry_run, leader, selector, *budget, cooldowns};
    auto v = Evaluate(NewActionGuardChain(), ctx, cert(), action);
    return v ? v->reason : "";
  }
};

TEST(Guards, StateSynced) {
  Fixture f;
  EXPECT_FALSE(f.Run(guards::StateSynced));
  f.snap.synced = false;
  auto v = f.Run(guards::StateSynced);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->reason, "StateNotSynced");
}

TEST(Guards, StateFresh) {
  struct C {
    UnixSeconds generated_at;
    bool ok;
  } cases[] = {{kNow - 5, true}, {kNow - 300, true}, {kNow - 301, false}, {0, false}};
  for (const C& c : cases) {
    Fixture f;
    f.snap.generated_at = c.generated_at;
    auto v = f.Run(guards::StateFresh);
    EXPECT_EQ(!v, c.ok) << c.generated_at;
    if (v) {
      EXPECT_EQ(v->reason, "StateStale");
    }
  }
}

TEST(Guards, Leader) {
  Fixture f;
  EXPECT_FALSE(f.Run(guards::Leader));
  f.leader = false;
  EXPECT_EQ(f.Run(guards::Leader)->reason, "NotLeader");
}

TEST(Guards, Selected) {
  Fixture f;
  f.cert().labels = {{"team", "web"}};
  EXPECT_FALSE(f.Run(guards::Selected));
  f.selector = Selector::Parse({"prod"}, "").value();
  EXPECT_EQ(f.Run(guards::Selected)->reason, "NotSelected");
  f.selector = Selector::Parse({"default"}, "team=db").value();
  EXPECT_EQ(f.Run(guards::Selected)->reason, "NotSelected");
  f.selector = Selector::Parse({"default"}, "team=web").value();
  EXPECT_FALSE(f.Run(guards::Selected));
}

TEST(Guards, RateLimited) {
  Fixture f;
  EXPECT_FALSE(f.Run(guards::NotRateLimited));
  f.cert().acme_rate_limited = true;
  EXPECT_EQ(f.Run(guards::NotRateLimited)->reason, "RateLimited");
  f.cert().acme_rate_limited = false;
  f.cert().failure = FailureReason::kRateLimited;
  EXPECT_EQ(f.Run(guards::NotRateLimited)->reason, "RateLimited");
  f.action.exempt_rate_limit = true;  // an issuer switch
  EXPECT_FALSE(f.Run(guards::NotRateLimited));
}

TEST(Guards, ChallengePropagating) {
  Fixture f;
  EXPECT_FALSE(f.Run(guards::NoChallengePropagating));
  f.cert().failure = FailureReason::kDnsNotPropagated;
  EXPECT_EQ(f.Run(guards::NoChallengePropagating)->reason, "ChallengePropagating");
  f.action.exempt_propagation = true;
  EXPECT_FALSE(f.Run(guards::NoChallengePropagating));

  // From the challenge chain itself: presented DNS-01, one resolver of two has the record.
  Fixture g;
  CertificateRequestState cr;
  cr.ns = "default";
  cr.name = "web-3";
  cr.certificate = "web";
  cr.revision = 3;  // the current request: the certificate is at revision 2
  g.snap.data.requests["default/web-3"] = cr;
  OrderState order;
  order.ns = "default";
  order.name = "o";
  order.request = "web-3";
  g.snap.data.orders["default/o"] = order;
  ChallengeState ch;
  ch.ns = "default";
  ch.name = "c";
  ch.order = "o";
  ch.type = "DNS-01";
  ch.presented = true;
  ch.state = "pending";
  g.snap.data.challenges["default/c"] = ch;
  g.snap.data.dns_challenges["default/c|a"].propagated = true;
  g.snap.data.dns_challenges["default/c|b"].propagated = false;
  EXPECT_EQ(g.Run(guards::NoChallengePropagating)->reason, "ChallengePropagating");
  g.snap.data.dns_challenges["default/c|b"].propagated = true;
  EXPECT_FALSE(g.Run(guards::NoChallengePropagating));
}

TEST(Guards, Backoff) {
  Fixture f;
  f.cert().failed_issuance_attempts = 2;
  f.cert().last_failure_time = kNow - kHour;  // retry at kNow + 1h
  EXPECT_EQ(f.Run(guards::NoBackoff)->reason, "CertManagerBackoff");
  f.now = At(kNow + kHour);
  EXPECT_FALSE(f.Run(guards::NoBackoff));
  f.now = At(kNow);
  f.action.exempt_backoff = true;
  EXPECT_FALSE(f.Run(guards::NoBackoff));
}

// A failure recorded without failedIssuanceAttempts (or with 0): cert-manager still waits its
// initial hour, so the renewer must too. It used to act at once here.
TEST(Guards, BackoffWithoutAnAttemptCount) {
  Fixture f;
  f.cert().failed_issuance_attempts = 0;
  f.cert().last_failure_time = kNow - 30 * 60;  // retry at kNow + 30m
  auto v = f.Run(guards::NoBackoff);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->reason, "CertManagerBackoff");
  f.now = At(kNow + 30 * 60);
  EXPECT_FALSE(f.Run(guards::NoBackoff));
}

TEST(Guards, Cooldown) {
  Fixture f;
  EXPECT_FALSE(f.Run(guards::CooledDown));
  f.cooldowns.Record("default/web", At(kNow - 5 * kHour));
  EXPECT_EQ(f.Run(guards::CooledDown)->reason, "Cooldown");  // 6h default
  f.now = At(kNow + kHour);
  EXPECT_FALSE(f.Run(guards::CooledDown));
  // A record the exporter saw (previous leader) counts too.
  Fixture g;
  g.snap.data.renewer_last_action["default/web"].at = kNow - 60;
  EXPECT_EQ(g.Run(guards::CooledDown)->reason, "Cooldown");
}

TEST(Guards, Budget) {
  Fixture f;
  f.config.max_actions_per_hour = 2;
  f.budget = std::make_unique<Budget>(2);
  f.budget->Spend(At(kNow - 3000));
  EXPECT_FALSE(f.Run(guards::WithinBudget));
  f.budget->Spend(At(kNow - 10));
  EXPECT_EQ(f.Run(guards::WithinBudget)->reason, "BudgetExhausted");
  f.now = At(kNow - 3000 + 3600);  // the first spend leaves the sliding hour
  EXPECT_FALSE(f.Run(guards::WithinBudget));
}

TEST(Guards, DryRun) {
  Fixture f;
  EXPECT_FALSE(f.Run(guards::NotDryRun));
  f.dry_run = true;
  EXPECT_EQ(f.Run(guards::NotDryRun)->reason, "DryRun");
}

TEST(GuardChain, FirstViolationWins) {
  Fixture f;
  EXPECT_EQ(f.Chain(), "");
  f.dry_run = true;
  EXPECT_EQ(f.Chain(), "DryRun");
  f.budget = std::make_unique<Budget>(0);
  EXPECT_EQ(f.Chain(), "BudgetExhausted");
  f.cooldowns.Record("default/web", At(kNow - 60));
  EXPECT_EQ(f.Chain(), "Cooldown");
  f.cert().failed_issuance_attempts = 1;
  f.cert().last_failure_time = kNow - 60;
  EXPECT_EQ(f.Chain(), "CertManagerBackoff");
  f.cert().failure = FailureReason::kDnsNotPropagated;
  EXPECT_EQ(f.Chain(), "ChallengePropagating");
  f.cert().acme_rate_limited = true;
  EXPECT_EQ(f.Chain(), "RateLimited");
  f.selector = Selector::Parse({"other"}, "").value();
  EXPECT_EQ(f.Chain(), "NotSelected");
  f.leader = false;
  EXPECT_EQ(f.Chain(), "NotLeader");
  f.snap.generated_at = kNow - 3600;
  EXPECT_EQ(f.Chain(), "StateStale");
  f.snap.synced = false;
  EXPECT_EQ(f.Chain(), "StateNotSynced");
}

TEST(GuardChain, SnakeCase) {
  EXPECT_EQ(SnakeCase("BudgetExhausted"), "budget_exhausted");
  EXPECT_EQ(SnakeCase("CertManagerBackoff"), "cert_manager_backoff");
  EXPECT_EQ(SnakeCase("DryRun"), "dry_run");
}

}  // namespace
}  // namespace certwatch::renewer
