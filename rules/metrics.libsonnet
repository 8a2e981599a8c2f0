// Metric names, selectors and label names for a given _config, so that the certificate alerts
// and panels can read certwatch's metrics or cert-manager's own (use_cert_manager_metrics).
local util = import 'util.libsonnet';

function(c)
  local cm = c.useCertManagerMetrics;
  // Parsed once: selectorLabels is slow in jsonnet.
  local certBase = util.selectorLabels(if cm then c.certManagerSelector else c.certwatchSelector);
  local base = util.selectorLabels(c.certwatchSelector);
  {
  certManager: cm,
  // Selector of the target that exports the certificate metrics, and of certwatch itself.
  certSelector: if cm then c.certManagerSelector else c.certwatchSelector,
  selector: c.certwatchSelector,
  // The label carrying a Certificate's namespace.
  ns: if cm then c.certManagerNamespaceLabel else 'namespace',
  cert(metric): (if cm then 'certmanager_certificate_' else 'certwatch_certificate_') + metric,

  // PromQL selectors, with optional extra matchers.
  certSel(extra=[]): util.selector(self.certSelector, extra),
  sel(extra=[]): util.selector(self.selector, extra),

  // Labels of a certificate series in the generated tests.
  certLabels(namespace, name):
    certBase {
      [$.ns]: namespace,
      name: name,
      issuer_name: 'letsencrypt-prod',
      issuer_kind: 'ClusterIssuer',
      issuer_group: 'cert-manager.io',
    } + (if cm && $.ns != 'namespace' then { namespace: 'cert-manager' } else {}),
  labels(extra): base + extra,
}
