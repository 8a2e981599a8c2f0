// The renewer's own metrics (exporter/METRICS.md, "Renewer"), served on
// renewer.listen_address /metrics: certwatch_renewer_actions_total{action,result,dry_run},
// certwatch_renewer_budget_remaining, certwatch_renewer_leader,
// certwatch_renewer_state_age_seconds.
#pragma once

#include <prometheus/metric_family.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "exposition/format.h"

namespace certwatch::renewer {

// `result` values: success, error, dry_run (would have acted), or the snake_case reason of the
// guard that blocked the action (budget_exhausted, cooldown, rate_limited, ...).
class RenewerMetrics {
 public:
  // Pre-creates success/error series of every action so they exist before the first one.
  explicit RenewerMetrics(bool dry_run);

  void CountAction(std::string_view action, std::string_view result, bool dry_run);
  void SetBudgetRemaining(int n);
  void SetLeader(bool leader);
  void SetStateAge(double seconds);
  // Why the Lease cannot be contested ("" = it can): /readyz answers 503 with it.
  void SetLeaseError(std::string error);
  std::string LeaseError() const;

  double ActionCount(std::string_view action, std::string_view result, bool dry_run) const;
  std::vector<prometheus::MetricFamily> Collect() const;
  // Prometheus text format 0.0.4, or OpenMetrics 1.0.0 when the scraper negotiated it.
  std::string Render(ExpositionFormat format = ExpositionFormat::kText) const;

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, bool>, double> actions_;
  double budget_remaining_ = 0;
  double leader_ = 0;
  std::optional<double> state_age_;
  std::string lease_error_;
};

}  // namespace certwatch::renewer
