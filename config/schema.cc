// The certwatch config schema: every key of the config file is one row below (key path, type,
// field, description, optional shown default), followed by the cross-field rules. The parser,
// `certwatch check-config` and config/REFERENCE.md all come from this table; see
// config/schema.h for the row format.
#include "config/schema.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <type_traits>

#include "config/config.h"
#include "config/config_file.h"
#include "config/tls_target.h"

namespace certwatch {
namespace {

using namespace schema;  // NOLINT(google-build-using-namespace): the table reads better
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A Kubernetes object or namespace name (RFC 1123 label/subdomain: lowercase, digits, '-', '.').
Type KubeName();

// "" or a Kubernetes name (a key whose empty value means "choose by convention").
Type KubeNameOrEmpty() {
  return Str("Kubernetes name or \"\"", [](std::string_view s) -> Result<std::string> {
    if (s.empty()) return std::string();
    return KubeName().check(s);
  });
}

Type KubeName() {
  return Str("Kubernetes name", [](std::string_view s) -> Result<std::string> {
    bool ok = !s.empty() && s.size() <= 253 &&
              std::isalnum(static_cast<unsigned char>(s.front())) &&
              std::isalnum(static_cast<unsigned char>(s.back())) &&
              std::all_of(s.begin(), s.end(), [](unsigned char c) {
                return std::islower(c) || std::isdigit(c) || c == '-' || c == '.';
              });
    if (!ok) return Error{"\"" + std::string(s) + "\" is not a valid Kubernetes name"};
    return std::string(s);
  });
}

const std::vector<std::string> kDnsTypes = {"A", "AAAA", "CAA", "TXT", "NS", "CNAME"};

std::vector<Row> Rows() {
  return {
      // web
      {"web", Section(), {}, "The HTTP endpoint of `certwatch serve`."},
      {"web.listen_address", Address(0, true), M(&Config::web, &WebConfig::listen_address),
       "Address to serve /metrics, /healthz, /readyz, /api/v1/state and / on; "
       "`--web.listen-address` overrides."},
      {"web.config_file", Str(), M(&Config::web, &WebConfig::config_file),
       "Exporter-toolkit web config (TLS, client certificates, basic auth); "
       "`--web.config.file` overrides. \"\" = plain HTTP."},
      {"web.state_api", Bool(), M(&Config::web, &WebConfig::state_api),
       "Serve the joined state as JSON on /api/v1/state (the renewer's input)."},
      {"web.route_prefix", Str(), M(&Config::web, &WebConfig::route_prefix),
       "Reserved; \"\" = \"/\"."},

      // metrics
      {"metrics", Section(), {}, "What `/metrics` exports."},
      {"metrics.sparse", Bool(), M(&Config::metrics, &MetricsConfig::sparse),
       "Omit series whose value is the healthy default: a healthy certificate is 7 series, as in "
       "cert-manager; issuing_status, failed_issuance_attempts, acme_rate_limited and "
       "failure_reason appear only while they are not 0 / \"none\", and the *_cert_weak families "
       "only for the reasons that apply (exporter/METRICS.md). false = every series for every "
       "certificate."},

      // kubernetes
      {"kubernetes", Section(), {}, "The cert-manager objects watched through the Kubernetes API."},
      {"kubernetes.enabled", Bool(), M(&Config::kubernetes, &KubernetesConfig::enabled),
       "Watch the cluster; false = no cluster (files and probes only)."},
      {"kubernetes.kubeconfig", Str(), M(&Config::kubernetes, &KubernetesConfig::kubeconfig),
       "Kubeconfig file; \"\" = $KUBECONFIG, then the in-cluster service account. "
       "`--kubeconfig` overrides."},
      {"kubernetes.namespaces", StrList(KubeName()),
       M(&Config::kubernetes, &KubernetesConfig::namespaces), "Namespaces to watch; [] = all."},
      {"kubernetes.secrets", Bool(), M(&Config::kubernetes, &KubernetesConfig::secrets),
       "Also read Secrets of type kubernetes.io/tls: tls.crt, and the keystores cert-manager "
       "writes there (keystore.p12, truststore.p12, keystore.jks, truststore.jks) with the "
       "password its Certificate's spec.keystores names (README: Keystores)."},
      {"kubernetes.keystore_keys", StrList(),
       M(&Config::kubernetes, &KubernetesConfig::keystore_keys),
       "Further keys of those Secrets read as keystores (PKCS#12 or JKS, told by their first "
       "bytes); the password is the Certificate's spec.keystores one of that format."},
      {"kubernetes.ingresses", Bool(), M(&Config::kubernetes, &KubernetesConfig::ingresses),
       "Discover TLS endpoints from Ingress tls hosts (see tls_probes.allowed_*)."},
      {"kubernetes.ingress_port", Int(1, 65535),
       M(&Config::kubernetes, &KubernetesConfig::ingress_port),
       "Port probed on each Ingress load-balancer address; SNI = the tls host."},
      {"kubernetes.resync", Dur(seconds(1)), M(&Config::kubernetes, &KubernetesConfig::resync),
       "Full relist period, a safety net behind the watches."},
      {"kubernetes.list_page_size", Int(1, 10000),
       M(&Config::kubernetes, &KubernetesConfig::list_page_size),
       "Objects per list page (`limit`)."},
      {"kubernetes.watch_list", Bool(), M(&Config::kubernetes, &KubernetesConfig::watch_list),
       "List through streaming lists (a watch with sendInitialEvents=true, ended by the "
       "k8s.io/initial-events-end bookmark; on by default since Kubernetes 1.32), falling back "
       "to paginated lists of list_page_size when the server refuses one, as client-go does. "
       "false = paginated lists only."},
      {"kubernetes.acme_rate_limit_per_week", Int(1, 1000000),
       M(&Config::kubernetes, &KubernetesConfig::acme_rate_limit_per_week),
       "Certificates per registered domain per week allowed by the ACME CA (Let's Encrypt: 50)."},
      {"kubernetes.renewer_events", Bool(),
       M(&Config::kubernetes, &KubernetesConfig::renewer_events),
       "Read the Events the renewer records (needs list/watch on events), so a new renewer "
       "leader keeps its predecessor's per-certificate cooldown."},
      {"kubernetes.request_timeout", Dur(milliseconds(100)),
       M(&Config::kubernetes, &KubernetesConfig::request_timeout),
       "Deadline of one list page or get; a stalled API server counts as an error after it."},
      {"kubernetes.backoff_initial", Dur(milliseconds(1)),
       M(&Config::kubernetes, &KubernetesConfig::backoff_initial),
       "First retry delay after an API error; doubles (with ±50% jitter) up to backoff_max."},
      {"kubernetes.backoff_max", Dur(milliseconds(1)),
       M(&Config::kubernetes, &KubernetesConfig::backoff_max),
       "Longest retry delay; a Retry-After from the server is honoured above it."},

      // kubernetes: sources beyond cert-manager's objects
      {"kubernetes.configmaps",
       Switch(),
       {},
       "ConfigMaps holding PEM bundles: one series per certificate of each key "
       "(certwatch_configmap_cert_not_after_timestamp_seconds). true/false, or a mapping."},
      {"kubernetes.configmaps.enabled", Bool(),
       M(&Config::kubernetes, &KubernetesConfig::configmaps, &ConfigMapsSourceConfig::enabled),
       "Watch ConfigMaps (the base RBAC reads configmaps, for trust-manager Bundles too)."},
      {"kubernetes.configmaps.namespaces", StrList(KubeName()),
       M(&Config::kubernetes, &KubernetesConfig::configmaps, &ConfigMapsSourceConfig::namespaces),
       "Namespaces whose ConfigMaps are read; [] = kubernetes.namespaces."},
      {"kubernetes.configmaps.label_selector", Str(),
       M(&Config::kubernetes, &KubernetesConfig::configmaps,
         &ConfigMapsSourceConfig::label_selector),
       "Label selector of the ConfigMaps read (Kubernetes syntax, e.g. "
       "`certwatch.io/bundle=true`); \"\" = all of them."},
      {"kubernetes.bundles",
       Switch(),
       {},
       "trust-manager Bundles (trust.cert-manager.io/v1alpha1): the CAs in their target "
       "ConfigMaps and their Synced condition. On when the API exists; a cluster without "
       "trust-manager is not an error."},
      {"kubernetes.bundles.enabled", Bool(),
       M(&Config::kubernetes, &KubernetesConfig::bundles, &BundlesSourceConfig::enabled),
       "Watch Bundles and their targets where trust-manager is installed."},
      {"kubernetes.ca_bundles",
       Switch(),
       {},
       "The caBundles the API server trusts: ValidatingWebhookConfigurations, "
       "MutatingWebhookConfigurations (per webhook), APIServices and CRD conversion webhooks."},
      {"kubernetes.ca_bundles.enabled", Bool(),
       M(&Config::kubernetes, &KubernetesConfig::ca_bundles, &CaBundlesSourceConfig::enabled),
       "Watch them (a few cluster-scoped objects, read-only)."},
      {"kubernetes.ca_bundles.verify_served", Bool(),
       M(&Config::kubernetes, &KubernetesConfig::ca_bundles, &CaBundlesSourceConfig::verify_served),
       "Handshake with each webhook's Service endpoint (EndpointSlices) or url, SNI "
       "<service>.<namespace>.svc as the API server sends it, and check that the caBundle "
       "verifies what is served (certwatch_ca_bundle_verifies_served)."},
      {"kubernetes.csrs",
       Switch(),
       {},
       "CertificateSigningRequests (certificates.k8s.io/v1): their state and age."},
      {"kubernetes.csrs.enabled", Bool(),
       M(&Config::kubernetes, &KubernetesConfig::csrs, &CsrsSourceConfig::enabled),
       "Watch CSRs (needs list/watch on certificatesigningrequests: components/read-csrs)."},
      {"kubernetes.csrs.signer_names", StrList(),
       M(&Config::kubernetes, &KubernetesConfig::csrs, &CsrsSourceConfig::signer_names),
       "Only CSRs of these signers (e.g. kubernetes.io/kubelet-serving); [] = every signer."},
      {"kubernetes.kubelets",
       Switch(),
       {},
       "Kubelet serving certificates: each Node's InternalIP is probed like a TLS target "
       "(certwatch_tls_*{target=\"<ip>:<port>\"}). Node targets bypass "
       "tls_probes.allowed_*: they come from Node objects, not from user-written Ingresses."},
      {"kubernetes.kubelets.enabled", Bool(),
       M(&Config::kubernetes, &KubernetesConfig::kubelets, &KubeletsSourceConfig::enabled),
       "Watch Nodes and probe their kubelets (needs list/watch on nodes: "
       "components/read-nodes)."},
      {"kubernetes.kubelets.port", Int(1, 65535),
       M(&Config::kubernetes, &KubernetesConfig::kubelets, &KubeletsSourceConfig::port),
       "The kubelet's serving port."},
      {"kubernetes.kubelets.ca_file", Str(),
       M(&Config::kubernetes, &KubernetesConfig::kubelets, &KubeletsSourceConfig::ca_file),
       "CA bundle that verifies the kubelets' certificates; \"\" = the API server's CA "
       "(kubeconfig, or the service account's ca.crt)."},
      {"kubernetes.kubelets.label_selector", Str(),
       M(&Config::kubernetes, &KubernetesConfig::kubelets, &KubeletsSourceConfig::label_selector),
       "Label selector of the Nodes probed; \"\" = every Node."},

      // files
      {"files", Items(), M(&Config::files),
       "Certificates on disk: PEM/DER files, kubeconfigs (embedded client certificates) and "
       "PKCS#12 / JKS keystores, "
       "found by glob and re-read when they change."},
      {"files[].path", Str().Required(), M(&FileSourceConfig::path),
       "Glob of files, e.g. /etc/kubernetes/pki/*.crt."},
      {"files[].format", OneOf({"auto", "pem", "der", "pkcs12", "jks"}),
       M(&FileSourceConfig::format),
       "How the files are read: pem, der, pkcs12, jks, or auto (PEM, DER or kubeconfig, and "
       "PKCS#12 or JKS told by their first bytes)."},
      {"files[].password_file", Str(), M(&FileSourceConfig::password_file),
       "File whose first line is the keystores' password (PKCS#12, JKS); re-read with each "
       "keystore, never logged. \"\" = none: the empty password is tried."},

      // tls_probes
      {"tls_probes", Section(), {}, "Live TLS endpoints handshaken on a schedule."},
      {"tls_probes.interval", Dur(seconds(1)), M(&Config::tls_probes, &TlsProbesConfig::interval),
       "Time between probes of one target."},
      {"tls_probes.timeout", Dur(milliseconds(1)),
       M(&Config::tls_probes, &TlsProbesConfig::timeout),
       "Deadline of one probe (connect, STARTTLS, handshake); at most the interval."},
      {"tls_probes.max_concurrency", Int(1, 65536),
       M(&Config::tls_probes, &TlsProbesConfig::max_concurrency), "Probes in flight at once."},
      {"tls_probes.targets", Items(), M(&Config::tls_probes, &TlsProbesConfig::targets),
       "Endpoints to probe besides those discovered from Ingresses."},
      {"tls_probes.targets[].address", Address().Required(), M(&TlsTargetConfig::address),
       "host:port to connect to."},
      {"tls_probes.targets[].server_name", Str(), M(&TlsTargetConfig::server_name),
       "SNI and the name the certificate must match.", "host of address"},
      {"tls_probes.targets[].ca_file", Str(), M(&TlsTargetConfig::ca_file),
       "Extra trust roots (PEM); \"\" = the system store."},
      {"tls_probes.targets[].client_cert_file", Str(), M(&TlsTargetConfig::client_cert_file),
       "Client certificate (PEM) for endpoints that require one; needs client_key_file."},
      {"tls_probes.targets[].client_key_file", Str(), M(&TlsTargetConfig::client_key_file),
       "Private key of client_cert_file; read at probe time, never kept."},
      {"tls_probes.targets[].min_version", OneOf({"", "TLS1.2", "TLS1.3"}),
       M(&TlsTargetConfig::min_version), "Lowest TLS version offered; \"\" = OpenSSL's default."},
      {"tls_probes.targets[].starttls", OneOf({"", "smtp", "postgres"}),
       M(&TlsTargetConfig::starttls), "Upgrade a plaintext protocol first; \"\" = TLS at once."},
      {"tls_probes.targets[].certificate", NamespacedName(), M(&TlsTargetConfig::certificate),
       "namespace/name of the Certificate this endpoint should serve "
       "(certwatch_tls_served_matches_secret)."},
      {"tls_probes.discovery", OneOf({"certificates", "allow_list"}),
       M(&Config::tls_probes, &TlsProbesConfig::discovery),
       "Which discovered (Ingress) targets are probed: `certificates` = each load-balancer "
       "address of an Ingress tls entry that a Certificate covers (same secretName, as "
       "ingress-shim makes, or a dnsName matching the host), plus what allowed_cidrs / "
       "allowed_domain_suffixes allow; `allow_list` = only what those lists allow. Skipped "
       "targets are exported with their reason (certwatch_tls_discovered_target_skipped)."},
      {"tls_probes.allowed_cidrs", StrList(Cidr()),
       M(&Config::tls_probes, &TlsProbesConfig::allowed_cidrs),
       "Discovered targets whose address is in one of these networks are probed (with "
       "discovery: certificates, also when no Certificate covers them)."},
      {"tls_probes.allowed_domain_suffixes", StrList(DnsName()),
       M(&Config::tls_probes, &TlsProbesConfig::allowed_domain_suffixes),
       "Discovered targets whose address or tls host ends in one of these are probed (see "
       "allowed_cidrs)."},

      // dns_probes
      {"dns_probes", Section(), {}, "DNS records checked on several resolvers."},
      {"dns_probes.interval", Dur(seconds(1)), M(&Config::dns_probes, &DnsProbesConfig::interval),
       "Time between rounds of queries."},
      {"dns_probes.timeout", Dur(milliseconds(1)),
       M(&Config::dns_probes, &DnsProbesConfig::timeout),
       "Deadline of one query; at most the interval."},
      {"dns_probes.resolvers", StrList(Address(53)),
       M(&Config::dns_probes, &DnsProbesConfig::resolvers),
       "Resolvers asked every query (host or host:port)."},
      {"dns_probes.queries", Items(), M(&Config::dns_probes, &DnsProbesConfig::queries),
       "Names whose records are checked on every resolver."},
      {"dns_probes.queries[].name", DnsName().Required(), M(&DnsQueryConfig::name),
       "Name to query."},
      {"dns_probes.queries[].types", StrList(OneOf(kDnsTypes)).Required(),
       M(&DnsQueryConfig::types), "Record types to query; at least one."},
      {"dns_probes.acme_challenges", Bool(),
       M(&Config::dns_probes, &DnsProbesConfig::acme_challenges),
       "Check each presented DNS-01 challenge's TXT record on every resolver."},
      {"dns_probes.authoritative", Bool(), M(&Config::dns_probes, &DnsProbesConfig::authoritative),
       "Also ask each name's authoritative (NS) servers."},
      {"dns_probes.authoritative_port", Int(1, 65535),
       M(&Config::dns_probes, &DnsProbesConfig::authoritative_port),
       "Port asked on the authoritative servers."},
      {"dns_probes.caa", Bool(), M(&Config::dns_probes, &DnsProbesConfig::caa),
       "Check that CAA records allow each Certificate's issuer."},
      {"dns_probes.caa_issuers", Items(), M(&Config::dns_probes, &DnsProbesConfig::caa_issuers),
       "Extra ACME server → CA domain mappings for the CAA check."},
      {"dns_probes.caa_issuers[].acme_server_substring", Str().Required(),
       M(&CaaIssuerConfig::acme_server_substring),
       "Matched against the issuer's ACME server URL, e.g. letsencrypt.org."},
      {"dns_probes.caa_issuers[].ca_domain", DnsName().Required(), M(&CaaIssuerConfig::ca_domain),
       "CA domain its CAA records must allow, e.g. letsencrypt.org."},
      {"dns_probes.max_concurrency", Int(1, 65536),
       M(&Config::dns_probes, &DnsProbesConfig::max_concurrency), "Queries in flight at once."},

      // crls, revocation
      {"crls", Items(), M(&Config::crls),
       "Certificate revocation lists to read or fetch; each is used for the certificates whose "
       "issuer signed it (found among the certificates certwatch holds by issuer name and "
       "authority key id)."},
      {"crls[].path", Str(), M(&CrlSourceConfig::path),
       "Glob of CRL files (DER or PEM), re-read every revocation.min_refetch_interval."},
      {"crls[].url", Url(/*allow_empty=*/true), M(&CrlSourceConfig::url),
       "http:// or https:// URL of a CRL (DER or PEM), fetched again after its nextUpdate."},
      {"revocation", Section(), {}, "How CRLs are fetched and used."},
      {"revocation.fetch_distribution_points", Bool(),
       M(&Config::revocation, &RevocationConfig::fetch_distribution_points),
       "Opt-in: also fetch the CRL Distribution Points (URI form, http/https) of the served TLS "
       "leaves and TLS Secrets certwatch watches."},
      {"revocation.max_crl_bytes", Int(1024, int64_t{1} << 32),
       M(&Config::revocation, &RevocationConfig::max_crl_bytes),
       "A CRL larger than this many bytes is not read (the fetch is aborted)."},
      {"revocation.fetch_timeout", Dur(milliseconds(100)),
       M(&Config::revocation, &RevocationConfig::fetch_timeout),
       "Deadline of one CRL fetch, connect included."},
      {"revocation.min_refetch_interval", Dur(seconds(1)),
       M(&Config::revocation, &RevocationConfig::min_refetch_interval),
       "A CRL is fetched at most this often, even when its nextUpdate has passed; also the "
       "first retry delay after a failed fetch (doubling up to backoff_max)."},
      {"revocation.backoff_max", Dur(seconds(1)),
       M(&Config::revocation, &RevocationConfig::backoff_max),
       "Longest retry delay after failed fetches."},
      {"revocation.max_refetch_interval", Dur(seconds(1)),
       M(&Config::revocation, &RevocationConfig::max_refetch_interval),
       "A CRL whose nextUpdate is further away is fetched again after this."},
      {"revocation.max_distribution_points", Int(0, 100000),
       M(&Config::revocation, &RevocationConfig::max_distribution_points),
       "Distinct distribution point URLs fetched at most (the rest are skipped and logged)."},

      // renewer
      {"renewer",
       Section(),
       {},
       "Read by `certwatch renew`; the exporter ignores it. Off and dry-run by default."},
      {"renewer.enabled", Bool(), M(&Config::renewer, &RenewerConfig::enabled),
       "Act at all; false = only report what it would do."},
      {"renewer.dry_run", Bool(), M(&Config::renewer, &RenewerConfig::dry_run),
       "Log, event and count actions without changing anything; `--dry-run` forces it on."},
      {"renewer.state_url", Url(), M(&Config::renewer, &RenewerConfig::state_url),
       "The exporter's state API; `--state-url` overrides."},
      {"renewer.interval", Dur(seconds(1)), M(&Config::renewer, &RenewerConfig::interval),
       "Time between passes over the state."},
      {"renewer.state_max_age", Dur(seconds(1)), M(&Config::renewer, &RenewerConfig::state_max_age),
       "Act only on state at most this old."},
      {"renewer.renew_overdue_after", Dur(),
       M(&Config::renewer, &RenewerConfig::renew_overdue_after),
       "Re-trigger issuance when now > renewalTime + this (never while rate-limited)."},
      {"renewer.not_ready_after", Dur(), M(&Config::renewer, &RenewerConfig::not_ready_after),
       "... or when not Ready for this long."},
      {"renewer.challenge_stuck_after", Dur(),
       M(&Config::renewer, &RenewerConfig::challenge_stuck_after),
       "A Challenge pending this long counts as stuck."},
      {"renewer.fallback_issuers", Items(), M(&Config::renewer, &RenewerConfig::fallback_issuers),
       "When rate-limited on `from`, switch the certificate's issuerRef to `to`."},
      {"renewer.fallback_issuers[].from", Section(), {}, "Issuer that is rate-limited."},
      {"renewer.fallback_issuers[].from.name", KubeName().Required(),
       M(&FallbackIssuerConfig::from, &IssuerRefConfig::name), "Issuer name."},
      {"renewer.fallback_issuers[].from.kind", Str(),
       M(&FallbackIssuerConfig::from, &IssuerRefConfig::kind),
       "Issuer or ClusterIssuer (any kind for other groups)."},
      {"renewer.fallback_issuers[].from.group", Str(),
       M(&FallbackIssuerConfig::from, &IssuerRefConfig::group), "API group of the issuer."},
      {"renewer.fallback_issuers[].to", Section(), {}, "Issuer to switch to."},
      {"renewer.fallback_issuers[].to.name", KubeName().Required(),
       M(&FallbackIssuerConfig::to, &IssuerRefConfig::name), "Issuer name."},
      {"renewer.fallback_issuers[].to.kind", Str(),
       M(&FallbackIssuerConfig::to, &IssuerRefConfig::kind),
       "Issuer or ClusterIssuer (any kind for other groups)."},
      {"renewer.fallback_issuers[].to.group", Str(),
       M(&FallbackIssuerConfig::to, &IssuerRefConfig::group), "API group of the issuer."},
      {"renewer.switch_back", Bool(), M(&Config::renewer, &RenewerConfig::switch_back),
       "Switch back to `from` once switch_back_after has passed."},
      {"renewer.switch_back_after", Dur(), M(&Config::renewer, &RenewerConfig::switch_back_after),
       "Time on the fallback issuer before switching back (Let's Encrypt's window: 7d)."},
      {"renewer.delete_invalid_secrets", Bool(),
       M(&Config::renewer, &RenewerConfig::delete_invalid_secrets),
       "Opt-in: delete a Secret whose certificate cannot be parsed so cert-manager reissues."},
      {"renewer.restart_stale_workloads", Bool(),
       M(&Config::renewer, &RenewerConfig::restart_stale_workloads),
       "Opt-in: restart the workloads in restart_workloads that keep serving a stale "
       "certificate."},
      {"renewer.stale_workload_after", Dur(),
       M(&Config::renewer, &RenewerConfig::stale_workload_after),
       "Served certificate differs from the stored one this long before a restart."},
      {"renewer.restart_workloads", Items(), M(&Config::renewer, &RenewerConfig::restart_workloads),
       "Workloads that may be restarted, each tied to the Certificate it serves."},
      {"renewer.restart_workloads[].certificate", NamespacedName().Required(),
       M(&RestartWorkloadConfig::certificate), "namespace/name of the Certificate it serves."},
      {"renewer.restart_workloads[].kind", OneOf({"Deployment", "StatefulSet", "DaemonSet"}),
       M(&RestartWorkloadConfig::kind), "Workload kind, in the Certificate's namespace."},
      {"renewer.restart_workloads[].name", KubeName().Required(), M(&RestartWorkloadConfig::name),
       "Workload name."},
      {"renewer.max_actions_per_hour", Int(0, 100000),
       M(&Config::renewer, &RenewerConfig::max_actions_per_hour),
       "Budget of actions over all certificates per hour."},
      {"renewer.cooldown", Dur(), M(&Config::renewer, &RenewerConfig::cooldown),
       "Minimum time between two actions on one certificate."},
      {"renewer.namespaces", StrList(KubeName()), M(&Config::renewer, &RenewerConfig::namespaces),
       "Namespaces it may act in; [] = all."},
      {"renewer.label_selector", Str(), M(&Config::renewer, &RenewerConfig::label_selector),
       "Act only on Certificates matching this label selector; \"\" = all."},
      {"renewer.lease_namespace", KubeNameOrEmpty(),
       M(&Config::renewer, &RenewerConfig::lease_namespace),
       "Namespace of the coordination.k8s.io Lease used for leader election; \"\" = client-go's "
       "convention: in a pod its own namespace (the service account's namespace file), else the "
       "kubeconfig context's namespace, else `default`."},
      {"renewer.lease_name", KubeName(), M(&Config::renewer, &RenewerConfig::lease_name),
       "Name of that Lease."},
      {"renewer.lease_duration", Dur(seconds(1)),
       M(&Config::renewer, &RenewerConfig::lease_duration), "Lease duration."},
      {"renewer.identity", Str(), M(&Config::renewer, &RenewerConfig::identity),
       "Lease holder identity.", "hostname + pid"},
      {"renewer.listen_address", Address(0, true),
       M(&Config::renewer, &RenewerConfig::listen_address),
       "Address of the renewer's own /metrics."},

      // generator
      {"generator", Section(), {}, "Read by `certwatch generate`: PrometheusRules and dashboards."},
      {"generator.rule_name", KubeName(), M(&Config::generator, &GeneratorConfig::rule_name),
       "metadata.name of the PrometheusRule."},
      {"generator.rule_namespace", KubeName(),
       M(&Config::generator, &GeneratorConfig::rule_namespace),
       "metadata.namespace of the PrometheusRule."},
      {"generator.rule_labels", StrMap(), M(&Config::generator, &GeneratorConfig::rule_labels),
       "Labels of the PrometheusRule (to match the Prometheus ruleSelector)."},
      {"generator.runbook_base_url", Url(/*allow_empty=*/true),
       M(&Config::generator, &GeneratorConfig::runbook_base_url),
       "Where you publish the generated `runbooks.md`. The alerts' runbook_url and the "
       "runbook links of `status certificate` are this + `#` + the alert name in lower case; "
       "unset or empty, they are `runbooks.md#` + that anchor, naming the file "
       "`certwatch generate` writes next to the rules."},
      {"generator.dashboard_namespace", KubeName(),
       M(&Config::generator, &GeneratorConfig::dashboard_namespace),
       "Namespace of the dashboard ConfigMaps."},
      {"generator.grafana_folder", Str(), M(&Config::generator, &GeneratorConfig::grafana_folder),
       "Grafana folder of the dashboards."},
      {"generator.datasource", Str(), M(&Config::generator, &GeneratorConfig::datasource),
       "Default Prometheus datasource of the dashboards."},
      {"generator.cluster_label", Str(), M(&Config::generator, &GeneratorConfig::cluster_label),
       "Label of the dashboards' cluster filter."},
      {"generator.dashboard_expiry_horizon", Dur(seconds(1)),
       M(&Config::generator, &GeneratorConfig::dashboard_expiry_horizon),
       "The dashboards' expiring-soon table lists certificates expiring within this."},
      {"generator.dashboard_expiry_notice", Dur(seconds(1)),
       M(&Config::generator, &GeneratorConfig::dashboard_expiry_notice),
       "Rows of that table turn yellow below this."},
      {"generator.alerts", Section(), {}, "Alert thresholds."},
      {"generator.alerts.expiring_warning", Dur(seconds(1)),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::expiring_warning),
       "Warn when a certificate expires within this."},
      {"generator.alerts.expiring_critical", Dur(seconds(1)),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::expiring_critical),
       "Page when a certificate expires within this; less than expiring_warning."},
      {"generator.alerts.expiring_warning_for", Dur(),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::expiring_warning_for),
       "`for:` of the expiry warnings."},
      {"generator.alerts.expiring_critical_for", Dur(),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::expiring_critical_for),
       "`for:` of the expiry criticals."},
      {"generator.alerts.not_ready_for", Dur(),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::not_ready_for),
       "Alert when a Certificate is not Ready this long."},
      {"generator.alerts.remaining_lifetime_fraction", Number(0, 1),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::remaining_lifetime_fraction),
       "Where no renewal time is known (endpoints, files, Certificates without "
       "status.renewalTime), warn when less than this fraction of the lifetime is left "
       "(cert-manager renews at two thirds)."},
      {"generator.alerts.lifetime_warning_max", Dur(seconds(1)),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::lifetime_warning_max),
       "That warning fires no earlier than this before expiry (long-lived certificates)."},
      {"generator.alerts.renewal_overdue_fraction", Number(0, 1),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::renewal_overdue_fraction),
       "Warn when a Certificate's renewal is overdue by this fraction of its lifetime (at most "
       "half its renewal window, at least renewal_overdue_grace)."},
      {"generator.alerts.warning_lifetime_fraction", Number(0, 1),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::warning_lifetime_fraction),
       "A Certificate's expiring_warning shrinks to this fraction of a shorter lifetime."},
      {"generator.alerts.critical_lifetime_fraction", Number(0, 1),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::critical_lifetime_fraction),
       "expiring_critical shrinks to this fraction of a shorter lifetime."},
      {"generator.alerts.renewal_overdue_grace", Dur(),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::renewal_overdue_grace),
       "Alert when renewalTime passed this long ago and the certificate was not renewed."},
      {"generator.alerts.renewal_error_rate", Number(0, 1),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::renewal_error_rate),
       "Alert when more than this fraction of the certificates has failed issuance attempts "
       "(with use_cert_manager_metrics: cert-manager sync errors per second)."},
      {"generator.alerts.clock_skew", Dur(),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::clock_skew),
       "Tolerated clock skew in time comparisons."},
      {"generator.alerts.dns_not_propagated_for", Dur(),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::dns_not_propagated_for),
       "Alert when a DNS-01 challenge is not visible on a resolver this long."},
      {"generator.alerts.drift_for", Dur(),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::drift_for),
       "Alert when an endpoint serves another certificate than its Secret this long."},
      {"generator.alerts.default_for", Dur(),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::default_for),
       "`for:` of the alerts without their own."},
      {"generator.alerts.budget_forecast_fraction", Number(0, 1),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::budget_forecast_fraction),
       "Alert when the forecast ACME orders reach this fraction of the weekly limit."},
      {"generator.alerts.use_cert_manager_metrics", Bool(),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::use_cert_manager_metrics),
       "Certificate alerts and the fleet dashboard read cert-manager's own certmanager_* "
       "metrics instead of certwatch's."},
      {"generator.alerts.cert_manager_namespace_label", Str(),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::cert_manager_namespace_label),
       "Label holding the namespace in cert-manager's metrics (exported_namespace under a "
       "ServiceMonitor)."},
      {"generator.alerts.job_selector", Str(),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::job_selector),
       "Label matchers selecting certwatch's series in alert expressions."},
      {"generator.alerts.cert_manager_selector", Str(),
       M(&Config::generator, &GeneratorConfig::alerts, &AlertsConfig::cert_manager_selector),
       "Label matchers selecting cert-manager's own series (with use_cert_manager_metrics)."},
  };
}

