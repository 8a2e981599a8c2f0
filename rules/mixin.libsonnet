// The certwatch monitoring mixin: alerts, recording rules and Grafana dashboards for TLS
// certificates managed by cert-manager, in the shape other monitoring mixins use.
//
//   jsonnet -J rules rules/mixin.libsonnet                  # everything, default _config
//   (import 'mixin.libsonnet') + { _config+:: { expiringWarningSeconds: 14 * 86400 } }
//
// `certwatch generate` evaluates the same sources (embedded in the binary) through
// rules/outputs.jsonnet with the config file's thresholds.
(import 'config.libsonnet') +
(import 'alerts.libsonnet') +
(import 'recording.libsonnet') +
(import 'runbooks.libsonnet') +
(import '../dashboards/dashboards.libsonnet')
