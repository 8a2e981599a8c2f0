// Defaults of the mixin's `_config`. `certwatch generate` replaces every key with the value from
// the config file (see rules/mixin_config.cc); jsonnet users override them with
// `(import 'mixin.libsonnet') + { _config+:: { ... } }`. Durations are seconds, fractions are 0..1.
// These defaults must equal those of GeneratorConfig in config/config.h: a test generates with
// both and compares the output byte for byte.
{
  _config+:: {
    // Which targets the alerts read. The selectors must be label="value" pairs (or =~ on a
    // literal alternation) because the generated unit tests build series that match them.
    certwatchSelector: 'job="certwatch"',
    certManagerSelector: 'job="cert-manager"',
    // Read cert-manager's own certmanager_* metrics for the certificate alerts and panels, for
    // clusters that scrape cert-manager but not certwatch.
    useCertManagerMetrics: false,
    // Under a ServiceMonitor without honorLabels, cert-manager's `namespace` label arrives as
    // `exported_namespace`; name it here so alerts and panels group by the certificate's namespace.
    certManagerNamespaceLabel: 'namespace',
    clusterLabel: 'cluster',

    // Thresholds.
    expiringWarningSeconds: 7 * 86400,
    expiringWarningFor: 3600,
    expiringCriticalSeconds: 2 * 86400,
    expiringCriticalFor: 600,
    notReadyFor: 900,
    // Lifetime-relative thresholds: see the README's "Alerts for short-lived certificates".
    remainingLifetimeFraction: 1 / 3,
    lifetimeWarningMaxSeconds: 30 * 86400,
    renewalOverdueFraction: 0.1,
    warningLifetimeFraction: 1 / 6,
    criticalLifetimeFraction: 1 / 12,
    renewalOverdueGraceSeconds: 3600,
    renewalErrorRate: 0.1,
    clockSkewSeconds: 30,
    dnsNotPropagatedFor: 600,
    driftFor: 900,
    defaultFor: 300,
    budgetForecastFraction: 0.8,

    // Outputs.
    ruleName: 'certwatch',
    ruleNamespace: 'monitoring',
    ruleLabels: { prometheus: 'k8s' },
    // Where runbooks.md is published; '' links to the file itself (runbookFile, relative).
    runbookBaseUrl: '',
    dashboardNamespace: 'monitoring',
    grafanaFolder: 'certwatch',
    datasource: 'prometheus',
    dashboardExpiryHorizonSeconds: 30 * 86400,
    dashboardExpiryNoticeSeconds: 14 * 86400,
  },
}
