// Endpoints: what is served on the wire compared with what Kubernetes holds.
function(args)
  local c = args.c, m = args.m, p = args.p;
  local k = (import 'lib/common.libsonnet')(args);
  p.dashboard(
    'certwatch-endpoints',
    'certwatch / TLS endpoints',
    'Certificates served by TLS endpoints: drift from the Secret, expiry and verification.',
    k.variables('certwatch_tls_served_matches_secret' + m.sel()),
    [
      [
        p.stat('Endpoints', 'count(certwatch_tls_probe_success%s)' % k.sel(), 'TLS endpoints probed.'),
        p.stat('Handshake failing', 'count(certwatch_tls_probe_success%s == 0) or vector(0)' % k.sel(), '', 'none', p.thresholds([['green', null], ['red', 1]])),
        p.stat('Serving a stale certificate', 'count(certwatch_tls_served_matches_secret%s == 0) or vector(0)' % k.nsSel(),
               'Endpoints whose certificate differs from the one their Secret holds.', 'none', p.thresholds([['green', null], ['red', 1]])),
        p.stat('Failing verification', 'count(certwatch_tls_cert_verified%s == 0) or vector(0)' % k.sel(), '', 'none', p.thresholds([['green', null], ['red', 1]])),
      ],
      [
        p.table('Served vs stored', 'certwatch_tls_served_matches_secret%s' % k.nsSel(),
                'Whether each endpoint serves the certificate of its Certificate\'s Secret.', 'none', null,
                hide=['job', 'instance', c.clusterLabel], rename={ Value: 'Served', namespace: 'Namespace', certificate: 'Certificate', target: 'Endpoint' },
                mappings=p.boolMappings('matches Secret', 'stale'), w=12),
        p.table('Served certificate expiry',
                [
                  'sort((certwatch_tls_cert_not_after_timestamp_seconds%s - time()) / 86400)' % k.sel(),
                  '(certwatch_tls_cert_not_after_timestamp_seconds%(s)s - time()) / (certwatch_tls_cert_not_after_timestamp_seconds%(s)s - certwatch_tls_cert_not_before_timestamp_seconds%(s)s)' % { s: k.sel() },
                ],
                'Days left of the leaf served on the wire (even when it fails verification), and the share of its lifetime left: the endpoint alerts warn below %s of it.' % (import '../rules/util.libsonnet').humanizePercentage(c.remainingLifetimeFraction), 'none', k.expiryThresholds,
                hide=['job', 'instance', c.clusterLabel], rename={ 'Value #A': 'Days left', 'Value #B': 'Lifetime left', target: 'Endpoint', server_name: 'SNI' },
                overrides=[k.lifetimeLeftOverride('Lifetime left')], sortBy='Days left', w=12),
      ],
      [
        p.bargauge('Verification result', 'sum by (reason) (certwatch_tls_verify_result%s == 1)' % k.sel(), '{{reason}}',
                   'Endpoints per verification outcome (ok, expired, hostname_mismatch, unknown_authority, ...).'),
        p.timeseries('Time serving a stale certificate', [p.target('certwatch_tls_served_mismatch_seconds%s' % k.nsSel(), '{{namespace}}/{{certificate}} {{target}}')],
                     'How long each endpoint has served a certificate other than its Secret\'s.', 's'),
      ],
      [
        p.timeseries('Handshake duration', [p.target('certwatch_tls_probe_duration_seconds%s' % k.sel(), '{{target}} {{server_name}}')], '', 's'),
        p.timeseries('Days left (served)', [p.target('(certwatch_tls_cert_not_after_timestamp_seconds%s - time()) / 86400' % k.sel(), '{{target}} {{server_name}}')]),
      ],
    ],
  )
