#include "rules/mixin_config.h"

namespace certwatch {
namespace {

double Seconds(Duration d) { return static_cast<double>(d.count()) / 1000.0; }

}  // namespace

nlohmann::json MixinConfig(const GeneratorConfig& config) {
  const AlertsConfig& a = config.alerts;
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [key, value] : config.rule_labels) labels[key] = value;
  return {
      {"certwatchSelector", a.job_selector},
      {"certManagerSelector", a.cert_manager_selector},
      {"useCertManagerMetrics", a.use_cert_manager_metrics},
      {"certManagerNamespaceLabel", a.cert_manager_namespace_label},
      {"clusterLabel", config.cluster_label},

      {"expiringWarningSeconds", Seconds(a.expiring_warning)},
      {"expiringWarningFor", Seconds(a.expiring_warning_for)},
      {"expiringCriticalSeconds", Seconds(a.expiring_critical)},
      {"expiringCriticalFor", Seconds(a.expiring_critical_for)},
      {"notReadyFor", Seconds(a.not_ready_for)},
      {"remainingLifetimeFraction", a.remaining_lifetime_fraction},
      {"lifetimeWarningMaxSeconds", Seconds(a.lifetime_warning_max)},
      {"renewalOverdueFraction", a.renewal_overdue_fraction},
      {"warningLifetimeFraction", a.warning_lifetime_fraction},
      {"criticalLifetimeFraction", a.critical_lifetime_fraction},
      {"renewalOverdueGraceSeconds", Seconds(a.renewal_overdue_grace)},
      {"renewalErrorRate", a.renewal_error_rate},
      {"clockSkewSeconds", Seconds(a.clock_skew)},
      {"dnsNotPropagatedFor", Seconds(a.dns_not_propagated_for)},
      {"driftFor", Seconds(a.drift_for)},
      {"defaultFor", Seconds(a.default_for)},
      {"budgetForecastFraction", a.budget_forecast_fraction},

      {"ruleName", config.rule_name},
      {"ruleNamespace", config.rule_namespace},
      {"ruleLabels", labels},
      {"runbookBaseUrl", config.runbook_base_url},
      {"dashboardNamespace", config.dashboard_namespace},
      {"grafanaFolder", config.grafana_folder},
      {"datasource", config.datasource},
      {"dashboardExpiryHorizonSeconds", Seconds(config.dashboard_expiry_horizon)},
      {"dashboardExpiryNoticeSeconds", Seconds(config.dashboard_expiry_notice)},
  };
}

}  // namespace certwatch
