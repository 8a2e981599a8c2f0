// runbooks.md: one section per alert; each alert's runbook_url points at its heading.
// Commands use the `certwatch status certificate` walk (Certificate -> CertificateRequest ->
// Order -> Challenge) and plain kubectl so that they work without certwatch installed.
local util = import 'util.libsonnet';

{
  local c = $._config,
  local d = util.duration,

  local status = |||
    certwatch status certificate NAME -n NAMESPACE
    kubectl get certificate NAME -n NAMESPACE -o yaml
    kubectl get certificaterequest,order,challenge -n NAMESPACE
  |||,

  // The file rules/outputs.jsonnet writes the runbooks to (kRunbookFile in config/config.h).
  runbookFile:: 'runbooks.md',
  // An alert's runbook_url: its section under runbookBaseUrl, or in runbookFile when no base
  // URL is configured (a relative link, never a guessed host).
  runbookUrl(alert)::
    (if c.runbookBaseUrl == '' then $.runbookFile else c.runbookBaseUrl) + '#' + util.anchor(alert),

  runbooks:: {
    CertwatchCertificateExpiringSoon: {
      meaning: 'The certificate\'s renewal is overdue (its `status.renewalTime` passed more than %s ago) and it expires in less than %s, or %s of its lifetime for a shorter-lived certificate. While the renewal is ahead this alert stays quiet, whatever the lifetime: the renewal time is cert-manager\'s own reference.' % [d(c.renewalOverdueGraceSeconds), d(c.expiringWarningSeconds), util.humanizePercentage(c.warningLifetimeFraction)],
      impact: 'None yet. Clients will refuse the endpoints that serve it once it expires.',
      diagnosis: ['Walk the issuance chain and read where it stalled:\n\n```\n' + status + '```', 'Check `CertwatchCertificateNotReady`, `CertwatchAcmeRateLimited` and `CertwatchDns01ChallengeNotPropagated` for the same certificate: they usually name the cause.'],
      mitigation: ['Fix the cause the status walk reports, then re-trigger issuance: `cmctl renew NAME -n NAMESPACE` (or let `certwatch renew` do it when enabled).', 'If the issuer is rate-limited, switch the Certificate to a fallback issuer (see `CertwatchAcmeRateLimited`).'],
    },
    CertwatchCertificateExpiryCritical: {
      meaning: 'The certificate\'s renewal is overdue and it expires in less than %s, or %s of its lifetime for a shorter-lived certificate.' % [d(c.expiringCriticalSeconds), util.humanizePercentage(c.criticalLifetimeFraction)],
      impact: 'An outage is imminent: browsers and API clients will refuse TLS connections to every endpoint that serves this certificate.',
      diagnosis: ['As for `CertwatchCertificateExpiringSoon`, but act now:\n\n```\n' + status + '```'],
      mitigation: ['Re-issue from a working issuer: change `spec.issuerRef` to a fallback issuer if the current one is rate-limited or broken, then `cmctl renew NAME -n NAMESPACE`.', 'Last resort, when the ingress controller tolerates a missing Secret: `kubectl delete secret SECRET -n NAMESPACE` forces a fresh issuance.'],
    },
    CertwatchCertificateNotReady: {
      meaning: 'The Certificate\'s Ready condition has not been True for %s.' % d(c.notReadyFor),
      impact: 'The Secret may still hold a valid certificate, but renewal is failing; without action it expires.',
      diagnosis: ['Read the Ready condition\'s reason and the failing CertificateRequest:\n\n```\nkubectl get certificate NAME -n NAMESPACE -o jsonpath=\'{.status.conditions}\'\nkubectl describe certificaterequest -n NAMESPACE -l cert-manager.io/certificate-name=NAME\n```', 'The events of the CertificateRequest, Order and Challenge carry the issuer\'s error (ACME challenge failure, authorization error, webhook rejection).'],
      mitigation: ['Delete failed Challenges and CertificateRequests so cert-manager retries cleanly:\n\n```\nkubectl delete challenges -n NAMESPACE -l cert-manager.io/certificate-name=NAME\nkubectl delete certificaterequest -n NAMESPACE -l cert-manager.io/certificate-name=NAME\n```'],
    },
    CertwatchCertificateRenewalErrors: {
      meaning: if c.useCertManagerMetrics then 'cert-manager\'s controllers report more than %s sync errors per second.' % c.renewalErrorRate
      else 'More than %s of the certificates have failed issuance attempts.' % util.humanizePercentage(c.renewalErrorRate),
      impact: 'A systemic problem (ACME server, DNS provider credentials, cluster DNS, webhook) affects many certificates at once.',
      diagnosis: ['Look for the common factor: issuer, namespace, DNS provider.\n\n```\nkubectl get certificates -A -o custom-columns=\'NAMESPACE:.metadata.namespace,NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status,REASON:.status.conditions[?(@.type=="Ready")].reason\'\nkubectl logs -n cert-manager -l app=cert-manager --tail=200\n```'],
      mitigation: ['Fix the shared dependency (issuer credentials, DNS provider token, network policy to the ACME server), then let cert-manager retry.'],
    },
    CertwatchCertificateRenewalOverdue: {
      meaning: 'The certificate is past its `status.renewalTime` by more than %s of its lifetime (at most half the time from renewalTime to notAfter, at least %s) and has not been renewed: for a 90-day certificate renewed 30 days ahead, after 9 days; for a 6-day one, after 14 hours.' % [util.humanizePercentage(c.renewalOverdueFraction), d(c.renewalOverdueGraceSeconds)],
      impact: 'Renewal is silently stuck; the remaining validity is being used up.',
      diagnosis: ['```\n' + status + '```', 'Check whether issuance is backing off after failures (`status.failedIssuanceAttempts`, `status.lastFailureTime`).'],
      mitigation: ['Fix the reported cause, then `cmctl renew NAME -n NAMESPACE`.'],
    },
    CertwatchCertificateLifetimeLow: {
      meaning: 'The Certificate has no renewal time (no `status.renewalTime`), and less than %s of its lifetime (notBefore to notAfter) is left, or less than %s for a long-lived one. This works for short-lived certificates where fixed day thresholds do not.' % [util.humanizePercentage(c.remainingLifetimeFraction), d(c.lifetimeWarningMaxSeconds)],
      impact: 'Renewal, due at two thirds of the lifetime by default, has not happened.',
      diagnosis: ['```\n' + status + '```'],
      mitigation: ['As for `CertwatchCertificateRenewalOverdue`.'],
    },
    CertwatchAcmeRateLimited: {
      meaning: 'The ACME server refused an order with HTTP 429 / `urn:ietf:params:acme:error:rateLimited`. Let\'s Encrypt allows 50 certificates per registered domain per week, plus limits on failed validations and duplicate certificates.',
      impact: 'No certificate of the affected domain can be issued or renewed until the limit window passes.',
      diagnosis: ['```\nkubectl get orders -n NAMESPACE --sort-by=.metadata.creationTimestamp | tail -20\nkubectl get events -n NAMESPACE --field-selector reason=Failed | grep -i rate\n```', 'The Order\'s `status.reason` names the limit and when it resets.'],
      mitigation: ['Stop retries that burn more budget (fix the underlying failure first).', 'Switch the Certificate to a fallback issuer (another ACME CA), by hand or with `certwatch renew` and `renewer.fallback_issuers`.', 'Test new configurations against the staging issuer.'],
    },
    CertwatchAcmeRateLimitBudgetForecastExhausted: {
      meaning: 'Certificates issued for this registered domain in the last 7 days plus renewals due in the next 7 days exceed %s of the weekly limit.' % util.humanizePercentage(c.budgetForecastFraction),
      impact: 'Upcoming renewals are likely to be rate-limited.',
      diagnosis: ['```\nkubectl get certificates -A -o wide | grep DOMAIN\n```', 'Look for certificates that re-issue in a loop, or many certificates that could share one with several SANs.'],
      mitigation: ['Consolidate names into fewer certificates (up to 100 SANs each), spread renewals with `renewBefore`, or move some certificates to another issuer.'],
    },
    CertwatchDns01ChallengeNotPropagated: {
      meaning: 'The TXT record of a presented DNS-01 challenge is not returned by resolver `resolver` after %s.' % d(c.dnsNotPropagatedFor),
      impact: 'The ACME server will likely fail the challenge and the order.',
      diagnosis: ['```\ncertwatch probe dns _acme-challenge.DOMAIN --type TXT --resolver 8.8.8.8 --resolver 1.1.1.1 --resolver 9.9.9.9\nkubectl get challenges -n NAMESPACE -o wide\n```', 'Compare with the authoritative servers: a slow secondary or a long negative-cache TTL delays propagation.'],
      mitigation: ['Check the DNS provider credentials and zone; lower the TTL of `_acme-challenge` records; raise cert-manager\'s `--dns01-check-retry-period` or point `--dns01-recursive-nameservers` at resolvers that see the zone.'],
    },
    CertwatchCaaForbidsIssuer: {
      meaning: 'The CAA records that apply to the name do not list the CA of the certificate\'s issuer.',
      impact: 'The CA must refuse issuance; renewals will fail.',
      diagnosis: ['```\ncertwatch probe dns DOMAIN --type CAA --resolver 8.8.8.8\n```'],
      mitigation: ['Add a CAA `issue` record for the CA (for example `0 issue "letsencrypt.org"`) or move the certificate to an allowed issuer.'],
    },
    CertwatchIssuerNotReady: {
      meaning: 'An Issuer or ClusterIssuer has not been Ready for %s.' % d(c.notReadyFor),
      impact: 'Every certificate it signs fails to issue or renew.',
      diagnosis: ['```\nkubectl describe clusterissuer NAME\nkubectl describe issuer NAME -n NAMESPACE\n```', 'Typical causes: ACME account registration failed, the referenced Secret (account key, CA key, credentials) is missing.'],
      mitigation: ['Fix the referenced Secret or the ACME server URL; cert-manager re-checks the issuer on change.'],
    },
    CertwatchEndpointServingStaleCertificate: {
      meaning: 'For %s the endpoint has served a certificate other than the one the Certificate\'s Secret holds.' % d(c.driftFor),
      impact: 'The renewal happened but clients still get the old certificate, which will expire.',
      diagnosis: ['```\ncertwatch probe tls TARGET --server-name NAME\nkubectl get secret SECRET -n NAMESPACE -o jsonpath=\'{.data.tls\\.crt}\' | base64 -d | openssl x509 -noout -serial -enddate\n```'],
      mitigation: ['Reload or restart the workload that terminates TLS (ingress controller, pod mounting the Secret), or fix the Ingress that points at a different Secret.'],
    },
    CertwatchEndpointCertificateExpiringSoon: {
      meaning: 'Less than %s of the lifetime of the leaf certificate served on the wire is left (at most %s before expiry). cert-manager renews at two thirds of the lifetime by default, so the endpoint has not picked up a renewal.' % [util.humanizePercentage(c.remainingLifetimeFraction), d(c.lifetimeWarningMaxSeconds)],
      impact: 'Clients will refuse the endpoint once it expires, whatever Kubernetes holds.',
      diagnosis: ['```\ncertwatch probe tls TARGET --server-name NAME\n```', 'If the Certificate was renewed, see `CertwatchEndpointServingStaleCertificate`.'],
      mitigation: ['Renew the certificate the endpoint uses, or make the endpoint load the renewed one.'],
    },
    CertwatchEndpointCertificateExpiryCritical: {
      meaning: 'The leaf certificate served on the wire expires in less than %s, or %s of its lifetime for a shorter-lived certificate.' % [d(c.expiringCriticalSeconds), util.humanizePercentage(c.criticalLifetimeFraction)],
      impact: 'An outage of the endpoint is imminent.',
      diagnosis: ['```\ncertwatch probe tls TARGET --server-name NAME\n```'],
      mitigation: ['As for `CertwatchEndpointCertificateExpiringSoon`, now.'],
    },
    CertwatchEndpointCertificateVerificationFailed: {
      meaning: 'The endpoint completes a TLS handshake but its certificate does not verify; the `reason` label says why (expired, hostname_mismatch, unknown_authority, incomplete_chain, ...).',
      impact: 'Clients that verify certificates refuse the endpoint.',
      diagnosis: ['```\ncertwatch probe tls TARGET --server-name NAME -o json\nopenssl s_client -connect TARGET -servername NAME -showcerts </dev/null\n```'],
      mitigation: ['incomplete_chain: serve the full chain (`tls.crt` with intermediates). hostname_mismatch: add the name to the Certificate\'s `dnsNames`. expired: see `CertwatchEndpointServingStaleCertificate`.'],
    },
    CertwatchEndpointProbeFailed: {
      meaning: 'certwatch cannot complete a TLS handshake with the endpoint.',
      impact: 'Either the endpoint is down for its clients too, or certwatch cannot reach it and its certificate is not being watched.',
      diagnosis: ['```\ncertwatch probe tls TARGET --server-name NAME\n```', 'Check network policies between certwatch and the endpoint.'],
      mitigation: ['Restore the endpoint or certwatch\'s network path to it.'],
    },
    CertwatchFileCertificateExpiringSoon: {
      meaning: 'Less than %s of the lifetime of a certificate file read by certwatch (control-plane PKI, kubeconfig) is left (at most %s before expiry).' % [util.humanizePercentage(c.remainingLifetimeFraction), d(c.lifetimeWarningMaxSeconds)],
      impact: 'Control-plane components or users authenticating with it will fail once it expires.',
      diagnosis: ['```\nopenssl x509 -in PATH -noout -subject -enddate\nkubeadm certs check-expiration\n```'],
      mitigation: ['Renew it (for kubeadm clusters `kubeadm certs renew all`, then restart the control-plane static pods).'],
    },
    CertwatchFileCertificateExpiryCritical: {
      meaning: 'A certificate file read by certwatch expires in less than %s, or %s of its lifetime for a shorter-lived certificate.' % [d(c.expiringCriticalSeconds), util.humanizePercentage(c.criticalLifetimeFraction)],
      impact: 'A control-plane outage is imminent.',
      diagnosis: ['```\nopenssl x509 -in PATH -noout -subject -enddate\n```'],
      mitigation: ['As for `CertwatchFileCertificateExpiringSoon`, now.'],
    },
    CertwatchClockSkew: {
      meaning: 'The clock of the node running certwatch differs from the reference by more than %s.' % d(c.clockSkewSeconds),
      impact: 'Skewed clocks make fresh certificates look not yet valid and shift every expiry computation; ACME validation can fail.',
      diagnosis: ['```\ntimedatectl status\nchronyc tracking\n```'],
      mitigation: ['Fix time synchronisation (NTP/chrony) on the node.'],
    },
    CertwatchExporterAbsent: {
      meaning: 'Prometheus has no up target matching `%s`.' % c.certwatchSelector,
      impact: 'No certwatch metric is collected; every other certwatch alert is blind.',
      diagnosis: ['```\nkubectl get pods,servicemonitor -n certwatch\n```', 'Check the Prometheus targets page for scrape errors.'],
      mitigation: ['Restore the certwatch Deployment or its ServiceMonitor.'],
    },
    CertwatchCertManagerAbsent: {
      meaning: 'Prometheus has no up target matching `%s`.' % c.certManagerSelector,
      impact: 'No cert-manager metric is collected; the certificate alerts are blind.',
      diagnosis: ['```\nkubectl get pods,servicemonitor -n cert-manager\n```'],
      mitigation: ['Enable cert-manager\'s ServiceMonitor (Helm value `prometheus.servicemonitor.enabled=true`).'],
    },
    CertwatchEndpointCertificateRevoked: {
      meaning: 'A CRL of the served leaf\'s issuer, fresh (before its nextUpdate) and signed by that issuer, lists the leaf\'s serial number.',
      impact: 'Clients that check revocation refuse the endpoint; the key may be compromised.',
      diagnosis: ['```\ncertwatch probe tls TARGET --server-name NAME -o json\ncurl -s http://CERTWATCH:9480/metrics | grep certwatch_crl_\n```'],
      mitigation: ['Issue a new certificate (with a new key): `cmctl renew NAME -n NAMESPACE` after rotating the private key (`spec.privateKey.rotationPolicy: Always`), and make the endpoint load it.'],
    },
    CertwatchSecretCertificateRevoked: {
      meaning: 'A fresh CRL of its issuer lists the certificate in the Secret\'s `tls.crt`.',
      impact: 'Every workload that serves this Secret presents a revoked certificate.',
      diagnosis: ['```\nkubectl get secret SECRET -n NAMESPACE -o jsonpath=\'{.data.tls\\.crt}\' | base64 -d | openssl x509 -noout -serial -issuer\n```'],
      mitigation: ['Re-issue with a new key (`cmctl renew`, `rotationPolicy: Always`), then reload the workloads.'],
    },
    CertwatchEndpointCertificateWeak: {
      meaning: 'A certificate the endpoint sends (leaf or intermediate) has a key or signature that TLS clients refuse: an RSA key under 2048 bits, an EC key under 256 bits, or a SHA-1 or MD5 signature on a certificate that is not a self-signed root.',
      impact: 'Current browsers and OpenSSL 3 clients at their default security level refuse the handshake.',
      diagnosis: ['```\ncertwatch probe tls TARGET --server-name NAME -o json\nopenssl s_client -connect TARGET -servername NAME </dev/null | openssl x509 -noout -text | grep -E "Public-Key|Signature Algorithm"\n```'],
      mitigation: ['Re-issue with `spec.privateKey.algorithm: ECDSA` (size 256) or RSA 2048 or more, from an issuer that signs with SHA-256 or better.'],
    },
    CertwatchSecretCertificateWeak: {
      meaning: 'A certificate in the Secret\'s `tls.crt` has a key or signature that TLS clients refuse (RSA < 2048, EC < 256, SHA-1/MD5 signature on a non-root).',
      impact: 'Workloads serving it will be refused by current clients.',
      diagnosis: ['```\nkubectl get secret SECRET -n NAMESPACE -o jsonpath=\'{.data.tls\\.crt}\' | base64 -d | openssl x509 -noout -text | grep -E "Public-Key|Signature Algorithm"\n```'],
      mitigation: ['Raise the Certificate\'s `spec.privateKey` size or change its algorithm, then `cmctl renew NAME -n NAMESPACE`.'],
    },
    CertwatchFileCertificateWeak: {
      meaning: 'A certificate file read by certwatch has a key or signature that TLS clients refuse.',
      impact: 'Whatever uses the file will be refused by current clients.',
      diagnosis: ['```\nopenssl x509 -in PATH -noout -text | grep -E "Public-Key|Signature Algorithm"\n```'],
      mitigation: ['Replace the certificate with one of a stronger key and signature.'],
    },
    CertwatchKeystoreCertificateWeak: {
      meaning: 'A certificate in a PKCS#12 or JKS keystore of a Secret has a key or signature that TLS clients refuse (RSA < 2048, EC < 256, SHA-1/MD5 signature on a non-root).',
      impact: 'Java and Kafka peers with current security settings refuse it.',
      diagnosis: ['```\nkubectl get secret SECRET -n NAMESPACE -o jsonpath=\'{.data.keystore\\.p12}\' | base64 -d | openssl pkcs12 -nokeys -passin pass:PASSWORD | openssl x509 -noout -text | grep -E "Public-Key|Signature Algorithm"\n```'],
      mitigation: ['Raise the Certificate\'s `spec.privateKey` size or change its algorithm and re-issue; cert-manager rewrites the keystores with `tls.crt`.'],
    },
    CertwatchKeystoreUnreadable: {
      meaning: 'certwatch cannot read a PKCS#12 or JKS keystore in a Secret; the `reason` label says why (wrong_password, missing_password, corrupt, no_certificate, legacy_provider_missing).',
      impact: 'The keystore\'s certificates are not watched; applications reading it with the same password fail too, unless certwatch lacks the password only.',
      diagnosis: ['```\nkubectl get certificate -n NAMESPACE -o jsonpath=\'{.items[*].spec.keystores}\'\nkubectl get secret SECRET -n NAMESPACE -o jsonpath=\'{.data.keystore\\.p12}\' | base64 -d | openssl pkcs12 -info -noout -passin pass:PASSWORD\n```'],
      mitigation: ['wrong_password / missing_password: check the Certificate\'s `spec.keystores.*.passwordSecretRef` and that certwatch may read that Secret. legacy_provider_missing: install OpenSSL\'s legacy provider or re-create the store without legacy ciphers.'],
    },
    CertwatchKeystoreCertificateExpiringSoon: {
      meaning: 'A certificate in a keystore or truststore of a Secret expires in less than %s.' % d(c.expiringWarningSeconds),
      impact: 'Java and Kafka clients using the store fail once it expires; a truststore entry breaks every peer it verifies.',
      diagnosis: ['```\nkubectl get secret SECRET -n NAMESPACE -o jsonpath=\'{.data.truststore\\.jks}\' | base64 -d > store.jks\n```', 'For keystores cert-manager writes, the Certificate renews them with `tls.crt`: see `CertwatchCertificateRenewalOverdue`.'],
      mitigation: ['Renew the certificate or the CA in the store, then restart the clients that load it at start.'],
    },
    CertwatchProbeClientCertificateExpiringSoon: {
      meaning: 'The client certificate certwatch presents to an mTLS target (`tls_probes.targets[].client_cert_file`) expires in less than %s.' % d(c.expiringWarningSeconds),
      impact: 'Once it expires the target refuses the probe and its certificate is no longer watched.',
      diagnosis: ['```\nopenssl x509 -in PATH -noout -enddate\n```'],
      mitigation: ['Renew the client certificate (a cert-manager Certificate mounted into certwatch renews itself).'],
    },
    CertwatchCrlStale: {
      meaning: 'The CRL certwatch holds for an issuer is past its nextUpdate and no newer one could be fetched.',
      impact: 'Revocation of that issuer\'s certificates is not checked (`certwatch_tls_cert_revoked` is absent for them).',
      diagnosis: ['```\ncurl -sI SOURCE\ncurl -s http://CERTWATCH:9480/metrics | grep -E "certwatch_crl_(fetch|next_update)"\n```'],
      mitigation: ['Restore the CRL distribution point or the path certwatch reads; a CA that stopped publishing must be asked to.'],
    },
    CertwatchCrlFetchFailing: {
      meaning: 'The last read or fetch of a CRL failed (network, HTTP status, size bound `revocation.max_crl_bytes`, timeout, or a CRL that does not parse).',
      impact: 'The previous CRL stays in use until its nextUpdate; after that revocation is not checked.',
      diagnosis: ['```\ncurl -s -o /tmp/crl SOURCE && openssl crl -in /tmp/crl -inform DER -noout -nextupdate\nkubectl logs -n certwatch deploy/certwatch | grep crl\n```'],
      mitigation: ['Fix the network path or the URL; raise `revocation.max_crl_bytes` for a large CRL.'],
    },
    CertwatchWebhookCaBundleStale: {
      meaning: 'The caBundle of a webhook configuration, APIService or CRD conversion webhook does not verify the chain its endpoint serves (`certwatch_ca_bundle_verify_failure` names why: stale_ca_bundle, expired or hostname_mismatch). certwatch connects to the Service\'s endpoints with SNI `<service>.<namespace>.svc`, as the API server does, and verifies with the caBundle as the only trust anchor.',
      impact: 'The API server refuses every call to the webhook: with failurePolicy Fail, creates and updates of the objects it admits are rejected; a CRD conversion webhook breaks reads of that CRD\'s other versions; an APIService (metrics.k8s.io) goes unavailable.',
      diagnosis: ['Walk configuration → service → endpoint → served chain → caBundle:\n\n```\ncertwatch status webhook NAME\nkubectl get validatingwebhookconfiguration,mutatingwebhookconfiguration,apiservice NAME -o yaml\n```', 'The usual cause: the webhook\'s serving certificate was renewed from a new CA and cainjector did not update the caBundle (cainjector crashed or was OOM-killed during a large rotation, or the `cert-manager.io/inject-ca-from` annotation names the wrong Certificate).\n\n```\nkubectl logs -n cert-manager deploy/cert-manager-cainjector --tail=200\n```'],
      mitigation: ['Restart cainjector so it re-injects: `kubectl rollout restart -n cert-manager deploy/cert-manager-cainjector`.', 'Or patch the caBundle with the CA that signed the served certificate (base64 of its PEM), as cainjector would.'],
    },
    CertwatchCaBundleCertificateExpiringSoon: {
      meaning: 'A CA in the caBundle of a webhook configuration, APIService or CRD conversion webhook expires in less than %s.' % d(c.lifetimeWarningMaxSeconds),
      impact: 'Once it expires, the API server can no longer verify the webhook unless the bundle already holds its successor.',
      diagnosis: ['```\ncertwatch status webhook NAME\nkubectl get validatingwebhookconfiguration NAME -o jsonpath=\'{.webhooks[*].clientConfig.caBundle}\' | base64 -d | openssl x509 -noout -subject -enddate\n```'],
      mitigation: ['Renew the CA Certificate that the `cert-manager.io/inject-ca-from` annotation names; cainjector then writes the new CA into the caBundle.'],
    },
    CertwatchBundleCertificateExpiringSoon: {
      meaning: 'A CA of a trust-manager Bundle, as its target ConfigMaps hold it, expires in less than %s.' % d(c.lifetimeWarningMaxSeconds),
      impact: 'Clients that trust the Bundle will refuse servers whose chain ends at that CA once it expires.',
      diagnosis: ['```\nkubectl get bundle NAME -o yaml\nkubectl get configmap NAME -n NAMESPACE -o jsonpath=\'{.data.KEY}\' | openssl storeutl -noout -text -certs /dev/stdin | grep -E "Subject:|Not After"\n```'],
      mitigation: ['Add the successor CA to the Bundle\'s sources before the old one expires, then remove the old one once every server has moved.'],
    },
    CertwatchConfigMapCertificateExpiringSoon: {
      meaning: 'A certificate in a ConfigMap that certwatch reads (`kubernetes.configmaps`) expires in less than %s.' % d(c.lifetimeWarningMaxSeconds),
      impact: 'Workloads that mount the ConfigMap as a trust store or client certificate fail once it expires.',
      diagnosis: ['```\nkubectl get configmap NAME -n NAMESPACE -o jsonpath=\'{.data.KEY}\' | openssl storeutl -noout -text -certs /dev/stdin | grep -E "Subject:|Not After"\n```'],
      mitigation: ['Replace the certificate in the ConfigMap (or in whatever writes it) and restart the workloads that read it only at start.'],
    },
    CertwatchBundleNotSynced: {
      meaning: 'A trust-manager Bundle\'s Synced condition has not been True for %s.' % d(c.notReadyFor),
      impact: 'Its target ConfigMaps or Secrets keep an outdated CA set (or none in new namespaces).',
      diagnosis: ['```\nkubectl get bundle NAME -o jsonpath=\'{.status.conditions}\'\nkubectl logs -n cert-manager deploy/trust-manager --tail=200\n```', 'Typical causes: a source Secret or ConfigMap is missing, a source holds no valid PEM, or trust-manager lacks RBAC in a target namespace.'],
      mitigation: ['Fix the source the condition\'s message names; trust-manager re-syncs on the next change.'],
    },
    CertwatchKubeletCertificateExpiringSoon: {
      meaning: 'The serving certificate of a kubelet (a Node\'s InternalIP on `kubernetes.kubelets.port`) expires in less than %s, or %s of its lifetime.' % [d(c.lifetimeWarningMaxSeconds), util.humanizePercentage(c.remainingLifetimeFraction)],
      impact: 'Once it expires, the API server refuses the kubelet: `kubectl logs`, `exec` and `port-forward` fail for that node, and metrics-server stops scraping it.',
      diagnosis: ['With `serverTLSBootstrap: true` the kubelet rotates by creating a CSR that someone must approve:\n\n```\nkubectl get csr --field-selector spec.signerName=kubernetes.io/kubelet-serving\nopenssl s_client -connect IP:10250 </dev/null 2>/dev/null | openssl x509 -noout -enddate\n```'],
      mitigation: ['Approve the node\'s pending serving CSR (`kubectl certificate approve NAME`) after checking its SANs, or run an approver (kubelet-csr-approver).', 'Without serving-certificate bootstrap, restart the kubelet after renewing its certificate files.'],
    },
    CertwatchCertificateSigningRequestPending: {
      meaning: 'A CertificateSigningRequest has been Pending (neither approved nor denied) for more than %s.' % d(c.notReadyFor),
      impact: 'Whoever asked waits for a certificate: for signer `kubernetes.io/kubelet-serving` that is a kubelet whose serving certificate is not renewed, which breaks `kubectl logs` and metrics-server on that node after rotation.',
      diagnosis: ['```\nkubectl get csr NAME -o yaml\nkubectl get csr --sort-by=.metadata.creationTimestamp\n```', 'kube-controller-manager approves kubelet client CSRs on its own, never serving ones: those need an approver.'],
      mitigation: ['Check the requested names and approve: `kubectl certificate approve NAME`; deny what you do not expect: `kubectl certificate deny NAME`.'],
    },
    CertwatchSourceDown: {
      meaning: 'A certwatch source (kubernetes, files, ...) is not synced or not healthy.',
      impact: 'Certificates from that source are not watched; stale values may be exported.',
      diagnosis: ['```\nkubectl logs -n certwatch deploy/certwatch\ncurl -s http://CERTWATCH:9480/api/v1/state | head\n```', 'For kubernetes: RBAC (list/watch of cert-manager CRDs), missing CRDs, API server reachability.'],
      mitigation: ['Fix the permission or connectivity the log names; certwatch retries with backoff.'],
    },
  },

  runbooksMarkdown::
    local alerts = std.flattenArrays([[r for r in g.rules] for g in $.prometheusAlerts.groups]);
    local missing = [a.alert for a in alerts if !std.objectHas($.runbooks, a.alert)];
    assert std.length(missing) == 0 : 'alerts without a runbook: ' + std.join(', ', missing);
    local list(items) = std.join('\n', ['- ' + std.strReplace(std.strReplace(i, '\n', '\n  '), '\n  \n', '\n\n') for i in items]);
    local section(a) =
      local r = $.runbooks[a.alert];
      std.join('\n', [
        '## ' + a.alert,
        '',
        '**Severity:** %s. **Fires after:** %s. **Summary:** %s' % [a.labels.severity, a['for'], a.annotations.summary],
        '',
        '**Meaning.** ' + r.meaning,
        '',
        '**Impact.** ' + r.impact,
        '',
        '**Diagnosis.**',
        '',
        list(r.diagnosis),
        '',
        '**Mitigation.**',
        '',
        list(r.mitigation),
        '',
        '```promql',
        a.expr,
        '```',
        '',
      ]);
    std.join('\n', [
      '# certwatch runbooks',
      '',
      'Generated by `certwatch generate` from the monitoring mixin; each alert\'s `runbook_url` points at its section. Thresholds below are those of the config it was generated from.',
      '',
    ] + [section(a) for a in alerts]),
}
