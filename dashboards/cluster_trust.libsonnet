// Cluster trust: certificates no Certificate object describes, one row per source
// (kubernetes.ca_bundles, .bundles, .configmaps, .csrs, .kubelets). A source that is off
// exports nothing: its stats read 0 and its tables say so instead of "No data".
function(args)
  local c = args.c, m = args.m, p = args.p;
  local k = (import 'lib/common.libsonnet')(args);
  local red = p.thresholds([['green', null], ['red', 1]]);
  local daysLeft(metric, sel) = 'sort((%s%s - time()) / 86400)' % [metric, sel];
  local hidden = ['job', 'instance', c.clusterLabel];
  local off(key) = 'nothing exported (kubernetes.%s off, or no objects)' % key;
  local nodeInfo = 'certwatch_tls_info%s' % k.sel(['source=~"node:.+"']);
  p.dashboard(
    'certwatch-cluster-trust',
    'certwatch / Cluster trust',
    "Webhook caBundles, trust-manager Bundles, ConfigMap PEM bundles, CertificateSigningRequests and kubelets' serving certificates.",
    k.variables('certwatch_configmap_cert_not_after_timestamp_seconds' + m.sel()),
    [
      // Webhook caBundles.
      [
        p.stat('caBundles checked', 'count(certwatch_ca_bundle_verifies_served%s) or vector(0)' % k.sel(), 'Webhook entries, APIServices and CRD conversion webhooks whose caBundle is checked against what their endpoint serves.'),
        p.stat('caBundle not verifying', 'count(certwatch_ca_bundle_verifies_served%s == 0) or vector(0)' % k.sel(), 'The API server refuses calls to these: the caBundle does not verify the served chain, or the endpoint is unreachable.', 'none', red),
        p.table('caBundle verdicts', 'certwatch_ca_bundle_verify_failure%s == 1' % k.sel(), 'Why a caBundle does not verify what its webhook serves (stale_ca_bundle, expired, hostname_mismatch, unreachable).', 'none', null,
                hide=hidden + ['Value'], rename={ kind: 'Kind', name: 'Name', webhook: 'Webhook', reason: 'Reason' }, w=12, noValue='every checked caBundle verifies'),
      ],
      [
        p.table('caBundle CA expiry', daysLeft('certwatch_ca_bundle_cert_not_after_timestamp_seconds', k.sel()), 'Days left of each CA in each caBundle.', 'none', k.expiryThresholds,
                hide=hidden, rename={ Value: 'Days left', kind: 'Kind', name: 'Name', webhook: 'Webhook', subject: 'Subject', serial: 'Serial' }, sortBy='Days left', noValue=off('ca_bundles')),
      ],
      // trust-manager Bundles.
      [
        p.stat('Bundles not synced', 'count(certwatch_bundle_synced%s == 0) or vector(0)' % k.sel(), 'trust-manager Bundles whose Synced condition is not True.', 'none', red),
        p.table('Bundle CA expiry', daysLeft('certwatch_bundle_cert_not_after_timestamp_seconds', k.sel()), 'Days left of each CA of each Bundle, as its target ConfigMaps hold it.', 'none', k.expiryThresholds,
                hide=hidden, rename={ Value: 'Days left', bundle: 'Bundle', subject: 'Subject', serial: 'Serial' }, sortBy='Days left', w=18, noValue=off('bundles')),
      ],
      // ConfigMaps.
      [
        p.table('ConfigMap certificate expiry', daysLeft('certwatch_configmap_cert_not_after_timestamp_seconds', k.nsSel()), 'Days left of each certificate in each key of the ConfigMaps certwatch reads.', 'none', k.expiryThresholds,
                hide=hidden, rename={ Value: 'Days left', namespace: 'Namespace', configmap: 'ConfigMap', key: 'Key', subject: 'Subject', serial: 'Serial' }, sortBy='Days left', noValue=off('configmaps')),
      ],
      // CertificateSigningRequests.
      [
        p.bargauge('CSRs by state', 'sum by (condition) (certwatch_csr_condition%s == 1)' % k.sel(), '{{condition}}', 'CertificateSigningRequests per current state (Pending, Approved, Issued, Denied, Failed).'),
        p.table('Pending CSRs', '(time() - certwatch_csr_created_timestamp_seconds%s) and ignoring(condition) certwatch_csr_condition%s == 1' % [k.sel(), k.sel(['condition="Pending"'])],
                'Pending CSRs and how long they have waited; a kubelet-serving one left pending breaks kubectl logs on its node.', 's', null,
                hide=hidden, rename={ Value: 'Waiting', name: 'Name', signer_name: 'Signer' }, sortBy='Waiting', w=12, noValue='no pending CSR'),
      ],
      // Kubelets.
      [
        p.stat('Kubelets probed', 'count(%s) or vector(0)' % nodeInfo, "Nodes' InternalIPs probed on kubernetes.kubelets.port."),
        p.table('Kubelet serving certificate expiry',
                'sort((certwatch_tls_cert_not_after_timestamp_seconds%s - time()) / 86400) * on(target) group_left(source) %s' % [k.sel(), nodeInfo],
                'Days left of the serving certificate each kubelet presents.', 'none', k.expiryThresholds,
                hide=hidden + ['server_name'], rename={ Value: 'Days left', target: 'Kubelet', source: 'Node' }, sortBy='Days left', w=18, noValue=off('kubelets')),
      ],
    ],
  )
