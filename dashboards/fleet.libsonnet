// Fleet overview: what expires soonest, what fails to renew, and the ACME budget.
function(args)
  local c = args.c, m = args.m, p = args.p;
  local k = (import 'lib/common.libsonnet')(args);
  local ready = m.cert('ready_status') + k.certSel(['condition="True"']);
  local exp = m.cert('expiration_timestamp_seconds') + k.certSel();
  local horizon = k.days(c.dashboardExpiryHorizonSeconds);
  p.dashboard(
    'certwatch-fleet',
    'certwatch / Certificate fleet',
    'Expiry, readiness, renewal failures and ACME rate limits of the cert-manager certificates.',
    k.variables(m.cert('ready_status') + m.certSel(), m.ns, 'up' + m.certSel()),
    [
      [
        p.stat('Certificates', 'count(%s)' % ready, 'Certificates watched.'),
        p.stat('Ready', 'sum(%s) / count(%s)' % [ready, ready], 'Share of certificates whose Ready condition is True.', 'percentunit',
               p.thresholds([['red', null], ['yellow', 0.9], ['green', 1]])),
        p.stat('Not ready', 'count(%s == 0) or vector(0)' % ready, 'Certificates whose Ready condition is not True.', 'none',
               p.thresholds([['green', null], ['red', 1]])),
        p.stat('Expiring within %s' % (import '../rules/util.libsonnet').duration(c.expiringWarningSeconds),
               'count((%s - time()) < %s) or vector(0)' % [exp, (import '../rules/util.libsonnet').num(c.expiringWarningSeconds)], 'Certificates inside the warning window.', 'none',
               p.thresholds([['green', null], ['red', 1]])),
      ],
      [
        local soon = '(%s - time()) / 86400 < %s' % [exp, (import '../rules/util.libsonnet').num(horizon)];
        p.table('Certificates expiring within %d days' % horizon,
                [
                  'sort(%s)' % soon,
                  // Ready status of the same certificates, merged into their rows.
                  'max by (%(ns)s, name) (%(ready)s) and on (%(ns)s, name) (%(soon)s)' % { ns: m.ns, ready: ready, soon: soon },
                  // Share of the lifetime left: a 6-day certificate at 2 days is where a
                  // 90-day one is at 30 (cert-manager renews both at two thirds).
                  'max by (%(ns)s, name) ((%(exp)s - time()) / (%(exp)s - %(nb)s)) and on (%(ns)s, name) (%(soon)s)' % { ns: m.ns, exp: exp, nb: m.cert('not_before_timestamp_seconds') + k.certSel(), soon: soon },
                ],
                'Soonest first. Red: under %g days, yellow: under %g days.' % [k.days(c.expiringWarningSeconds), k.days(c.dashboardExpiryNoticeSeconds)],
                'none', k.expiryThresholds,
                hide=['job', 'instance', 'issuer_group', c.clusterLabel],
                rename={ 'Value #A': 'Days left', 'Value #B': 'Ready', 'Value #C': 'Lifetime left', [m.ns]: 'Namespace', name: 'Certificate', issuer_name: 'Issuer', issuer_kind: 'Issuer kind' },
                overrides=[p.columnOverride('Ready', {
                  mappings: p.boolMappings('Ready', 'Not ready'),
                  thresholds: p.thresholds([['red', null], ['green', 1]]),
                }), k.lifetimeLeftOverride('Lifetime left')],
                sortBy='Days left', h=10,
                noValue='No certificate expires within %d days.' % horizon),
      ],
      [
        if m.certManager then
          p.timeseries('Failed renewals', [p.target('sum by (controller) (rate(certmanager_controller_sync_call_count%s[$__rate_interval]))' % m.certSel([k.cluster, 'result="error"']), '{{controller}}')],
                       'cert-manager controller sync errors per second.', 'ops')
        else
          // failed_issuance_attempts is absent while 0 (metrics.sparse): "or" a 0 per
          // namespace that has certificates, so a healthy fleet draws 0, not "No data".
          p.timeseries('Failed renewals', [p.target('sum by (%(ns)s) (%(m)s) or 0 * count by (%(ns)s) (%(all)s)' % { ns: m.ns, m: m.cert('failed_issuance_attempts') + k.certSel(), all: m.cert('ready_status') + k.certSel(['condition="True"']) }, '{{%s}}' % m.ns)],
                       'Failed issuance attempts of the current renewal, per namespace (status.failedIssuanceAttempts).'),
        p.timeseries('Certificates by ready status', [p.target('sum by (condition) (%s)' % [m.cert('ready_status') + k.certSel()], '{{condition}}')],
                     'Intermittent readiness problems show up here before they page.'),
      ],
      [
        if m.certManager then
          p.timeseries('ACME 429 responses', [p.target('sum by (host) (rate(certmanager_http_acme_client_request_count%s[1h]))' % m.certSel([k.cluster, 'status="429"']), '{{host}}')],
                       'Rate-limited ACME requests per second, by ACME server.', 'reqps')
        else
          p.timeseries('ACME 429 responses', [p.target('sum by (issuer_name) (increase(certwatch_acme_rate_limit_errors_total%s[1h]))' % k.sel(), '{{issuer_name}}')],
                       'Orders failed with 429 / rateLimited in the last hour, by issuer.'),
        p.bargauge('ACME rate-limit budget (forecast)',
                   '(certwatch_acme_rate_limit_budget_issued%(s)s + certwatch_acme_rate_limit_budget_due%(s)s) / certwatch_acme_rate_limit_budget_limit%(s)s' % { s: k.sel() },
                   '{{registered_domain}}',
                   'Certificates issued in the last 7 days plus renewals due in the next 7, against the weekly limit per registered domain.',
                   'percentunit', p.thresholds([['green', null], ['yellow', c.budgetForecastFraction], ['red', 1]]), min=0, max=1),
      ],
    ],
  )