// The key, relative to the rule's object, of the first later list element whose `key_of`
// repeats an earlier one, with the earlier one's line.
template <typename T, typename KeyOf>
std::optional<RuleError> FirstDuplicate(const std::vector<T>& items, const std::string& list,
                                        const std::string& field, const RuleContext& ctx,
                                        const std::string& what, KeyOf key_of) {
  std::map<std::string, size_t> first;
  for (size_t i = 0; i < items.size(); ++i) {
    auto [it, inserted] = first.emplace(key_of(items[i]), i);
    if (!inserted) {
      std::string earlier = list + "[" + std::to_string(it->second) + "]";
      return RuleError{
          list + "[" + std::to_string(i) + "]" + (field.empty() ? "" : "." + field),
          "duplicate " + what + " (first at line " + std::to_string(ctx.line(earlier)) + ")"};
    }
  }
  return std::nullopt;
}

// Every interval/timeout pair of the config (the timeout writable when `c` is).
template <typename C>
auto ProbeTimeouts(C& c) {
  using Timeout = std::conditional_t<std::is_const_v<C>, const Duration, Duration>;
  struct Pair {
    std::string_view section;
    Duration interval;
    Timeout* timeout;
  };
  return std::array<Pair, 2>{{{"tls_probes", c.tls_probes.interval, &c.tls_probes.timeout},
                              {"dns_probes", c.dns_probes.interval, &c.dns_probes.timeout}}};
}

