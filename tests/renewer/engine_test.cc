// The engine over a fake Actuator: actions fire on their trigger, dry-run writes nothing, the
// budget and cooldown stop a storm, stale or unsynced state stops everything, followers stay
// silent, and every action is evented and counted.
#include "renewer/engine.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "tests/renewer/renewer_test_support.h"

namespace certwatch::renewer {
namespace {

using namespace testing;  // NOLINT(build/namespaces)

struct Harness {
  RenewerConfig config;
  FakeClock clock{kNow};
  FakeActuator actuator;
  std::ostringstream log_out;
  Logger log{log_out, LogLevel::kDebug};
  std::unique_ptr<RenewerMetrics> metrics;
  std::unique_ptr<Engine> engine;

  void Start(bool dry_run, const std::string& labels = "") {
    metrics = std::make_unique<RenewerMetrics>(dry_run);
    engine = std::make_unique<Engine>(config, Selector::Parse(config.namespaces, labels).value(),
                                      dry_run, clock, actuator, *metrics, log);
  }
};

Snapshot Storm(int n) {
  std::vector<CertificateState> certs;
  for (int i = 0; i < n; ++i) certs.push_back(OverdueCert("default", "c" + std::to_string(i)));
  return MakeSnapshot(std::move(certs));
}

TEST(Engine, ReissuesOverdueAndEventsAndCounts) {
  Harness h;
  h.Start(false);
  Snapshot snap = MakeSnapshot({OverdueCert("default", "web"), HealthyCert("default", "ok")});
  CycleStats st = h.engine->RunCycle(snap, true);
  EXPECT_EQ(st.executed, 1);
  ASSERT_EQ(h.actuator.executed.size(), 1u);
  EXPECT_EQ(h.actuator.executed[0].kind, ActionKind::kReissue);
  EXPECT_EQ(h.actuator.executed[0].target.Key(), "default/web");
  ASSERT_EQ(h.actuator.events.size(), 1u);
  EXPECT_EQ(h.actuator.events[0].reason, "Reissue");
  EXPECT_EQ(h.actuator.events[0].type, "Normal");
  EXPECT_EQ(h.actuator.events[0].on.kind, "Certificate");
  EXPECT_EQ(h.actuator.events[0].action, "reissue");
  EXPECT_FALSE(h.actuator.events[0].certificate.empty());
  EXPECT_EQ(h.metrics->ActionCount("reissue", "success", false), 1);
  EXPECT_NE(h.log_out.str().find("action=Reissue"), std::string::npos);
  EXPECT_EQ(h.engine->BudgetRemaining(), 19);
}

TEST(Engine, FailedActionIsCountedAndWarned) {
  Harness h;
  h.actuator.fail = true;
  h.Start(false);
  CycleStats st = h.engine->RunCycle(MakeSnapshot({OverdueCert("default", "web")}), true);
  EXPECT_EQ(st.failed, 1);
  EXPECT_EQ(h.metrics->ActionCount("reissue", "error", false), 1);
  ASSERT_EQ(h.actuator.events.size(), 1u);
  EXPECT_EQ(h.actuator.events[0].type, "Warning");
  EXPECT_NE(h.actuator.events[0].message.find("injected failure"), std::string::npos);
}

TEST(Engine, DryRunWritesNothingButCounts) {
  Harness h;
  h.Start(true);
  CycleStats st = h.engine->RunCycle(MakeSnapshot({OverdueCert("default", "web")}), true);
  EXPECT_EQ(st.dry_run, 1);
  EXPECT_TRUE(h.actuator.executed.empty());
  EXPECT_TRUE(h.actuator.events.empty());
  EXPECT_EQ(h.metrics->ActionCount("reissue", "dry_run", true), 1);
  EXPECT_NE(h.log_out.str().find("dry run: would act"), std::string::npos);
}

TEST(Engine, BudgetAndCooldownStopAStorm) {
  Harness h;
  h.Start(false);
  Snapshot snap = Storm(100);
  CycleStats st = h.engine->RunCycle(snap, true);
  EXPECT_EQ(st.executed, 20);
  EXPECT_EQ(st.blocked["BudgetExhausted"], 80);
  EXPECT_EQ(h.actuator.executed.size(), 20u);
  EXPECT_EQ(h.metrics->ActionCount("reissue", "budget_exhausted", false), 80);

  // 30 minutes later: the 20 are cooling down, the 80 still find no budget.
  h.clock.Advance(std::chrono::minutes(30));
  snap.generated_at = kNow + 1800;
  st = h.engine->RunCycle(snap, true);
  EXPECT_EQ(st.executed, 0);
  EXPECT_EQ(st.blocked["Cooldown"], 20);
  EXPECT_EQ(st.blocked["BudgetExhausted"], 80);

  // An hour after the first burst the budget refills: 20 more, never the same certificate.
  h.clock.Advance(std::chrono::minutes(31));
  snap.generated_at = kNow + 3660;
  st = h.engine->RunCycle(snap, true);
  EXPECT_EQ(st.executed, 20);
  ASSERT_EQ(h.actuator.executed.size(), 40u);
  std::set<std::string> distinct;
  for (const auto& a : h.actuator.executed) distinct.insert(a.certificate);
  EXPECT_EQ(distinct.size(), 40u);
}

TEST(Engine, DryRunSpendsBudgetLikeARealRun) {
  Harness h;
  h.Start(true);
  CycleStats st = h.engine->RunCycle(Storm(30), true);
  EXPECT_EQ(st.dry_run, 20);
  EXPECT_EQ(st.blocked["BudgetExhausted"], 10);
  EXPECT_TRUE(h.actuator.executed.empty());
}

TEST(Engine, StaleOrUnsyncedStateStopsEverything) {
  for (bool synced : {false, true}) {
    Harness h;
    h.Start(false);
    Snapshot snap = Storm(5);
    snap.synced = synced;
    if (synced) snap.generated_at = kNow - 3600;  // older than state_max_age (5m)
    CycleStats st = h.engine->RunCycle(snap, true);
    EXPECT_EQ(st.executed, 0);
    EXPECT_TRUE(h.actuator.executed.empty());
    EXPECT_EQ(st.blocked[synced ? "StateStale" : "StateNotSynced"], 5);
  }
}

TEST(Engine, FollowerActsNeverAndCountsNothing) {
  Harness h;
  h.Start(false);
  CycleStats st = h.engine->RunCycle(Storm(3), false);
  EXPECT_TRUE(h.actuator.executed.empty());
  EXPECT_EQ(st.blocked["NotLeader"], 3);
  EXPECT_EQ(h.metrics->ActionCount("reissue", "not_leader", false), 0);
}

TEST(Engine, SelectorLimitsScope) {
  Harness h;
  h.config.namespaces = {"prod"};
  h.Start(false);
  auto a = OverdueCert("prod", "a");
  auto b = OverdueCert("default", "b");
  auto c = OverdueCert("prod", "c");
  c.labels = {{"renew", "off"}};
  h.Start(false, "renew!=off");
  h.engine->RunCycle(MakeSnapshot({a, b, c}), true);
  ASSERT_EQ(h.actuator.executed.size(), 1u);
  EXPECT_EQ(h.actuator.executed[0].certificate, "prod/a");
}

TEST(Engine, RateLimitedCertificateIsNotReissuedButSwitched) {
  Harness h;
  FallbackIssuerConfig f;
  f.from = IssuerRefConfig{"letsencrypt-prod", "ClusterIssuer", "cert-manager.io"};
  f.to = IssuerRefConfig{"zerossl-prod", "ClusterIssuer", "cert-manager.io"};
  h.config.fallback_issuers = {f};
  h.Start(false);
  auto cert = OverdueCert("default", "web");
  cert.acme_rate_limited = true;
  cert.failed_issuance_attempts = 3;
  cert.last_failure_time = kNow - 60;
  h.engine->RunCycle(MakeSnapshot({cert}), true);
  ASSERT_EQ(h.actuator.executed.size(), 1u);
  EXPECT_EQ(h.actuator.executed[0].kind, ActionKind::kSwitchIssuer);
  ASSERT_EQ(h.actuator.events.size(), 1u);
  EXPECT_EQ(h.actuator.events[0].reason, "SwitchIssuer");

  // Without a fallback the same certificate is left alone (rate limit, then backoff).
  Harness g;
  g.Start(false);
  CycleStats st = g.engine->RunCycle(MakeSnapshot({cert}), true);
  EXPECT_TRUE(g.actuator.executed.empty());
  EXPECT_EQ(st.blocked["RateLimited"], 1);
}

TEST(Engine, MetricsText) {
  Harness h;
  h.Start(false);
  h.engine->RunCycle(MakeSnapshot({OverdueCert("default", "web")}), true);
  h.metrics->SetLeader(true);
  std::string text = h.metrics->Render();
  EXPECT_NE(text.find("# TYPE certwatch_renewer_actions_total counter"), std::string::npos);
  EXPECT_NE(text.find("certwatch_renewer_actions_total{action=\"reissue\",dry_run=\"false\",result="
                      "\"success\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("certwatch_renewer_budget_remaining 19"), std::string::npos) << text;
  EXPECT_NE(text.find("certwatch_renewer_leader 1"), std::string::npos);
  EXPECT_NE(text.find("certwatch_renewer_state_age_seconds 5"), std::string::npos);
}

}  // namespace
}  // namespace certwatch::renewer
