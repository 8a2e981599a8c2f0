// promtool unit tests generated from the fixtures next to each alert and recording rule:
// for every alert a test where it fires (exact labels and annotations), one where it stays
// quiet, and, when it has a `for`, a check that it is still pending before `for` has passed.
local util = import 'util.libsonnet';

function(mixin, ruleFile) {
  local interval = 60,
  local alerts = std.flattenArrays([g.rules for g in mixin.prometheusAlerts.groups]),
  local records = std.flattenArrays([g.rules for g in mixin.prometheusRules.groups]),

  // Hot paths avoid std.format and std.escapeStringJson (jsonnet-implemented in 0.18, slow):
  // the native manifestation of a one-element array gives a JSON-quoted string.
  local quote(v) = local j = std.toString([v]); std.substr(j, 1, std.length(j) - 2),
  local labelString(labels) =
    if std.length(labels) == 0 then ''
    else '{' + std.join(',', [k + '=' + quote(labels[k]) for k in std.objectFields(labels)]) + '}',
  local inputSeries(list, samples) = [
    {
      series: s.name + labelString(s.labels),
      values: if std.objectHas(s, 'values') then s.values + samples else std.toString(s.value) + '+0x' + samples,
    }
    for s in list
  ],

  // Evaluation time: the fixture's warm-up (rate windows) plus `for` rounded up to whole
  // minutes, plus three minutes.
  local evalSeconds(rule) = rule.testWarmup + std.ceil(rule.forSeconds / interval) * interval + 3 * interval,
  local minutes(s) = std.toString(s / interval) + 'm',

  local alertTests(rule) =
    local t = evalSeconds(rule);
    local fixture = rule.test(t);
    local samples = t / interval + 5;
    local expected = {
      // Prometheus drops labels with empty values.
      local labels = fixture.firing.labels + rule.labels,
      exp_labels: { [k]: labels[k] for k in std.objectFields(labels) if labels[k] != '' },
      exp_annotations: {
        [k]: util.render(rule.annotations[k], fixture.firing.labels, fixture.firing.value)
        for k in std.objectFields(rule.annotations)
      },
    };
    [
      {
        name: rule.alert + ' fires',
        interval: minutes(interval),
        input_series: inputSeries(fixture.firing.series, samples),
        alert_rule_test: (
          if rule.forSeconds >= 2 * interval && rule.testWarmup == 0 then
            [{ eval_time: minutes(rule.forSeconds - interval), alertname: rule.alert, exp_alerts: [] }]
          else []
        ) + [{ eval_time: minutes(t), alertname: rule.alert, exp_alerts: [expected] }],
      },
      {
        name: rule.alert + ' stays quiet',
        interval: minutes(interval),
        input_series: inputSeries(fixture.quiet.series, samples),
        alert_rule_test: [{ eval_time: minutes(t), alertname: rule.alert, exp_alerts: [] }],
      },
    ],

  local recordTest(rule) =
    local t = 5 * interval;
    local fixture = rule.test(t);
    {
      name: rule.record,
      interval: minutes(interval),
      input_series: inputSeries(fixture.series, t / interval + 5),
      promql_expr_test: [{
        expr: rule.record,
        eval_time: minutes(t),
        exp_samples: [{ labels: rule.record + labelString(s.labels), value: s.value } for s in fixture.samples],
      }],
    },

  assert std.length([r.alert for r in alerts if !std.objectHasAll(r, 'test')]) == 0 :
         'alerts without a test fixture: %s' % std.join(', ', [r.alert for r in alerts if !std.objectHasAll(r, 'test')]),

  rule_files: [ruleFile],
  evaluation_interval: minutes(interval),
  tests: std.flattenArrays([alertTests(r) for r in alerts]) +
         [recordTest(r) for r in records if std.objectHasAll(r, 'test')],
}
