// The certwatch configuration: one struct per YAML section, defaults in the member
// initialisers. The schema (keys, types, defaults, docs) lives in config/schema.cc so that the
// parser, `check-config` and the configuration reference in the README come from one table.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/duration.h"
#include "common/result.h"
#include "config/allow_list.h"
#include "config/tls_target.h"

namespace certwatch {

struct WebConfig {
  std::string listen_address = "0.0.0.0:9480";
  std::string config_file;   // exporter-toolkit web config (TLS, basic auth); "" = plain HTTP
  bool state_api = true;     // serve /api/v1/state
  std::string route_prefix;  // reserved; "" = "/"
};

// What /metrics exports beyond the families themselves.
struct MetricsConfig {
  // A healthy certificate exports only what cert-manager itself exports per certificate (7
  // series); the families whose value is the healthy default (issuing 0, failed attempts 0,
  // rate-limited 0, failure reason "none") appear only while they are not. false restores
  // every series for every certificate.
  bool sparse = true;
};

// The certificate sources beyond cert-manager's objects (README: Certificates outside
// cert-manager). Each is `true`/`false` in the config, or a mapping with `enabled` and its own
// keys. A namespaced one watches kubernetes.namespaces, narrowed by its own `namespaces`.

// ConfigMaps holding PEM bundles; opt-in, since ConfigMaps are many: select them.
struct ConfigMapsSourceConfig {
  bool enabled = false;
  std::vector<std::string> namespaces;  // [] = kubernetes.namespaces
  std::string label_selector;           // "" = every ConfigMap of those namespaces
};

// trust-manager Bundles (trust.cert-manager.io/v1alpha1) and the CAs in their targets; on
// when the API exists: a cluster without trust-manager is not an error.
struct BundlesSourceConfig {
  bool enabled = true;
};

// caBundles the API server trusts: webhook configurations, APIServices, CRD conversion
// webhooks; a few cluster-scoped objects, so on by default.
struct CaBundlesSourceConfig {
  bool enabled = true;
  // Handshake with each webhook's Service endpoint (or url) and check that the caBundle
  // verifies the chain it serves (certwatch_ca_bundle_verifies_served).
  bool verify_served = true;
};

// CertificateSigningRequests (certificates.k8s.io/v1); opt-in.
struct CsrsSourceConfig {
  bool enabled = false;
  std::vector<std::string> signer_names;  // [] = every signer
};

// Kubelet serving certificates: each Node's InternalIP probed on `port`; opt-in.
struct KubeletsSourceConfig {
  bool enabled = false;
  int port = 10250;
  std::string ca_file;         // "" = the API server's CA (kubeconfig or service account)
  std::string label_selector;  // Nodes probed; "" = all
};

struct KubernetesConfig {
  bool enabled = true;
  std::string kubeconfig;               // "" = $KUBECONFIG, then in-cluster service account
  std::vector<std::string> namespaces;  // empty = all
  bool secrets = false;
  bool ingresses = true;
  int ingress_port = 443;
  Duration resync = std::chrono::minutes(10);  // relist period as a safety net
  int list_page_size = 500;
  // Streaming lists (kube-apiserver's WatchList: a watch with sendInitialEvents=true), falling
  // back to paginated lists where the server refuses them, as client-go does.
  bool watch_list = true;
  int acme_rate_limit_per_week = 50;  // Let's Encrypt certificates per registered domain
  Duration request_timeout = std::chrono::seconds(60);        // one list page / get (not watches)
  Duration backoff_initial = std::chrono::milliseconds(500);  // first retry delay after an error
  Duration backoff_max = std::chrono::seconds(10);            // cap of the doubling delay
  bool renewer_events = true;  // read the renewer's Events (its cooldown survives a new leader)
  // Secret keys read as keystores beside cert-manager's keystore.p12, truststore.p12,
  // keystore.jks and truststore.jks (secrets: true); the format is sniffed.
  std::vector<std::string> keystore_keys;
  ConfigMapsSourceConfig configmaps;
  BundlesSourceConfig bundles;
  CaBundlesSourceConfig ca_bundles;
  CsrsSourceConfig csrs;
  KubeletsSourceConfig kubelets;
};

struct FileSourceConfig {
  std::string path;  // glob
  // pem, der, pkcs12, jks, or auto: PEM, DER or a kubeconfig as before, plus PKCS#12 and JKS
  // told apart by their first bytes.
  std::string format = "auto";
  std::string password_file{};  // keystores: the password is its first line; "" = none
};

// One CRL to read (`path`, a glob) or fetch (`url`): exactly one of the two is set.
struct CrlSourceConfig {
  std::string path;
  std::string url;
};

// How CRLs are fetched and when they are used (revocation/crl_source.h).
struct RevocationConfig {
  // Opt-in: also fetch the CRL Distribution Points (URI form) of the watched certificates
  // (served TLS leaves, TLS Secrets).
  bool fetch_distribution_points = false;
  int64_t max_crl_bytes = int64_t{20} << 20;                // a bigger CRL is not read
  Duration fetch_timeout = std::chrono::seconds(10);        // one fetch, connect included
  Duration min_refetch_interval = std::chrono::minutes(5);  // never fetch one CRL more often
  Duration backoff_max = std::chrono::hours(1);             // cap of the doubling retry delay
  Duration max_refetch_interval = std::chrono::hours(24);   // refetch at least this often
  int max_distribution_points = 1000;                       // distinct CDP URLs fetched at most
};

struct TlsTargetConfig {
  std::string address;      // host:port
  std::string server_name;  // default: host of address
  std::string ca_file;
  std::string client_cert_file;
  std::string client_key_file;
  std::string min_version;  // "", "TLS1.2", "TLS1.3"
  std::string starttls;     // "", "smtp", "postgres"
  std::string certificate;  // "namespace/name" of the Certificate it should serve
};

struct TlsProbesConfig {
  Duration interval = std::chrono::seconds(60);
  Duration timeout = std::chrono::seconds(10);
  int max_concurrency = 256;
  std::vector<TlsTargetConfig> targets;
  // Which discovered (Ingress) targets are probed: "certificates" = those whose tls entry a
  // Certificate covers (same secretName, or a dnsName matching the host), plus what the
  // allow-lists allow; "allow_list" = only what the allow-lists allow.
  std::string discovery = "certificates";
  std::vector<std::string> allowed_cidrs;
  std::vector<std::string> allowed_domain_suffixes;

