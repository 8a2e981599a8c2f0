// grafanaDashboards: one JSON model per file name, stable uids, a ${datasource} variable and
// cluster / namespace filters on every dashboard.
{
  local c = $._config,
  local args = {
    c: c,
    m: (import '../rules/metrics.libsonnet')(c),
    p: import 'lib/panels.libsonnet',
  },

  grafanaDashboards+: {
    'certwatch-fleet.json': (import 'fleet.libsonnet')(args),
    'certwatch-endpoints.json': (import 'endpoints.libsonnet')(args),
    'certwatch-dns.json': (import 'dns.libsonnet')(args),
    'certwatch-renewer.json': (import 'renewer.libsonnet')(args),
    'certwatch-cluster-trust.json': (import 'cluster_trust.libsonnet')(args),
  },
}
