// Selectors and variables every certwatch dashboard shares.
function(args) {
  local c = args.c,
  local m = args.m,
  local p = args.p,
  cluster: '%s=~"$cluster"' % c.clusterLabel,
  // certwatch's own series, filtered by cluster (and namespace when the metric has one).
  sel(extra=[]): m.sel([self.cluster] + extra),
  nsSel(extra=[]): self.sel(['namespace=~"$namespace"'] + extra),
  // Certificate series from certwatch or cert-manager.
  certSel(extra=[]): m.certSel([self.cluster, '%s=~"$namespace"' % m.ns] + extra),

  variables(namespaceMetric, namespaceLabel='namespace', clusterMetric='up' + m.sel()): [
    p.datasourceVariable(c.datasource),
    p.queryVariable('cluster', 'Cluster', 'label_values(%s, %s)' % [clusterMetric, c.clusterLabel]),
  ] + (if namespaceMetric == null then [] else [
    p.queryVariable('namespace', 'Namespace', 'label_values(%s, %s)' % [namespaceMetric, namespaceLabel]),
  ]),

  days(seconds): seconds / 86400,
  // A "Lifetime left" column: a percentage, red below the critical fraction, yellow below
  // the fraction where renewal is due (the alerts' lifetime-relative thresholds).
  lifetimeLeftOverride(name): p.columnOverride(name, {
    unit: 'percentunit',
    decimals: 0,
    thresholds: p.thresholds([['red', null], ['yellow', c.criticalLifetimeFraction], ['green', c.remainingLifetimeFraction]]),
  }),

  // Red below the warning threshold, yellow below the notice threshold, green above (days).
  expiryThresholds: p.thresholds([
    ['red', null],
    ['yellow', self.days(c.expiringWarningSeconds)],
    ['green', self.days(c.dashboardExpiryNoticeSeconds)],
  ]),
}
