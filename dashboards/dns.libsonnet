// DNS: DNS-01 challenge propagation per resolver and name, resolver agreement, CAA.
function(args)
  local c = args.c, m = args.m, p = args.p;
  local k = (import 'lib/common.libsonnet')(args);
  p.dashboard(
    'certwatch-dns',
    'certwatch / DNS',
    'DNS-01 challenge propagation across resolvers, resolver health and agreement, CAA.',
    k.variables('certwatch_dns_challenge_propagated' + m.sel()),
    [
      [
        p.stat('Challenges not propagated', 'count(certwatch_dns_challenge_propagated%s == 0) or vector(0)' % k.nsSel(),
               '(challenge, resolver) pairs where the TXT record is missing.', 'none', p.thresholds([['green', null], ['red', 1]])),
        p.stat('Resolvers disagreeing', 'count(certwatch_dns_answers_consistent%s == 0) or vector(0)' % k.sel(), '', 'none',
               p.thresholds([['green', null], ['yellow', 1]])),
        p.stat('Queries failing', 'count(certwatch_dns_probe_success%s == 0) or vector(0)' % k.sel(), '', 'none',
               p.thresholds([['green', null], ['red', 1]])),
        p.stat('CAA forbids issuer', 'count(certwatch_caa_issuance_allowed%s == 0) or vector(0)' % k.nsSel(), '', 'none',
               p.thresholds([['green', null], ['red', 1]])),
      ],
      [
        p.table('DNS-01 propagation (resolver × name)', 'certwatch_dns_challenge_propagated%s' % k.nsSel(),
                'Whether each resolver returns the challenge\'s TXT key: one row per name, one column per resolver.', 'none', null,
                mappings=p.boolMappings('propagated', 'missing'), matrix={ row: 'domain', column: 'resolver' }, w=12),
        p.table('Query success (resolver × name)', 'max by (name, resolver) (certwatch_dns_probe_success%s)' % k.sel(),
                'Whether each resolver answered NOERROR in time.', 'none', null,
                mappings=p.boolMappings('ok', 'failing'), matrix={ row: 'name', column: 'resolver' }, w=12),
      ],
      [
        p.timeseries('Challenge age', [p.target('certwatch_dns_challenge_presented_seconds%s' % k.nsSel(), '{{namespace}}/{{challenge}} {{domain}}')],
                     'Time since each DNS-01 challenge was presented.', 's'),
        p.timeseries('Query latency', [p.target('certwatch_dns_probe_duration_seconds%s' % k.sel(), '{{resolver}} {{name}} {{type}}')], '', 's'),
      ],
      [
        p.table('CAA', 'certwatch_caa_issuance_allowed%s' % k.nsSel(), 'Whether the CAA records allow the CA of each certificate\'s issuer.', 'none', null,
                hide=['job', 'instance', c.clusterLabel], rename={ Value: 'Allowed', namespace: 'Namespace', certificate: 'Certificate', domain: 'Name', issuer_name: 'Issuer', ca_domain: 'CA' },
                mappings=p.boolMappings('allowed', 'forbidden')),
      ],
    ],
  )
