// promtool tests of the expiry alerts over whole certificate lifetimes, hourly: a Certificate
// (with the endpoint serving it) of 6, 47, 90 and 398 days.
//  - healthy: cert-manager renews at renewalTime (two thirds of the lifetime; 30 days before
//    expiry for the 398-day one) and the endpoint serves the new certificate at once. No
//    alert is even pending, at any hour checked, over two renewals.
//  - renewal fails: the renewal time passes and the certificate stays. Each expiry alert is
//    quiet two hours before the moment it is meant for and firing three hours after it (plus
//    its `for`), the moments computed here from _config by the rule each alert documents.
// A separate file from rules.test.yaml because its evaluation interval is an hour.
local util = import 'util.libsonnet';
local metricsFor = import 'metrics.libsonnet';

function(mixin, ruleFile)
  local c = mixin._config;
  local m = metricsFor(c);
  local hour = 3600;
  local day = 86400;
  local labels = m.certLabels('prod', 'web');
  local endpoint = m.labels({ target: '10.0.0.10:443', server_name: 'web.example.com' });
  local up = util.selectorLabels(if m.certManager then c.certManagerSelector else c.certwatchSelector) { instance: '10.0.0.5:9480' };
  local selfUp = util.selectorLabels(c.certwatchSelector) { instance: '10.0.0.5:9480' };

  local quote(v) = local j = std.toString([v]); std.substr(j, 1, std.length(j) - 2);
  local labelString(l) = '{' + std.join(',', [k + '=' + quote(l[k]) for k in std.objectFields(l)]) + '}';

  // Values of one series: the value of segment i for its length in hours.
  local segments(list) = std.join(' ', [std.toString(s.value) + '+0x' + (s.hours - 1) for s in list]);

  // lifetime and the renewal point, in seconds from notBefore.
  local cases = [
    { name: '6-day', life: 6 * day, renewAt: 4 * day },
    { name: '47-day', life: 47 * day, renewAt: std.floor(47 * day * 2 / 3 / hour) * hour },
    { name: '90-day', life: 90 * day, renewAt: 60 * day },
    { name: '398-day', life: 398 * day, renewAt: 368 * day },
  ];

  // Certificates issued at 0, renewAt, 2 renewAt, ... (healthy) or only the first (failing),
  // seen from `offset` seconds into the first one's life (test time 0) for `horizon` seconds:
  // promtool evaluates every hour from 0, and a year of hours is slow to evaluate.
  local inputs(case, maxIssuances, offset, horizon) =
    local starts = [k * case.renewAt - offset for k in std.range(0, maxIssuances - 1) if k * case.renewAt - offset < horizon];
    local issuances = std.length(starts);
    local hoursOf(k) =
      ((if k + 1 < issuances then starts[k + 1] else horizon) - std.max(0, starts[k])) / hour;
    local seg(f) = segments([{ value: f(starts[k]), hours: hoursOf(k) } for k in std.range(0, issuances - 1)]);
    [
      { series: m.cert('not_before_timestamp_seconds') + labelString(labels), values: seg(function(s) s) },
      { series: m.cert('expiration_timestamp_seconds') + labelString(labels), values: seg(function(s) s + case.life) },
      { series: m.cert('renewal_timestamp_seconds') + labelString(labels), values: seg(function(s) s + case.renewAt) },
      { series: m.cert('ready_status') + labelString(labels { condition: 'True' }), values: '1+0x' + (horizon / hour) },
      { series: 'certwatch_tls_cert_not_before_timestamp_seconds' + labelString(endpoint), values: seg(function(s) s) },
      { series: 'certwatch_tls_cert_not_after_timestamp_seconds' + labelString(endpoint), values: seg(function(s) s + case.life) },
      { series: 'certwatch_tls_probe_success' + labelString(endpoint), values: '1+0x' + (horizon / hour) },
      { series: 'up' + labelString(up), values: '1+0x' + (horizon / hour) },
    ] + (if up != selfUp then [{ series: 'up' + labelString(selfUp), values: '1+0x' + (horizon / hour) }] else []);

  local at(seconds) = std.toString(seconds / hour) + 'h';
  local firing(alertname, yes) = {
    expr: 'count(ALERTS{alertstate="firing",alertname="%s"})' % alertname,
    exp_samples: if yes then [{ labels: '{}', value: 1 }] else [],
  };

  // From 70 days before the first renewal (a 398-day certificate at 100 days left) to the
  // second renewal, or 40 days past the first.
  local healthy(case) =
    local offset = std.max(0, case.renewAt - 70 * day);
    local end = std.min(2 * case.renewAt, case.renewAt + 40 * day) - offset;
    local step = std.max(hour, std.floor(case.life / 40 / hour) * hour);
    {
      name: 'lifetime: a healthy %s certificate raises no alert' % case.name,
      interval: '1h',
      input_series: inputs(case, 3, offset, end + hour),
      promql_expr_test: [
        { expr: 'ALERTS', eval_time: at(t), exp_samples: [] }
        for t in [k * step for k in std.range(1, std.floor(end / step))]
      ],
    };

  // The moment (seconds after notBefore) each alert is meant to fire when renewal fails.
  local onsets(case) =
    local left(threshold) = case.life - threshold;
    local overdue = std.max(c.renewalOverdueGraceSeconds, std.min(c.renewalOverdueFraction * case.life, (case.life - case.renewAt) / 2));
    [
      { alert: 'CertwatchCertificateRenewalOverdue', at: case.renewAt + overdue, 'for': c.defaultFor },
      { alert: 'CertwatchCertificateExpiringSoon', at: std.max(case.renewAt + c.renewalOverdueGraceSeconds, left(std.min(c.expiringWarningSeconds, c.warningLifetimeFraction * case.life))), 'for': c.expiringWarningFor },
      { alert: 'CertwatchCertificateExpiryCritical', at: std.max(case.renewAt + c.renewalOverdueGraceSeconds, left(std.min(c.expiringCriticalSeconds, c.criticalLifetimeFraction * case.life))), 'for': c.expiringCriticalFor },
      { alert: 'CertwatchEndpointCertificateExpiringSoon', at: left(std.min(c.lifetimeWarningMaxSeconds, c.remainingLifetimeFraction * case.life)), 'for': c.expiringWarningFor },
      { alert: 'CertwatchEndpointCertificateExpiryCritical', at: left(std.min(c.expiringCriticalSeconds, c.criticalLifetimeFraction * case.life)), 'for': c.expiringCriticalFor },
    ];

  // From a day before the renewal time to expiry.
  local failing(case) =
    local offset = case.renewAt - day;
    local horizon = case.life - offset;
    {
      name: 'lifetime: a %s certificate whose renewal fails' % case.name,
      interval: '1h',
      input_series: inputs(case, 1, offset, horizon),
      promql_expr_test: std.flattenArrays([
        local onset = o.at - offset;
        local before = std.floor(onset / hour) * hour - 2 * hour;
        local after = std.ceil((onset + o['for']) / hour) * hour + 3 * hour;
        [
          firing(o.alert, false) { eval_time: at(before) },
        ] + (if after < horizon then [firing(o.alert, true) { eval_time: at(after) }] else [])
        for o in onsets(case)
      ]),
    };

  {
    rule_files: [ruleFile],
    evaluation_interval: '1h',
    tests: [healthy(case) for case in cases] + [failing(case) for case in cases],
  }