  // Built from the keys above by ResolveTlsProbes (the loader calls it), so every consumer
  // probes the same resolved targets and the allow-list is parsed once.
  std::vector<ResolvedTlsTarget> resolved_targets;
  AllowList allow_list;
};

// Fills resolved_targets and allow_list. Errors start with the key:
// "tls_probes.targets[2].address: bad address ...".
Status ResolveTlsProbes(TlsProbesConfig& config);

struct DnsQueryConfig {
  std::string name;
  std::vector<std::string> types;  // A, AAAA, CAA, TXT, NS, CNAME
};

struct CaaIssuerConfig {
  std::string acme_server_substring;  // e.g. "letsencrypt.org"
  std::string ca_domain;              // e.g. "letsencrypt.org"
};

struct DnsProbesConfig {
  Duration interval = std::chrono::seconds(60);
  Duration timeout = std::chrono::seconds(5);
  std::vector<std::string> resolvers = {"8.8.8.8:53", "1.1.1.1:53", "9.9.9.9:53"};
  std::vector<DnsQueryConfig> queries;
  bool acme_challenges = true;
  bool authoritative = true;    // also ask each name's NS servers
  int authoritative_port = 53;  // port asked on authoritative servers (tests use others)
  bool caa = true;
  std::vector<CaaIssuerConfig> caa_issuers;  // extra ACME server → CA domain mappings
  int max_concurrency = 256;
};

struct IssuerRefConfig {
  std::string name;
  std::string kind = "Issuer";
  std::string group = "cert-manager.io";
};

struct FallbackIssuerConfig {
  IssuerRefConfig from;
  IssuerRefConfig to;
};

// A workload the renewer may restart (rollout annotation) when it keeps serving a stale
// certificate (renewer.restart_stale_workloads).
struct RestartWorkloadConfig {
  std::string certificate;          // "namespace/name" of the Certificate it serves
  std::string kind = "Deployment";  // Deployment, StatefulSet, DaemonSet (same namespace)
  std::string name;
};

struct RenewerConfig {
  bool enabled = false;
  bool dry_run = true;
  std::string state_url = "http://127.0.0.1:9480/api/v1/state";
  Duration interval = std::chrono::seconds(30);
  Duration state_max_age = std::chrono::minutes(5);
  Duration renew_overdue_after = std::chrono::hours(1);
  Duration not_ready_after = std::chrono::hours(1);
  Duration challenge_stuck_after = std::chrono::hours(1);
  std::vector<FallbackIssuerConfig> fallback_issuers;
  bool switch_back = false;
  bool delete_invalid_secrets = false;   // opt-in
  bool restart_stale_workloads = false;  // opt-in
  int max_actions_per_hour = 20;
  Duration cooldown = std::chrono::hours(6);
  std::vector<std::string> namespaces;  // empty = all
  std::string label_selector;
  std::string
      lease_namespace;  // "" = client-go's: the pod's namespace, else the context's, else default
  std::string lease_name = "certwatch-renewer";
  Duration lease_duration = std::chrono::seconds(15);
  std::string listen_address = "127.0.0.1:9481";             // the renewer's own /metrics
  Duration switch_back_after = std::chrono::hours(24 * 7);   // Let's Encrypt's rate-limit window
  Duration stale_workload_after = std::chrono::minutes(30);  // served != stored this long
  std::vector<RestartWorkloadConfig> restart_workloads;
  std::string identity;  // Lease holder identity; "" = hostname + pid
};

struct AlertsConfig {
  Duration expiring_warning = std::chrono::hours(24 * 7);
  Duration expiring_critical = std::chrono::hours(48);
  Duration expiring_warning_for = std::chrono::hours(1);      // "for:" of the expiry warnings
  Duration expiring_critical_for = std::chrono::minutes(10);  // "for:" of the expiry criticals
  Duration not_ready_for = std::chrono::minutes(15);
  // Lifetime-relative thresholds (README "Alerts for short-lived certificates"): where no
  // renewal time is known, warn when less than this fraction of the lifetime is left, as
  // cert-manager renews at two thirds; never earlier than lifetime_warning_max before expiry.
  double remaining_lifetime_fraction = 1.0 / 3.0;
  Duration lifetime_warning_max = std::chrono::hours(24 * 30);
  // A Certificate's renewal is overdue after this fraction of its lifetime (at most half of
  // its renewal window, at least renewal_overdue_grace).
  double renewal_overdue_fraction = 0.1;
  // The fixed thresholds shrink to these fractions of the lifetime for short-lived ones.
  double warning_lifetime_fraction = 1.0 / 6.0;
  double critical_lifetime_fraction = 1.0 / 12.0;
  Duration renewal_overdue_grace = std::chrono::hours(1);
  double renewal_error_rate = 0.1;
  Duration clock_skew = std::chrono::seconds(30);
  Duration dns_not_propagated_for = std::chrono::minutes(10);
  Duration drift_for = std::chrono::minutes(15);
  Duration default_for = std::chrono::minutes(5);  // "for:" of alerts without their own
  double budget_forecast_fraction = 0.8;
  bool use_cert_manager_metrics = false;
  std::string cert_manager_namespace_label =
      "namespace";  // "exported_namespace" under a ServiceMonitor
  std::string job_selector = "job=\"certwatch\"";
  std::string cert_manager_selector = "job=\"cert-manager\"";  // with use_cert_manager_metrics
};

// The runbook `certwatch generate` writes next to the rules (rules/runbooks.libsonnet names it
// for the mixin). Runbook links point into it when generator.runbook_base_url is empty.
inline constexpr std::string_view kRunbookFile = "runbooks.md";

struct GeneratorConfig {
  std::string rule_name = "certwatch";
  std::string rule_namespace = "monitoring";
  std::vector<std::pair<std::string, std::string>> rule_labels = {{"prometheus", "k8s"}};
  // Where runbooks.md is published; links are <base>#<alert, lower case>, or
  // kRunbookFile#<alert, lower case> when empty (nothing guesses a host).
  std::string runbook_base_url;
  std::string dashboard_namespace = "monitoring";
  std::string grafana_folder = "certwatch";
  std::string datasource = "prometheus";
  std::string cluster_label = "cluster";  // label of the dashboards' cluster filter
  Duration dashboard_expiry_horizon = std::chrono::hours(24 * 30);  // expiring-soon table
  Duration dashboard_expiry_notice = std::chrono::hours(24 * 14);   // yellow below this
  AlertsConfig alerts;
};

struct Config {
  std::string source_file;  // where it was read from, for messages
  // Defaults the loader changed to fit other keys, one line each ("tls_probes.timeout: 1s
  // (...)"): check-config prints them, serve logs them.
  std::vector<std::string> adjusted_defaults;
  WebConfig web;
  MetricsConfig metrics;
  KubernetesConfig kubernetes;
  std::vector<FileSourceConfig> files;
  TlsProbesConfig tls_probes;
  DnsProbesConfig dns_probes;
  std::vector<CrlSourceConfig> crls;
  RevocationConfig revocation;
  RenewerConfig renewer;
  GeneratorConfig generator;
};

// Parses and validates a config file. Errors: "FILE:LINE:COLUMN: key.path: what is wrong",
// 1-based line and column.
Result<Config> LoadConfigFile(const std::string& path);
Result<Config> ParseConfig(std::string_view yaml, const std::string& source_name);

}  // namespace certwatch
