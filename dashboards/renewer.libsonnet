// Renewer: what the auto-remediation sidecar did, and how much budget it has left.
function(args)
  local c = args.c, m = args.m, p = args.p;
  local k = (import 'lib/common.libsonnet')(args);
  p.dashboard(
    'certwatch-renewer',
    'certwatch / Renewer',
    'Actions of certwatch renew (re-issue, challenge clean-up, issuer fallback), its budget and leadership.',
    k.variables(null),
    [
      [
        p.stat('Actions (24h)', 'sum(increase(certwatch_renewer_actions_total%s[24h])) or vector(0)' % k.sel(), 'Actions taken or, in dry-run, planned.'),
        p.stat('Hourly budget left', 'min(certwatch_renewer_budget_remaining%s)' % k.sel(), '', 'none', p.thresholds([['red', null], ['yellow', 1], ['green', 5]])),
        p.stat('Leader replicas', 'sum(certwatch_renewer_leader%s)' % k.sel(), 'Exactly one replica should hold the Lease.', 'none',
               p.thresholds([['red', null], ['green', 1], ['red', 2]])),
        p.stat('State age', 'max(certwatch_renewer_state_age_seconds%s)' % k.sel(), 'Age of the exporter state the renewer last read.', 's',
               p.thresholds([['green', null], ['red', 300]])),
      ],
      [
        p.timeseries('Actions', [p.target('sum by (action, result, dry_run) (increase(certwatch_renewer_actions_total%s[$__rate_interval]))' % k.sel(), '{{action}} {{result}} dry_run={{dry_run}}')],
                     'Actions per interval by kind and outcome.', 'none', w=24),
      ],
      [
        p.table('Actions by kind', 'sum by (action, result, dry_run) (certwatch_renewer_actions_total%s)' % k.sel(), 'Totals since the renewer started.', 'none', null,
                rename={ Value: 'Count', action: 'Action', result: 'Result', dry_run: 'Dry run' }),
      ],
    ],
  )
