#include "renewer/metrics.h"

#include "exposition/text_writer.h"
#include "renewer/action.h"

namespace certwatch::renewer {
namespace {

prometheus::ClientMetric::Label L(std::string name, std::string value) {
  prometheus::ClientMetric::Label l;
  l.name = std::move(name);
  l.value = std::move(value);
  return l;
}

prometheus::MetricFamily Gauge(std::string name, std::string help, double v) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric m;
  m.gauge.value = v;
  f.metric.push_back(std::move(m));
  return f;
}

constexpr ActionKind kAllActions[] = {
    ActionKind::kReissue,
    ActionKind::kDeleteChallenge,
    ActionKind::kDeleteCertificateRequest,
    ActionKind::kSwitchIssuer,
    ActionKind::kSwitchIngressIssuer,
    ActionKind::kSwitchIssuerBack,
    ActionKind::kSwitchIngressIssuerBack,
    ActionKind::kDeleteSecret,
    ActionKind::kRestartWorkload,
};

}  // namespace

RenewerMetrics::RenewerMetrics(bool dry_run) {
  for (ActionKind k : kAllActions) {
    std::string a(NameOf(k).snake);
    if (dry_run) {
      actions_[{a, "dry_run", true}] = 0;
    } else {
      actions_[{a, "success", false}] = 0;
      actions_[{a, "error", false}] = 0;
    }
  }
}

void RenewerMetrics::CountAction(std::string_view action, std::string_view result, bool dry_run) {
  std::lock_guard lock(mu_);
  actions_[{std::string(action), std::string(result), dry_run}] += 1;
}

void RenewerMetrics::SetBudgetRemaining(int n) {
  std::lock_guard lock(mu_);
  budget_remaining_ = n;
}

void RenewerMetrics::SetLeader(bool leader) {
  std::lock_guard lock(mu_);
  leader_ = leader ? 1 : 0;
}

void RenewerMetrics::SetLeaseError(std::string error) {
  std::lock_guard lock(mu_);
  lease_error_ = std::move(error);
}

std::string RenewerMetrics::LeaseError() const {
  std::lock_guard lock(mu_);
  return lease_error_;
}

void RenewerMetrics::SetStateAge(double seconds) {
  std::lock_guard lock(mu_);
  state_age_ = seconds;
}

double RenewerMetrics::ActionCount(std::string_view action, std::string_view result,
                                   bool dry_run) const {
  std::lock_guard lock(mu_);
  auto it = actions_.find({std::string(action), std::string(result), dry_run});
  return it == actions_.end() ? 0 : it->second;
}

std::vector<prometheus::MetricFamily> RenewerMetrics::Collect() const {
  std::lock_guard lock(mu_);
  std::vector<prometheus::MetricFamily> out;
  prometheus::MetricFamily actions;
  actions.name = "certwatch_renewer_actions_total";
  actions.help = "Remediation actions taken or attempted, by outcome.";
  actions.type = prometheus::MetricType::Counter;
  for (const auto& [key, v] : actions_) {
    prometheus::ClientMetric m;
    m.label = {L("action", std::get<0>(key)), L("dry_run", std::get<2>(key) ? "true" : "false"),
               L("result", std::get<1>(key))};
    m.counter.value = v;
    actions.metric.push_back(std::move(m));
  }
  out.push_back(std::move(actions));
  out.push_back(Gauge("certwatch_renewer_budget_remaining",
                      "Actions left in the current sliding hour.", budget_remaining_));
  out.push_back(
      Gauge("certwatch_renewer_leader", "1 while this replica holds the Lease.", leader_));
  if (state_age_) {
    out.push_back(Gauge("certwatch_renewer_state_age_seconds",
                        "Age of the last state read from the exporter.", *state_age_));
  }
  return out;
}

std::string RenewerMetrics::Render(ExpositionFormat format) const {
  return WriteText(Collect(), format);
}

}  // namespace certwatch::renewer