// After validation only a defaulted timeout can exceed its interval: it becomes the interval.
void LowerDefaultedTimeouts(Config& c) {
  for (auto& [section, interval, timeout] : ProbeTimeouts(c)) {
    if (*timeout <= interval) continue;
    c.adjusted_defaults.push_back(std::string(section) + ".timeout: " + FormatDuration(interval) +
                                  " (its default " + FormatDuration(*timeout) + " exceeds " +
                                  std::string(section) + ".interval)");
    *timeout = interval;
  }
}

std::optional<RuleError> CheckIssuerRef(const IssuerRefConfig& ref, const std::string& key) {
  if (ref.group == "cert-manager.io" && ref.kind != "Issuer" && ref.kind != "ClusterIssuer") {
    return RuleError{
        key + ".kind",
        "want Issuer or ClusterIssuer for group cert-manager.io, got \"" + ref.kind + "\""};
  }
  if (ref.kind.empty()) return RuleError{key + ".kind", "must not be empty"};
  return std::nullopt;
}

std::vector<Rule> Rules() {
  return {
      MakeRule<TlsTargetConfig>(
          "tls_probes.targets[]", "client_cert_file and client_key_file are set together.",
          [](const TlsTargetConfig& t, const RuleContext&) -> std::optional<RuleError> {
            if (!t.client_cert_file.empty() && t.client_key_file.empty()) {
              return RuleError{"client_cert_file", "set without client_key_file"};
            }
            if (t.client_cert_file.empty() && !t.client_key_file.empty()) {
              return RuleError{"client_key_file", "set without client_cert_file"};
            }
            return std::nullopt;
          }),
      MakeRule<CrlSourceConfig>(
          "crls[]", "Each CRL entry sets exactly one of path and url.",
          [](const CrlSourceConfig& c, const RuleContext&) -> std::optional<RuleError> {
            if (c.path.empty() == c.url.empty()) {
              return RuleError{c.path.empty() ? "path" : "url",
                               c.path.empty() ? "want path or url" : "set together with path"};
            }
            return std::nullopt;
          }),
      MakeRule<Config>(
          "",
          "No two crls entries share a path or url; revocation.min_refetch_interval is at most "
          "backoff_max and max_refetch_interval.",
          [](const Config& c, const RuleContext& ctx) -> std::optional<RuleError> {
            if (auto e = FirstDuplicate(c.crls, "crls", "", ctx, "CRL source",
                                        [](const auto& e) { return e.path + "\n" + e.url; })) {
              return e;
            }
            const auto& r = c.revocation;
            if (r.min_refetch_interval > r.backoff_max) {
              return RuleError{
                  "revocation.min_refetch_interval",
                  "must not exceed revocation.backoff_max (" + FormatDuration(r.backoff_max) + ")"};
            }
            if (r.min_refetch_interval > r.max_refetch_interval) {
              return RuleError{"revocation.min_refetch_interval",
                               "must not exceed revocation.max_refetch_interval (" +
                                   FormatDuration(r.max_refetch_interval) + ")"};
            }
            return std::nullopt;
          }),
      MakeRule<DnsQueryConfig>(
          "dns_probes.queries[]", "Each query has at least one type.",
          [](const DnsQueryConfig& q, const RuleContext&) -> std::optional<RuleError> {
            if (q.types.empty()) return RuleError{"types", "must list at least one record type"};
            return std::nullopt;
          }),
      MakeRule<FallbackIssuerConfig>(
          "renewer.fallback_issuers[]",
          "`from` and `to` differ; kind is Issuer or ClusterIssuer for group cert-manager.io.",
          [](const FallbackIssuerConfig& f, const RuleContext&) -> std::optional<RuleError> {
            if (auto e = CheckIssuerRef(f.from, "from")) return e;
            if (auto e = CheckIssuerRef(f.to, "to")) return e;
            if (f.from.name == f.to.name && f.from.kind == f.to.kind &&
                f.from.group == f.to.group) {
              return RuleError{"to", "same issuer as from"};
            }
            return std::nullopt;
          }),
      MakeRule<Config>("", "kubernetes.backoff_initial is at most kubernetes.backoff_max.",
                       [](const Config& c, const RuleContext&) -> std::optional<RuleError> {
                         if (c.kubernetes.backoff_initial > c.kubernetes.backoff_max) {
                           return RuleError{"kubernetes.backoff_initial",
                                            "must not exceed kubernetes.backoff_max (" +
                                                FormatDuration(c.kubernetes.backoff_max) + ")"};
                         }
                         return std::nullopt;
                       }),
      // Prometheus's rule for scrape_timeout: only a timeout the file sets may not exceed the
      // interval; a default one is lowered to a shorter interval (LowerDefaultedTimeouts).
      MakeRule<Config>(
          "",
          "A probe timeout set in the file is at most its interval; a timeout left at its default "
          "is lowered to a shorter interval, as Prometheus does for scrape_timeout.",
          [](const Config& c, const RuleContext& ctx) -> std::optional<RuleError> {
            for (const auto& [section, interval, timeout] : ProbeTimeouts(c)) {
              const std::string key = std::string(section) + ".timeout";
              if (*timeout > interval && ctx.line(key) != 0) {
                return RuleError{key, "must not exceed " + std::string(section) + ".interval (" +
                                          FormatDuration(interval) + ")"};
              }
            }
            return std::nullopt;
          }),
      MakeRule<Config>(
          "",
          "No two files entries share a path, no two TLS targets share address and server name "
          "(the "
          "host when unset), "
          "no two DNS queries share a name, no two fallback issuers share `from`.",
          [](const Config& c, const RuleContext& ctx) -> std::optional<RuleError> {
            if (auto e = FirstDuplicate(c.files, "files", "path", ctx, "path",
                                        [](const auto& f) { return f.path; })) {
              return e;
            }
            // On the resolved identity: "a.example:443" and "a.example:443" with server_name
            // a.example are one target (the server name defaults to the host).
            if (auto e = FirstDuplicate(c.tls_probes.targets, "tls_probes.targets", "address", ctx,
                                        "target", [](const auto& t) {
                                          auto id = ResolveTlsTarget(t);
                                          return id ? id->Key() : t.address + "\n" + t.server_name;
                                        })) {
              return e;
            }
            if (auto e = FirstDuplicate(c.dns_probes.queries, "dns_probes.queries", "name", ctx,
                                        "query name", [](const auto& q) { return q.name; })) {
              return e;
            }
            return FirstDuplicate(c.renewer.fallback_issuers, "renewer.fallback_issuers", "from",
                                  ctx, "fallback for the same issuer", [](const auto& f) {
                                    return f.from.group + "/" + f.from.kind + "/" + f.from.name;
                                  });
          }),
      MakeRule<Config>(
          "", "DNS queries need at least one resolver.",
          [](const Config& c, const RuleContext&) -> std::optional<RuleError> {
            if (!c.dns_probes.queries.empty() && c.dns_probes.resolvers.empty()) {
              return RuleError{"dns_probes.resolvers", "must not be empty when queries are set"};
            }
            return std::nullopt;
          }),
      MakeRule<Config>("", "generator.alerts.expiring_critical is less than expiring_warning.",
                       [](const Config& c, const RuleContext&) -> std::optional<RuleError> {
                         const auto& a = c.generator.alerts;
                         if (a.expiring_critical >= a.expiring_warning) {
                           return RuleError{"generator.alerts.expiring_critical",
                                            "must be less than expiring_warning (" +
                                                FormatDuration(a.expiring_warning) + ")"};
                         }
                         return std::nullopt;
                       }),
  };
}

}  // namespace

const schema::Schema& ConfigSchema() {
  static const schema::Schema s =
      schema::MakeSchema<Config>("certwatch configuration", Rows(), Rules());
  return s;
}

Result<Config> ParseConfig(std::string_view yaml, const std::string& source_name) {
  Config config;
  config.source_file = source_name;
  if (auto st = schema::DecodeInto(ConfigSchema(), yaml, source_name, config); !st) {
    return st.error();
  }
  LowerDefaultedTimeouts(config);
  // The schema has checked each field, so this only builds the resolved form.
  if (auto st = ResolveTlsProbes(config.tls_probes); !st) return st.error().Wrap(source_name);
  return config;
}

Result<Config> LoadConfigFile(const std::string& path) {
  auto text = ReadConfigFile(path);
  if (!text) return text.error();
  return ParseConfig(*text, path);
}

}  // namespace certwatch
