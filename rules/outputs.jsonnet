// Every file `certwatch generate` writes, as {path: value}. Values are JSON documents (the
// generator writes *.yaml as YAML and *.json indented) or strings (runbooks.md). jsonnet users
// get the same with  jsonnet -J rules -m OUT rules/outputs.jsonnet  (JSON is valid YAML), and
// override _config keys with --tla-code config='{...}'.
//
// Nothing here is manifested with std.manifestYamlDoc / std.manifestJsonEx: jsonnet 0.18
// implements them in jsonnet and they take minutes on documents this size.
function(config={})
  local mixin = (import 'mixin.libsonnet') + { _config+:: config };
  local c = mixin._config;
  local groups = mixin.prometheusAlerts.groups + mixin.prometheusRules.groups;
  local dashboards = mixin.grafanaDashboards;
  {
    'rules.yaml': { groups: groups },
    'prometheus-rule.yaml': {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: {
        name: c.ruleName,
        namespace: c.ruleNamespace,
        labels: c.ruleLabels,
      },
      spec: { groups: groups },
    },
    'rules.test.yaml': (import 'tests.libsonnet')(mixin, 'rules.yaml'),
    'rules.lifetime.test.yaml': (import 'lifetime_tests.libsonnet')(mixin, 'rules.yaml'),
    [mixin.runbookFile]: mixin.runbooksMarkdown,
    'grafana-dashboards-configmap.yaml': {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: c.ruleName + '-dashboards',
        namespace: c.dashboardNamespace,
        labels: { grafana_dashboard: '1' },
        // Read by the Grafana sidecar's folderAnnotation.
        annotations: { grafana_folder: c.grafanaFolder },
      },
      // Compact JSON (native manifestation); the generator re-indents *.json values.
      data: { [name]: std.toString(dashboards[name]) for name in std.objectFields(dashboards) },
    },
  } + {
    ['dashboards/' + name]: dashboards[name]
    for name in std.objectFields(dashboards)
  }
