// prometheusAlerts: every alert carries a hidden `test` fixture, a function of the evaluation
// time (seconds) returning the series that make it fire (with the labels and $value expected)
// and the series that must keep it quiet. rules/tests.libsonnet turns them into promtool tests.
local util = import 'util.libsonnet';
local metricsFor = import 'metrics.libsonnet';

{
  local c = $._config,
  local m = metricsFor(c),
  local ns = m.ns,
  local d = util.duration,

  // A constant series for a test fixture.
  local series(name, labels, value) = { name: name, labels: labels, value: value },
  local counter(name, labels, perMinute) = { name: name, labels: labels, values: '0+' + perMinute + 'x' },

  // testWarmup: seconds of series history a rate() window needs before the generated test
  // may expect the alert.
  local alert(name, severity, expr, forSeconds, summary, description, test, testWarmup=0) = {
    assert std.endsWith(summary, '.') : name + ': summary must end with a period',
    assert std.length(std.split(summary, '{')) == 1 : name + ': summary must be static',
    alert: name,
    expr: expr,
    'for': d(forSeconds),
    labels: { severity: severity },
    annotations: {
      summary: summary,
      description: description,
      runbook_url: $.runbookUrl(name),
    },
    forSeconds:: forSeconds,
    test:: test,
    testWarmup:: testWarmup,
  },

  local certName = '{{ $labels.%s }}/{{ $labels.name }}' % ns,

  // Expiry alerts are relative to the lifetime (notBefore to notAfter), so that one rule set
  // fits a 6-day and a 398-day certificate (README "Alerts for short-lived certificates"):
  // less than min(cap, fraction x lifetime) is left. Without a notBefore series the cap
  // alone applies: a missing series never silences an alert.
  local remaining(exp) = '(%s - time())' % exp,
  local within(cap, fraction) = '%s (or %s of its lifetime)' % [d(cap), util.humanizePercentage(fraction)],
  local lifetime(exp, nb) = '(%s - %s)' % [exp, nb],
  local expiresWithin(exp, nb, cap, fraction) =
    '%(r)s < %(cap)s unless %(r)s >= %(f)s * %(l)s' % {
      r: remaining(exp),
      l: lifetime(exp, nb),
      cap: util.num(cap),
      f: util.num(fraction),
    },
  // A Certificate whose renewal is still ahead (or passed less than the grace ago) is
  // cert-manager's to renew: no expiry alert, whatever the lifetime.
  local renewalAhead = '%s > time() - %s' % [m.cert('renewal_timestamp_seconds') + m.certSel(), util.num(c.renewalOverdueGraceSeconds)],

  // The fixtures: a lifetime long enough that the cap decides, a remaining time inside the
  // threshold for the whole `for` window (firing) and one just outside it (quiet).
  local fixtureLifetime(cap, fraction) = std.ceil(2 * cap / fraction) + 86400,
  local expiryFiring(threshold, forSeconds) = std.floor(std.min(threshold / 2, threshold - forSeconds - 120)),
  local expiryQuiet(threshold) = threshold + 60,

  // gated: a Certificate's alert, quiet while its renewal is ahead; the quiet fixture then is
  // a certificate inside the threshold whose renewal is ahead.
  // nbMetric null: a series without a notBefore beside it (keystore entries, the prober's
  // client certificate), judged by the fixed `cap` alone.
  local expiryAlert(name, severity, metric, nbMetric, sel, cap, fraction, forSeconds, summary, labels, gated=false) =
    local exp = metric + sel;
    local within =
      if nbMetric == null then '%s < %s' % [remaining(exp), util.num(cap)]
      else expiresWithin(exp, nbMetric + sel, cap, fraction);
    alert(
      name,
      severity,
      within + (if gated then ' unless ' + renewalAhead else ''),
      forSeconds,
      summary,
      '%s expires in {{ $value | humanizeDuration }}.' % labels.text,
      function(t) {
        assert nbMetric == null || fraction > 0 : name + ': lifetime fractions must be above 0',
        local life = if nbMetric == null then 0 else fixtureLifetime(cap, fraction),
        local cert(r, renewal) = [series(metric, labels.series, t + r)] +
                                 (if nbMetric == null then [] else [series(nbMetric, labels.series, t + r - life)]) +
                                 (if gated then [series(m.cert('renewal_timestamp_seconds'), labels.series, renewal)] else []),
        local r = expiryFiring(cap, forSeconds),
        firing: { series: cert(r, t - c.renewalOverdueGraceSeconds - forSeconds - 3600), labels: labels.series, value: r },
        quiet: { series: if gated then cert(r, t + 3600) else cert(expiryQuiet(cap), t + 3600) },
      }
    ),

  local certLabels = m.certLabels('prod', 'web'),
  local certificate = { text: 'Certificate %s' % certName, series: certLabels },
  local endpoint = {
    text: 'The certificate served by {{ $labels.target }} (SNI {{ $labels.server_name }})',
    series: m.labels({ target: '10.0.0.10:443', server_name: 'web.example.com' }),
  },
  local file = {
    text: 'The certificate {{ $labels.subject }} in {{ $labels.path }}',
    series: m.labels({ path: '/etc/kubernetes/pki/apiserver.crt', subject: 'CN=kube-apiserver' }),
  },

  local certificateAlerts = [
    // The floors under the renewal: less than expiring_warning / expiring_critical left (or
    // those fractions of a shorter lifetime) while the renewal is overdue.
    expiryAlert('CertwatchCertificateExpiringSoon', 'warning', m.cert('expiration_timestamp_seconds'), m.cert('not_before_timestamp_seconds'), m.certSel(),
                c.expiringWarningSeconds, c.warningLifetimeFraction, c.expiringWarningFor,
                'A certificate whose renewal is overdue expires in less than %s.' % within(c.expiringWarningSeconds, c.warningLifetimeFraction), certificate, gated=true),
    expiryAlert('CertwatchCertificateExpiryCritical', 'critical', m.cert('expiration_timestamp_seconds'), m.cert('not_before_timestamp_seconds'), m.certSel(),
                c.expiringCriticalSeconds, c.criticalLifetimeFraction, c.expiringCriticalFor,
                'A certificate whose renewal is overdue expires in less than %s.' % within(c.expiringCriticalSeconds, c.criticalLifetimeFraction), certificate, gated=true),

    alert(
      'CertwatchCertificateNotReady',
      'warning',
      '%s == 0' % [m.cert('ready_status') + m.certSel(['condition="True"'])],
      c.notReadyFor,
      'A certificate is not ready.',
      'Certificate %s has not been Ready for more than %s; its renewal is failing or stuck.' % [certName, d(c.notReadyFor)],
      function(t) {
        local s(cond, v) = series(m.cert('ready_status'), certLabels { condition: cond }, v),
        firing: { series: [s('True', 0), s('False', 1), s('Unknown', 0)], labels: certLabels { condition: 'True' }, value: 0 },
        quiet: { series: [s('True', 1), s('False', 0), s('Unknown', 0)] },
      }
    ),

    if m.certManager then
      alert(
        'CertwatchCertificateRenewalErrors',
        'warning',
        'sum by (%s) (rate(certmanager_controller_sync_call_count%s[10m])) > %s' % [c.clusterLabel, m.certSel(['result="error"']), util.num(c.renewalErrorRate)],
        c.defaultFor,
        'cert-manager reconciles certificates with a high error rate.',
        "cert-manager's controllers report {{ $value | humanize }} sync errors per second.",
        function(t) {
          local sync(perMinute) = counter('certmanager_controller_sync_call_count',
                                          util.selectorLabels(c.certManagerSelector) { controller: 'certificates-issuing', result: 'error' },
                                          perMinute),
          firing: { series: [sync(c.renewalErrorRate * 120)], labels: {}, value: c.renewalErrorRate * 2 },
          quiet: { series: [sync(0)] },
        },
        testWarmup=600,
      )
    else
      alert(
        'CertwatchCertificateRenewalErrors',
        'warning',
        // The denominator counts certificates by their one Ready condition="True" series:
        // failed_issuance_attempts is sparse (absent while 0) under metrics.sparse.
        'count by (%(by)s) (%(m)s > 0) / count by (%(by)s) (%(all)s) > %(r)s' % { by: c.clusterLabel, m: m.cert('failed_issuance_attempts') + m.certSel(), all: m.cert('ready_status') + m.certSel(['condition="True"']), r: util.num(c.renewalErrorRate) },
        c.defaultFor,
        'Many certificates fail to renew.',
        '{{ $value | humanizePercentage }} of the certificates have failed issuance attempts.',
        function(t) {
          assert c.renewalErrorRate < 1 : 'alerts.renewal_error_rate must be below 1 (a fraction of the certificates)',
          // 20 certificates as certwatch exports them by default: each one's Ready series,
          // failed_issuance_attempts only for the k that fail.
          local failing(k) = [
            series(m.cert('ready_status'), m.certLabels('prod', 'cert-' + i) { condition: 'True' }, 1)
            for i in std.range(0, 19)
          ] + [
            series(m.cert('failed_issuance_attempts'), m.certLabels('prod', 'cert-' + i), 2)
            for i in std.range(0, k - 1)
          ],
          local k = std.floor(20 * c.renewalErrorRate) + 1,
          firing: { series: failing(k), labels: {}, value: k / 20 },
          quiet: { series: failing(std.floor(20 * c.renewalErrorRate)) },
        }
      ),

    // Overdue by renewal_overdue_fraction of the lifetime, at most half the renewal window
    // (notAfter - renewalTime), at least the grace: a 6-day certificate after 14 h, a 90-day
    // one after 9 days, a 398-day one renewed 30 days ahead after 15 days.
    alert(
      'CertwatchCertificateRenewalOverdue',
      'warning',
      local vars = {
        overdue: '(time() - %s)' % (m.cert('renewal_timestamp_seconds') + m.certSel()),
        life: lifetime(m.cert('expiration_timestamp_seconds') + m.certSel(), m.cert('not_before_timestamp_seconds') + m.certSel()),
        window: '(%s - %s)' % [m.cert('expiration_timestamp_seconds') + m.certSel(), m.cert('renewal_timestamp_seconds') + m.certSel()],
        f: util.num(c.renewalOverdueFraction),
        grace: util.num(c.renewalOverdueGraceSeconds),
      };
      '%(overdue)s > %(grace)s and %(overdue)s > (%(f)s * %(life)s < %(window)s / 2 or %(window)s / 2)' % vars,
      c.defaultFor,
      'A certificate is past its renewal time and has not been renewed.',
      'Certificate %s was due for renewal {{ $value | humanizeDuration }} ago.' % certName,
      function(t) {
        assert c.renewalOverdueFraction > 0 : 'alerts.renewal_overdue_fraction must be above 0',
        local life = 90 * 86400,
        local window = life / 3,
        local threshold = std.max(c.renewalOverdueGraceSeconds, std.min(c.renewalOverdueFraction * life, window / 2)),
        local cert(overdue) = [
          series(m.cert('renewal_timestamp_seconds'), certLabels, t - overdue),
          series(m.cert('expiration_timestamp_seconds'), certLabels, t - overdue + window),
          series(m.cert('not_before_timestamp_seconds'), certLabels, t - overdue + window - life),
        ],
        local late = std.ceil(threshold) + c.defaultFor + 120,
        firing: { series: cert(late), labels: certLabels, value: late },
        quiet: { series: cert(std.floor(threshold) - 60) },
      }
    ),

    // Where a Certificate has no renewal time (no status.renewalTime, or cert-manager's
    // metrics without it), the lifetime alone tells when renewal should have happened.
    expiryAlert('CertwatchCertificateLifetimeLow', 'warning', m.cert('expiration_timestamp_seconds'), m.cert('not_before_timestamp_seconds'), m.certSel(),
                c.lifetimeWarningMaxSeconds, c.remainingLifetimeFraction, c.defaultFor,
                'A certificate without a renewal time expires in less than %s.' % within(c.lifetimeWarningMaxSeconds, c.remainingLifetimeFraction), certificate) {
      expr+: ' unless %s' % (m.cert('renewal_timestamp_seconds') + m.certSel()),
    },

    if m.certManager then
      alert(
        'CertwatchAcmeRateLimited',
        'warning',
        'sum by (%s, host) (rate(certmanager_http_acme_client_request_count%s[1h])) > 0' % [c.clusterLabel, m.certSel(['status="429"'])],
        c.defaultFor,
        'The ACME server rate-limits cert-manager.',
        'cert-manager receives HTTP 429 from the ACME server {{ $labels.host }}; new certificates and renewals are refused until the limit window passes.',
        function(t) {
          local requests(perMinute) = counter('certmanager_http_acme_client_request_count',
                                              util.selectorLabels(c.certManagerSelector) { host: 'acme-v02.api.letsencrypt.org', path: '/acme/new-order', scheme: 'https', status: '429', method: 'POST' },
                                              perMinute),
          firing: { series: [requests(1)], labels: { host: 'acme-v02.api.letsencrypt.org' }, value: 1 / 60 },
          quiet: { series: [requests(0)] },
        }
      )
    else
      alert(
        'CertwatchAcmeRateLimited',
        'warning',
        '%s == 1' % [m.cert('acme_rate_limited') + m.certSel()],
        c.defaultFor,
        'A certificate cannot be issued because the ACME server rate-limits it.',
        'The latest issuance of certificate %s failed with an ACME rateLimited error from issuer {{ $labels.issuer_name }}.' % certName,
        function(t) {
          firing: { series: [series(m.cert('acme_rate_limited'), certLabels, 1)], labels: certLabels, value: 1 },
          // Absent while not rate-limited (metrics.sparse), or 0 (metrics.sparse: false).
          quiet: { series: [series(m.cert('expiration_timestamp_seconds'), certLabels, t + 30 * 86400)] },
        }
      ),
  ],

  local acmeAlerts = [
    alert(
      'CertwatchAcmeRateLimitBudgetForecastExhausted',
      'warning',
      '(%s + %s) / %s > %s' % [
        'certwatch_acme_rate_limit_budget_issued' + m.sel(),
        'certwatch_acme_rate_limit_budget_due' + m.sel(),
        'certwatch_acme_rate_limit_budget_limit' + m.sel(),
        util.num(c.budgetForecastFraction),
      ],
      c.defaultFor,
      'The weekly ACME certificate budget of a registered domain is forecast to run out.',
      'Registered domain {{ $labels.registered_domain }} is forecast to use {{ $value | humanizePercentage }} of its weekly certificate limit (issued in the last 7 days plus renewals due in the next 7).',
      function(t) {
        local labels = m.labels({ registered_domain: 'example.com' }),
        local budget(total) = [
          series('certwatch_acme_rate_limit_budget_issued', labels, std.floor(total / 2)),
          series('certwatch_acme_rate_limit_budget_due', labels, total - std.floor(total / 2)),
          series('certwatch_acme_rate_limit_budget_limit', labels, 50),
        ],
        local total = std.floor(50 * c.budgetForecastFraction) + 1,
        firing: { series: budget(total), labels: labels, value: total / 50 },
        quiet: { series: budget(std.floor(50 * c.budgetForecastFraction)) },
      }
    ),

    alert(
      'CertwatchDns01ChallengeNotPropagated',
      'warning',
      'certwatch_dns_challenge_propagated%s == 0' % m.sel(),
      c.dnsNotPropagatedFor,
      'A DNS-01 challenge record has not reached a resolver.',
      'Resolver {{ $labels.resolver }} does not return the TXT record of challenge {{ $labels.namespace }}/{{ $labels.challenge }} for {{ $labels.domain }} after %s.' % d(c.dnsNotPropagatedFor),
      function(t) {
        local labels = m.labels({ namespace: 'prod', challenge: 'web-1-2345-67890', domain: 'web.example.com', resolver: '8.8.8.8:53' }),
        firing: { series: [series('certwatch_dns_challenge_propagated', labels, 0)], labels: labels, value: 0 },
        quiet: { series: [series('certwatch_dns_challenge_propagated', labels, 1)] },
      }
    ),

    alert(
      'CertwatchCaaForbidsIssuer',
      'warning',
      'certwatch_caa_issuance_allowed%s == 0' % m.sel(),
      c.defaultFor,
      'CAA records forbid the issuer of a certificate.',
      'The CAA records of {{ $labels.domain }} do not allow {{ $labels.ca_domain }}, the CA of issuer {{ $labels.issuer_name }}, so certificate {{ $labels.namespace }}/{{ $labels.certificate }} cannot be issued.',
      function(t) {
        local labels = m.labels({ namespace: 'prod', certificate: 'web', domain: 'web.example.com', issuer_name: 'letsencrypt-prod', ca_domain: 'letsencrypt.org' }),
        firing: { series: [series('certwatch_caa_issuance_allowed', labels, 0)], labels: labels, value: 0 },
        quiet: { series: [series('certwatch_caa_issuance_allowed', labels, 1)] },
      }
    ),

    alert(
      'CertwatchIssuerNotReady',
      'warning',
      'certwatch_issuer_ready_status%s == 0' % m.sel(['condition="True"']),
      c.notReadyFor,
      'A cert-manager issuer is not ready.',
      '{{ $labels.kind }} {{ $labels.name }} (namespace "{{ $labels.namespace }}") has not been Ready for more than %s; certificates it signs cannot be issued or renewed.' % d(c.notReadyFor),
      function(t) {
        local labels = m.labels({ namespace: '', name: 'letsencrypt-prod', kind: 'ClusterIssuer' }),
        local s(cond, v) = series('certwatch_issuer_ready_status', labels { condition: cond }, v),
        firing: { series: [s('True', 0), s('False', 1), s('Unknown', 0)], labels: labels { condition: 'True' }, value: 0 },
        quiet: { series: [s('True', 1), s('False', 0), s('Unknown', 0)] },
      }
    ),
  ],

  local endpointAlerts = [
    alert(
      'CertwatchEndpointServingStaleCertificate',
      'warning',
      'certwatch_tls_served_matches_secret%s == 0' % m.sel(),
      c.driftFor,
      'An endpoint serves a certificate other than the one its Secret holds.',
      'Endpoint {{ $labels.target }} has served a certificate other than the one of Certificate {{ $labels.namespace }}/{{ $labels.certificate }} for more than %s; the renewed certificate has not been picked up.' % d(c.driftFor),
      function(t) {
        local labels = m.labels({ namespace: 'prod', certificate: 'web', target: '10.0.0.10:443' }),
        firing: { series: [series('certwatch_tls_served_matches_secret', labels, 0)], labels: labels, value: 0 },
        quiet: { series: [series('certwatch_tls_served_matches_secret', labels, 1)] },
      }
    ),
    // No renewal time is known here: warn when less than remaining_lifetime_fraction of the
    // lifetime is left (at most lifetime_warning_max before expiry).
    expiryAlert('CertwatchEndpointCertificateExpiringSoon', 'warning', 'certwatch_tls_cert_not_after_timestamp_seconds', 'certwatch_tls_cert_not_before_timestamp_seconds', m.sel(),
                c.lifetimeWarningMaxSeconds, c.remainingLifetimeFraction, c.expiringWarningFor,
                'The certificate served by an endpoint expires in less than %s.' % within(c.lifetimeWarningMaxSeconds, c.remainingLifetimeFraction), endpoint) {
      // A kubelet's is CertwatchKubeletCertificateExpiringSoon's.
      expr+: ' unless on(target) certwatch_tls_info%s' % m.sel(['source=~"node:.+"']),
    },
    expiryAlert('CertwatchEndpointCertificateExpiryCritical', 'critical', 'certwatch_tls_cert_not_after_timestamp_seconds', 'certwatch_tls_cert_not_before_timestamp_seconds', m.sel(),
                c.expiringCriticalSeconds, c.criticalLifetimeFraction, c.expiringCriticalFor,
                'The certificate served by an endpoint expires in less than %s.' % within(c.expiringCriticalSeconds, c.criticalLifetimeFraction), endpoint),
    alert(
      'CertwatchEndpointCertificateVerificationFailed',
      'critical',
      // A webhook endpoint probed for its caBundle is CertwatchWebhookCaBundleStale's.
      'certwatch_tls_verify_result%s == 1 unless on(target, server_name) certwatch_tls_info%s' % [m.sel(['reason!~"ok|handshake_failed|connect_failed|timeout"']), m.sel(['source=~"ca_bundle:.+"'])],
      c.defaultFor,
      'The certificate served by an endpoint fails verification.',
      'Clients of {{ $labels.target }} (SNI {{ $labels.server_name }}) reject its certificate: {{ $labels.reason }}.',
      function(t) {
        local labels = m.labels({ target: '10.0.0.10:443', server_name: 'web.example.com' }),
        local s(reason, v) = series('certwatch_tls_verify_result', labels { reason: reason }, v),
        local caBundleProbe = series('certwatch_tls_info', labels { source: 'ca_bundle:ValidatingWebhookConfiguration/hook/v.example.com' }, 1),
        firing: { series: [s('ok', 0), s('hostname_mismatch', 1)], labels: labels { reason: 'hostname_mismatch' }, value: 1 },
        // The same failure on a webhook endpoint is CertwatchWebhookCaBundleStale's.
        quiet: { series: [s('ok', 0), s('hostname_mismatch', 1), caBundleProbe] },
      }
    ),
    alert(
      'CertwatchEndpointProbeFailed',
      'warning',
      'certwatch_tls_probe_success%s == 0' % m.sel(),
      c.defaultFor,
      'A TLS endpoint cannot be probed.',
      'certwatch cannot complete a TLS handshake with {{ $labels.target }} (SNI {{ $labels.server_name }}).',
      function(t) {
        local labels = m.labels({ target: '10.0.0.10:443', server_name: 'web.example.com' }),
        firing: { series: [series('certwatch_tls_probe_success', labels, 0)], labels: labels, value: 0 },
        quiet: { series: [series('certwatch_tls_probe_success', labels, 1)] },
      }
    ),
  ],

  local fileAlerts = [
    expiryAlert('CertwatchFileCertificateExpiringSoon', 'warning', 'certwatch_file_cert_not_after_timestamp_seconds', 'certwatch_file_cert_not_before_timestamp_seconds', m.sel(),
                c.lifetimeWarningMaxSeconds, c.remainingLifetimeFraction, c.expiringWarningFor,
                'A certificate file expires in less than %s.' % within(c.lifetimeWarningMaxSeconds, c.remainingLifetimeFraction), file),
    expiryAlert('CertwatchFileCertificateExpiryCritical', 'critical', 'certwatch_file_cert_not_after_timestamp_seconds', 'certwatch_file_cert_not_before_timestamp_seconds', m.sel(),
                c.expiringCriticalSeconds, c.criticalLifetimeFraction, c.expiringCriticalFor,
                'A certificate file expires in less than %s.' % within(c.expiringCriticalSeconds, c.criticalLifetimeFraction), file),
  ],

  // A gauge that is 1 while something is wrong (sparse families: absent otherwise).
  local flagAlert(name, severity, metric, labels, summary, description, forSeconds=c.defaultFor) =
    alert(
      name,
      severity,
      '%s%s == 1' % [metric, m.sel()],
      forSeconds,
      summary,
      description,
      function(t) {
        firing: { series: [series(metric, labels, 1)], labels: labels, value: 1 },
        quiet: { series: [series(metric, labels, 0)] },
      }
    ),

  local endpointLabels = m.labels({ target: '10.0.0.10:443', server_name: 'web.example.com' }),
  local secretLabels = m.labels({ namespace: 'prod', secret: 'web-tls' }),
  local keyAlerts = [
    flagAlert('CertwatchEndpointCertificateRevoked', 'critical', 'certwatch_tls_cert_revoked', endpointLabels,
              'An endpoint serves a revoked certificate.',
              'A fresh CRL of its issuer lists the certificate served by {{ $labels.target }} (SNI {{ $labels.server_name }}).'),
    flagAlert('CertwatchSecretCertificateRevoked', 'critical', 'certwatch_secret_cert_revoked', secretLabels,
              'A TLS Secret holds a revoked certificate.',
              'A fresh CRL of its issuer lists the certificate of Secret {{ $labels.namespace }}/{{ $labels.secret }}.'),
    flagAlert('CertwatchEndpointCertificateWeak', 'warning', 'certwatch_tls_cert_weak', endpointLabels { reason: 'rsa_key_too_small' },
              'An endpoint serves a certificate that clients refuse as weak.',
              '{{ $labels.target }} (SNI {{ $labels.server_name }}) serves a certificate with {{ $labels.reason }}.'),
    flagAlert('CertwatchSecretCertificateWeak', 'warning', 'certwatch_secret_cert_weak', secretLabels { reason: 'sha1_signature' },
              'A TLS Secret holds a certificate that clients refuse as weak.',
              'Secret {{ $labels.namespace }}/{{ $labels.secret }} holds a certificate with {{ $labels.reason }}.'),
    flagAlert('CertwatchFileCertificateWeak', 'warning', 'certwatch_file_cert_weak', m.labels({ path: '/etc/ssl/legacy.crt', subject: 'CN=legacy', reason: 'rsa_key_too_small' }),
              'A certificate file holds a certificate that clients refuse as weak.',
              'The certificate {{ $labels.subject }} in {{ $labels.path }} has {{ $labels.reason }}.'),
    flagAlert('CertwatchKeystoreCertificateWeak', 'warning', 'certwatch_keystore_cert_weak', m.labels({ namespace: 'prod', secret: 'kafka-tls', key: 'keystore.jks', alias: 'kafka', subject: 'CN=kafka', reason: 'rsa_key_too_small' }),
              'A keystore in a Secret holds a certificate that clients refuse as weak.',
              'The certificate {{ $labels.alias }} ({{ $labels.subject }}) in keystore {{ $labels.key }} of Secret {{ $labels.namespace }}/{{ $labels.secret }} has {{ $labels.reason }}.'),
    flagAlert('CertwatchKeystoreUnreadable', 'warning', 'certwatch_keystore_error', m.labels({ namespace: 'prod', secret: 'kafka-tls', key: 'keystore.p12', reason: 'wrong_password' }),
              'A keystore in a Secret cannot be read.',
              'Keystore {{ $labels.key }} of Secret {{ $labels.namespace }}/{{ $labels.secret }} cannot be read: {{ $labels.reason }}; its certificates are not watched.'),
    expiryAlert('CertwatchKeystoreCertificateExpiringSoon', 'warning', 'certwatch_keystore_cert_not_after_timestamp_seconds', null, m.sel(),
                c.expiringWarningSeconds, 0, c.expiringWarningFor, 'A certificate in a keystore expires in less than %s.' % d(c.expiringWarningSeconds),
                { text: 'The certificate {{ $labels.alias }} ({{ $labels.subject }}) in keystore {{ $labels.key }} of Secret {{ $labels.namespace }}/{{ $labels.secret }}', series: m.labels({ namespace: 'prod', secret: 'kafka-tls', key: 'truststore.jks', alias: 'ca', subject: 'CN=Kafka CA' }) }),
    expiryAlert('CertwatchProbeClientCertificateExpiringSoon', 'warning', 'certwatch_tls_client_cert_not_after_timestamp_seconds', null, m.sel(),
                c.expiringWarningSeconds, 0, c.expiringWarningFor, "certwatch's client certificate for an mTLS target expires in less than %s." % d(c.expiringWarningSeconds),
                { text: 'The client certificate {{ $labels.path }} certwatch presents to {{ $labels.target }}', series: endpointLabels { path: '/etc/certwatch/client.crt' } }),
    alert(
      'CertwatchCrlStale',
      'warning',
      'certwatch_crl_next_update_timestamp_seconds%s < time()' % m.sel(),
      c.defaultFor,
      'A CRL certwatch uses is past its nextUpdate.',
      'The CRL from {{ $labels.source }} (issuer {{ $labels.issuer }}) is past its nextUpdate: revocation of that issuer\'s certificates is not checked.',
      function(t) {
        local labels = m.labels({ source: 'http://crl.example.com/ca.crl', issuer: 'CN=Example CA' }),
        firing: { series: [series('certwatch_crl_next_update_timestamp_seconds', labels, t - 3600)], labels: labels, value: t - 3600 },
        quiet: { series: [series('certwatch_crl_next_update_timestamp_seconds', labels, t + 3600)] },
      }
    ),
    alert(
      'CertwatchCrlFetchFailing',
      'warning',
      'certwatch_crl_fetch_success%s == 0' % m.sel(),
      c.defaultFor,
      'A CRL cannot be fetched or read.',
      'certwatch cannot fetch or parse the CRL from {{ $labels.source }}; the last one it read is used until its nextUpdate.',
      function(t) {
        local labels = m.labels({ source: 'http://crl.example.com/ca.crl' }),
        firing: { series: [series('certwatch_crl_fetch_success', labels, 0)], labels: labels, value: 0 },
        quiet: { series: [series('certwatch_crl_fetch_success', labels, 1)] },
      }
    ),
  ],

  local absentSelector = if m.certManager then c.certManagerSelector else c.certwatchSelector,
  local systemAlerts = [
    alert(
      'CertwatchClockSkew',
      'warning',
      'abs(certwatch_clock_skew_seconds%s) > %s' % [m.sel(), util.num(c.clockSkewSeconds)],
      c.defaultFor,
      "certwatch's clock is skewed.",
      'The local clock differs from {{ $labels.reference }} by {{ $value | humanizeDuration }}; certificates may be judged not yet valid or expired too early.',
      function(t) {
        local labels = m.labels({ reference: 'kubernetes-apiserver' }),
        firing: { series: [series('certwatch_clock_skew_seconds', labels, -2 * c.clockSkewSeconds)], labels: labels, value: 2 * c.clockSkewSeconds },
        quiet: { series: [series('certwatch_clock_skew_seconds', labels, c.clockSkewSeconds)] },
      }
    ),
    alert(
      if m.certManager then 'CertwatchCertManagerAbsent' else 'CertwatchExporterAbsent',
      'critical',
      'absent(up%s == 1)' % util.selector(absentSelector),
      c.defaultFor,
      if m.certManager then 'cert-manager metrics are not being scraped.' else 'certwatch is not being scraped.',
      'No target matching %s has been up for %s: certificate alerts cannot fire.' % [util.selector(absentSelector), d(c.defaultFor)],
      function(t) {
        local up(v) = series('up', util.selectorLabels(absentSelector) { instance: '10.0.0.5:9480' }, v),
        firing: { series: [up(0)], labels: {}, value: 1 },
        quiet: { series: [up(1)] },
      }
    ),
    alert(
      'CertwatchSourceDown',
      'warning',
      'certwatch_source_up%s == 0' % m.sel(),
      c.defaultFor,
      'A certwatch source is down.',
      'certwatch source {{ $labels.source }} is not synced or not healthy; its certificates are not being watched.',
      function(t) {
        local labels = m.labels({ source: 'kubernetes' }),
        firing: { series: [series('certwatch_source_up', labels, 0)], labels: labels, value: 0 },
        quiet: { series: [series('certwatch_source_up', labels, 1)] },
      }
    ),
  ],

  // Certificates no Certificate object describes (kubernetes.configmaps, .bundles,
  // .ca_bundles, .csrs, .kubelets). CAs in bundles have no renewal time and no notBefore
  // series: the fixed lifetime_warning_max decides, long enough to roll out a new CA.
  local caBundleLabels = m.labels({ kind: 'ValidatingWebhookConfiguration', name: 'cert-manager-webhook', webhook: 'webhook.cert-manager.io' }),
  local kubeletTarget = '10.0.0.21:10250',
  local nodeInfo = series('certwatch_tls_info', m.labels({ target: kubeletTarget, source: 'node:worker-1' }), 1),
  local csrLabels = m.labels({ name: 'csr-8x2kq', signer_name: 'kubernetes.io/kubelet-serving' }),
  local trustAlerts = [
    alert(
      'CertwatchWebhookCaBundleStale',
      'critical',
      // unreachable is CertwatchEndpointProbeFailed's where an endpoint exists (the endpoint is a
      // TLS target too); a Service without a ready endpoint is a webhook down, not a stale CA.
      'certwatch_ca_bundle_verifies_served%s == 0 unless ignoring(reason) certwatch_ca_bundle_verify_failure%s == 1' % [m.sel(), m.sel(['reason="unreachable"'])],
      c.defaultFor,
      'A caBundle the API server trusts does not verify the certificate its webhook serves.',
      'The caBundle of {{ $labels.kind }} {{ $labels.name }} (webhook "{{ $labels.webhook }}") does not verify the chain its endpoint serves: the API server refuses every call to it.',
      function(t) {
        local failure(reason) = series('certwatch_ca_bundle_verify_failure', caBundleLabels { reason: reason }, 1),
        firing: { series: [series('certwatch_ca_bundle_verifies_served', caBundleLabels, 0), failure('stale_ca_bundle')], labels: caBundleLabels, value: 0 },
        quiet: { series: [series('certwatch_ca_bundle_verifies_served', caBundleLabels, 0), failure('unreachable')] },
      }
    ),
    expiryAlert('CertwatchCaBundleCertificateExpiringSoon', 'warning', 'certwatch_ca_bundle_cert_not_after_timestamp_seconds', null, m.sel(),
                c.lifetimeWarningMaxSeconds, 0, c.expiringWarningFor, 'A CA in a caBundle the API server trusts expires in less than %s.' % d(c.lifetimeWarningMaxSeconds),
                { text: 'CA {{ $labels.subject }} (serial {{ $labels.serial }}) in the caBundle of {{ $labels.kind }} {{ $labels.name }} (webhook "{{ $labels.webhook }}")', series: caBundleLabels { subject: 'CN=cert-manager-webhook-ca', serial: '0A' } }),
    expiryAlert('CertwatchBundleCertificateExpiringSoon', 'warning', 'certwatch_bundle_cert_not_after_timestamp_seconds', null, m.sel(),
                c.lifetimeWarningMaxSeconds, 0, c.expiringWarningFor, 'A CA in a trust-manager Bundle expires in less than %s.' % d(c.lifetimeWarningMaxSeconds),
                { text: 'CA {{ $labels.subject }} (serial {{ $labels.serial }}) of Bundle {{ $labels.bundle }}', series: m.labels({ bundle: 'corp-trust', subject: 'CN=Corp Root CA', serial: '1F' }) }),
    expiryAlert('CertwatchConfigMapCertificateExpiringSoon', 'warning', 'certwatch_configmap_cert_not_after_timestamp_seconds', null, m.sel(),
                c.lifetimeWarningMaxSeconds, 0, c.expiringWarningFor, 'A certificate in a ConfigMap expires in less than %s.' % d(c.lifetimeWarningMaxSeconds),
                { text: 'The certificate {{ $labels.subject }} (serial {{ $labels.serial }}) in key {{ $labels.key }} of ConfigMap {{ $labels.namespace }}/{{ $labels.configmap }}', series: m.labels({ namespace: 'prod', configmap: 'ca-bundle', key: 'ca.crt', subject: 'CN=Corp Root CA', serial: '1F' }) }),
    alert(
      'CertwatchBundleNotSynced',
      'warning',
      'certwatch_bundle_synced%s == 0' % m.sel(),
      c.notReadyFor,
      'A trust-manager Bundle is not synced to its targets.',
      'Bundle {{ $labels.bundle }} has not been Synced for more than %s; its target ConfigMaps or Secrets hold an outdated or no CA set.' % d(c.notReadyFor),
      function(t) {
        local labels = m.labels({ bundle: 'corp-trust' }),
        firing: { series: [series('certwatch_bundle_synced', labels, 0)], labels: labels, value: 0 },
        quiet: { series: [series('certwatch_bundle_synced', labels, 1)] },
      }
    ),
    // The endpoint expiry rule, for kubelets (targets certwatch_tls_info names node:<name>).
    expiryAlert('CertwatchKubeletCertificateExpiringSoon', 'warning', 'certwatch_tls_cert_not_after_timestamp_seconds', 'certwatch_tls_cert_not_before_timestamp_seconds', m.sel(),
                c.lifetimeWarningMaxSeconds, c.remainingLifetimeFraction, c.expiringWarningFor,
                "A kubelet's serving certificate expires in less than %s." % within(c.lifetimeWarningMaxSeconds, c.remainingLifetimeFraction),
                { text: 'The serving certificate of the kubelet at {{ $labels.target }}', series: m.labels({ target: kubeletTarget }) }) {
      expr+: ' and on(target) certwatch_tls_info%s' % m.sel(['source=~"node:.+"']),
      test:: function(t) super.test(t) {
        firing+: { series+: [nodeInfo] },
        quiet+: { series+: [nodeInfo] },
      },
    },
    alert(
      'CertwatchCertificateSigningRequestPending',
      'warning',
      'time() - certwatch_csr_created_timestamp_seconds%s > %s and ignoring(condition) certwatch_csr_condition%s == 1' % [m.sel(), util.num(c.notReadyFor), m.sel(['condition="Pending"'])],
      c.defaultFor,
      'A CertificateSigningRequest has been pending for too long.',
      'CertificateSigningRequest {{ $labels.name }} (signer {{ $labels.signer_name }}) has been Pending for {{ $value | humanizeDuration }}; nothing approves it.',
      function(t) {
        local age = c.notReadyFor + c.defaultFor + 600,
        local csr(state) = [
          series('certwatch_csr_created_timestamp_seconds', csrLabels, t - age),
          series('certwatch_csr_condition', csrLabels { condition: state }, 1),
        ],
        firing: { series: csr('Pending'), labels: csrLabels, value: age },
        quiet: { series: csr('Issued') },
      }
    ),
  ],

  prometheusAlerts+: {
    groups+: [
      { name: 'certwatch-certificates', rules: certificateAlerts },
      { name: 'certwatch-acme', rules: acmeAlerts },
      { name: 'certwatch-endpoints', rules: endpointAlerts },
      { name: 'certwatch-files', rules: fileAlerts },
      { name: 'certwatch-keys-and-revocation', rules: keyAlerts },
      { name: 'certwatch-cluster-trust', rules: trustAlerts },
      { name: 'certwatch-system', rules: systemAlerts },
    ],
  },
}
