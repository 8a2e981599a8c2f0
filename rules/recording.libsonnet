// prometheusRules: recording rules for dashboards and ad-hoc queries. Each may carry a hidden
// `test` (series and the samples expected at the evaluation time) that becomes a promtool
// promql_expr_test.
local util = import 'util.libsonnet';
local metricsFor = import 'metrics.libsonnet';

{
  local c = $._config,
  local m = metricsFor(c),
  local series(name, labels, value) = { name: name, labels: labels, value: value },

  prometheusRules+: {
    groups+: [
      {
        name: 'certwatch-recording',
        rules: [
          {
            record: 'certwatch:certificate_remaining_seconds',
            expr: '%s - time()' % [m.cert('expiration_timestamp_seconds') + m.certSel()],
            test:: function(t) {
              local labels = m.certLabels('prod', 'web'),
              series: [series(m.cert('expiration_timestamp_seconds'), labels, t + 86400)],
              samples: [{ labels: labels, value: 86400 }],
            },
          },
          {
            record: 'certwatch:certificates_ready:ratio',
            expr: 'sum by (%(by)s) (%(r)s) / count by (%(by)s) (%(r)s)' % { by: c.clusterLabel, r: m.cert('ready_status') + m.certSel(['condition="True"']) },
            test:: function(t) {
              local s(name, v) = series(m.cert('ready_status'), m.certLabels('prod', name) { condition: 'True' }, v),
              series: [s('a', 1), s('b', 1), s('c', 1), s('d', 0)],
              samples: [{ labels: {}, value: 0.75 }],
            },
          },
          {
            record: 'certwatch:acme_rate_limit_budget_forecast:ratio',
            expr: '(%s + %s) / %s' % [
              'certwatch_acme_rate_limit_budget_issued' + m.sel(),
              'certwatch_acme_rate_limit_budget_due' + m.sel(),
              'certwatch_acme_rate_limit_budget_limit' + m.sel(),
            ],
            test:: function(t) {
              local labels = m.labels({ registered_domain: 'example.com' }),
              series: [
                series('certwatch_acme_rate_limit_budget_issued', labels, 20),
                series('certwatch_acme_rate_limit_budget_due', labels, 5),
                series('certwatch_acme_rate_limit_budget_limit', labels, 50),
              ],
              samples: [{ labels: labels, value: 0.5 }],
            },
          },
          {
            record: 'certwatch:tls_cert_remaining_seconds',
            expr: 'certwatch_tls_cert_not_after_timestamp_seconds%s - time()' % m.sel(),
            test:: function(t) {
              local labels = m.labels({ target: '10.0.0.10:443', server_name: 'web.example.com' }),
              series: [series('certwatch_tls_cert_not_after_timestamp_seconds', labels, t + 3600)],
              samples: [{ labels: labels, value: 3600 }],
            },
          },
        ],
      },
    ],
  },
}
