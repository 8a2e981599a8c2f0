// The strict config loader: one testdata/invalid-*.yaml per error class with its exact
// message, defaults, every section, durations, and the reference generated from the schema.
#include "config/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/schema.h"

namespace certwatch {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

const std::string kTestdata = std::string(CERTWATCH_SOURCE_DIR) + "/config/testdata";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// File -> the exact error, as printed by `certwatch check-config` run in config/testdata.
struct InvalidCase {
  const char* file;
  const char* error;
};
const InvalidCase kInvalid[] = {
    {"invalid-unknown-key.yaml",
     "invalid-unknown-key.yaml:3:3: web.listn_address: unknown key (did you mean "
     "listen_address?); allowed keys: config_file, listen_address, route_prefix, state_api"},
    {"invalid-unknown-section.yaml",
     "invalid-unknown-section.yaml:2:1: prober: unknown key; allowed keys: crls, dns_probes, "
     "files, generator, kubernetes, metrics, renewer, revocation, tls_probes, web"},
    {"invalid-duplicate-key.yaml",
     "invalid-duplicate-key.yaml:5:3: kubernetes.enabled: duplicate key (first at line 3)"},
    {"invalid-duplicate-section.yaml",
     "invalid-duplicate-section.yaml:4:1: web: duplicate key (first at line 2)"},
    {"invalid-bool-yes.yaml",
     "invalid-bool-yes.yaml:3:12: kubernetes.enabled: want a boolean (true or false), got "
     "string \"yes\""},
    {"invalid-bool-quoted.yaml",
     "invalid-bool-quoted.yaml:3:12: kubernetes.secrets: want a boolean (true or false), got "
     "string \"true\""},
    {"invalid-int-quoted.yaml",
     "invalid-int-quoted.yaml:3:17: kubernetes.ingress_port: want an integer, got string "
     "\"443\""},
    {"invalid-int-range.yaml",
     "invalid-int-range.yaml:3:17: kubernetes.ingress_port: must be between 1 and 65535, got "
     "70000"},
    {"invalid-number-range.yaml",
     "invalid-number-range.yaml:4:34: generator.alerts.remaining_lifetime_fraction: must be "
     "between 0 and 1, got 1.5"},
    {"invalid-list-scalar.yaml",
     "invalid-list-scalar.yaml:3:14: dns_probes.resolvers: want a list of host[:port], port 53 "
     "if omitted, got string \"8.8.8.8\""},
    {"invalid-section-scalar.yaml",
     "invalid-section-scalar.yaml:2:13: tls_probes: want a mapping, got string \"on\""},
    {"invalid-files-mapping.yaml",
     "invalid-files-mapping.yaml:3:3: files: want a list, got a mapping"},
    {"invalid-duration-unit.yaml",
     "invalid-duration-unit.yaml:3:13: tls_probes.interval: not a valid duration \"90\": "
     "missing or unknown unit (use ms, s, m, h, d, w, y)"},
    {"invalid-duration-order.yaml",
     "invalid-duration-order.yaml:3:13: renewer.cooldown: not a valid duration \"30m1h\": units "
     "out of order"},
    {"invalid-duration-zero.yaml",
     "invalid-duration-zero.yaml:3:13: dns_probes.interval: must be at least 1s, got 0s"},
    {"invalid-address-no-port.yaml",
     "invalid-address-no-port.yaml:4:16: tls_probes.targets[0].address: bad address "
     "\"app.example.test\": missing port (want host:port)"},
    {"invalid-address-port-range.yaml",
     "invalid-address-port-range.yaml:3:19: web.listen_address: bad address "
     "\"127.0.0.1:65536\": port 65536 is out of range 1-65535"},
    {"invalid-address-ipv6.yaml",
     "invalid-address-ipv6.yaml:4:16: tls_probes.targets[0].address: bad address \"::1:8443\": "
     "IPv6 addresses need brackets, e.g. [::1]:443"},
    {"invalid-resolver.yaml",
     "invalid-resolver.yaml:3:26: dns_probes.resolvers[1]: bad address \"1.1.1.1:dns\": port "
     "\"dns\" is not a number"},
    {"invalid-dns-type.yaml",
     "invalid-dns-type.yaml:5:18: dns_probes.queries[0].types[1]: \"MX\" is not one of A, AAAA, "
     "CAA, TXT, NS, CNAME"},
    {"invalid-dns-types-empty.yaml",
     "invalid-dns-types-empty.yaml:5:7: dns_probes.queries[0].types: must list at least one "
     "record type"},
    {"invalid-min-version.yaml",
     "invalid-min-version.yaml:5:20: tls_probes.targets[0].min_version: \"TLS1.1\" is not one of "
     "\"\", TLS1.2, TLS1.3"},
    {"invalid-starttls.yaml",
     "invalid-starttls.yaml:5:17: tls_probes.targets[0].starttls: \"imap\" is not one of \"\", "
     "smtp, postgres"},
    {"invalid-missing-required.yaml",
     "invalid-missing-required.yaml:4:7: tls_probes.targets[0]: missing required key "
     "\"address\""},
    {"invalid-client-cert-without-key.yaml",
     "invalid-client-cert-without-key.yaml:5:7: tls_probes.targets[0].client_cert_file: set "
     "without client_key_file"},
    {"invalid-certificate-ref.yaml",
     "invalid-certificate-ref.yaml:5:20: tls_probes.targets[0].certificate: \"web-tls\" is not "
     "namespace/name"},
    {"invalid-duplicate-target.yaml",
     "invalid-duplicate-target.yaml:5:7: tls_probes.targets[1].address: duplicate target (first "
     "at line 4)"},
    // Compared after resolution: the server name defaults to the host, names ignore case.
    {"invalid-duplicate-resolved-target.yaml",
     "invalid-duplicate-resolved-target.yaml:7:7: tls_probes.targets[1].address: duplicate target "
     "(first at line 6)"},
    {"invalid-dns-timeout-over-interval.yaml",
     "invalid-dns-timeout-over-interval.yaml:5:3: dns_probes.timeout: must not exceed "
     "dns_probes.interval (2s)"},
    {"invalid-timeout-over-interval.yaml",
     "invalid-timeout-over-interval.yaml:4:3: tls_probes.timeout: must not exceed "
     "tls_probes.interval (30s)"},
    {"invalid-backoff-order.yaml",
     "invalid-backoff-order.yaml:3:3: kubernetes.backoff_initial: must not exceed "
     "kubernetes.backoff_max (10s)"},
    {"invalid-crl-both.yaml", "invalid-crl-both.yaml:4:5: crls[0].url: set together with path"},
    {"invalid-crl-neither.yaml", "invalid-crl-neither.yaml:3:5: crls[0].path: want path or url"},
    {"invalid-crl-duplicate.yaml",
     "invalid-crl-duplicate.yaml:4:5: crls[1]: duplicate CRL source (first at line 3)"},
    {"invalid-crl-refetch-order.yaml",
     "invalid-crl-refetch-order.yaml:3:3: revocation.min_refetch_interval: must not exceed "
     "revocation.backoff_max (1m)"},
    {"invalid-fallback-same.yaml",
     "invalid-fallback-same.yaml:5:7: renewer.fallback_issuers[0].to: same issuer as from"},
    {"invalid-fallback-kind.yaml",
     "invalid-fallback-kind.yaml:4:38: renewer.fallback_issuers[0].from.kind: want Issuer or "
     "ClusterIssuer for group cert-manager.io, got \"Clusterissuer\""},
    {"invalid-state-url.yaml",
     "invalid-state-url.yaml:3:14: renewer.state_url: bad URL \"127.0.0.1:9480/api/v1/state\": "
     "want http:// or https://"},
    {"invalid-cidr.yaml",
     "invalid-cidr.yaml:3:35: tls_probes.allowed_cidrs[1]: bad CIDR \"10.0.0.0/33\": prefix "
     "length must be 0-32"},
    {"invalid-duplicate-value.yaml",
     "invalid-duplicate-value.yaml:3:25: kubernetes.namespaces[1]: duplicate value \"default\" "
     "(first at line 3)"},
    {"invalid-alerts-order.yaml",
     "invalid-alerts-order.yaml:5:5: generator.alerts.expiring_critical: must be less than "
     "expiring_warning (2d)"},
    {"invalid-syntax.yaml",
     "invalid-syntax.yaml:5:1: YAML syntax error: end of sequence flow not found"},
    // yaml-cpp 0.7 alone loops forever on this one (jbeder/yaml-cpp#1040).
    {"invalid-stray-comma.yaml",
     "invalid-stray-comma.yaml:2:1: YAML syntax error: unexpected \",\""},
    {"invalid-top-level.yaml",
     "invalid-top-level.yaml:2:1: want a mapping at the top level, got a list"},
    {"invalid-two-documents.yaml",
     "invalid-two-documents.yaml:5:1: only one YAML document is allowed"},
    {"invalid-key-not-string.yaml",
     "invalid-key-not-string.yaml:3:3: web: keys must be strings, got a list"},
};

class InvalidConfigTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidConfigTest, ExactMessage) {
  const InvalidCase& c = GetParam();
  std::string text = ReadFile(kTestdata + "/" + c.file);
  ASSERT_FALSE(text.empty()) << c.file;
  auto config = ParseConfig(text, c.file);
  ASSERT_FALSE(config) << c.file << " was accepted";
  EXPECT_EQ(config.error().message, c.error);
  // The file states the same expectation in its first line (read by check_config_test.py).
  EXPECT_EQ(text.substr(0, text.find('\n')), std::string("# want: ") + c.error);
  // Through the file loader the message starts with the path as given.
  auto loaded = LoadConfigFile(kTestdata + "/" + c.file);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message, kTestdata + "/" + c.error);
}

INSTANTIATE_TEST_SUITE_P(Testdata, InvalidConfigTest, ::testing::ValuesIn(kInvalid),
                         [](const auto& info) {
                           std::string name = fs::path(info.param.file).stem().string();
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(InvalidConfig, EveryTestdataFileIsInTheTable) {
  std::set<std::string> table;
  for (const auto& c : kInvalid) table.insert(c.file);
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(kTestdata)) {
    std::string name = e.path().filename().string();
    if (!name.starts_with("invalid-")) continue;
    ++files;
    EXPECT_TRUE(table.contains(name)) << name << " has no row in kInvalid";
  }
  EXPECT_EQ(files, table.size());
}

TEST(Config, SchemaTableIsConsistent) {
  auto st = schema::CheckSchema(ConfigSchema());
  EXPECT_TRUE(st) << st.error().message;
}

TEST(Config, EmptyFileIsAllDefaults) {
  for (const char* text : {"", "\n", "# only a comment\n", "---\n", "~\n"}) {
    auto c = ParseConfig(text, "empty.yaml");
    ASSERT_TRUE(c) << c.error().message;
    Config d;
    EXPECT_EQ(c->web.listen_address, d.web.listen_address);
    EXPECT_EQ(c->web.listen_address, "0.0.0.0:9480");
    EXPECT_TRUE(c->kubernetes.enabled);
    EXPECT_TRUE(c->files.empty());
    EXPECT_EQ(c->tls_probes.interval, seconds(60));
    EXPECT_EQ(c->tls_probes.timeout, seconds(10));
    EXPECT_EQ(c->dns_probes.resolvers, d.dns_probes.resolvers);
    EXPECT_EQ(c->dns_probes.resolvers.size(), 3u);
    EXPECT_FALSE(c->renewer.enabled);
    EXPECT_TRUE(c->renewer.dry_run);
    EXPECT_EQ(c->renewer.cooldown, hours(6));
    EXPECT_EQ(c->generator.rule_labels, d.generator.rule_labels);
    // No guessed host: without a base URL, runbook links name the generated runbook file.
    EXPECT_EQ(c->generator.runbook_base_url, "");
    EXPECT_EQ(c->source_file, "empty.yaml");
  }
}

TEST(Config, DefaultTimeoutIsLoweredToAShorterInterval) {
  auto c = ParseConfig("tls_probes:\n  interval: 1s\ndns_probes:\n  interval: 2s\n", "i.yaml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->tls_probes.timeout, seconds(1));
  EXPECT_EQ(c->dns_probes.timeout, seconds(2));
  EXPECT_EQ(c->adjusted_defaults.size(), 2u);
  // A timeout the file sets is kept when it fits, and is never raised.
  auto set = ParseConfig("tls_probes:\n  interval: 1s\n  timeout: 500ms\n", "s.yaml");
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->tls_probes.timeout, milliseconds(500));
  EXPECT_TRUE(set->adjusted_defaults.empty());
  // Equal is allowed, as for scrape_timeout.
  EXPECT_TRUE(ParseConfig("tls_probes:\n  interval: 10s\n  timeout: 10s\n", "e.yaml"));
}

TEST(Config, NullKeepsDefaults) {
  auto c = ParseConfig("web:\ntls_probes:\n  targets:\n  interval: ~\ndns_probes:\n  resolvers:\n",
                       "null.yaml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->web.listen_address, "0.0.0.0:9480");
  EXPECT_EQ(c->tls_probes.interval, seconds(60));
  EXPECT_EQ(c->dns_probes.resolvers.size(), 3u);
}

// An empty runbook_base_url says "no base URL", as leaving the key out does; anything else
// must still be an http(s) URL.
TEST(Config, RunbookBaseUrlIsAUrlOrEmpty) {
  auto empty = ParseConfig("generator:\n  runbook_base_url: \"\"\n", "empty.yaml");
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_EQ(empty->generator.runbook_base_url, "");
  auto url =
      ParseConfig("generator:\n  runbook_base_url: https://wiki.example/runbooks\n", "u.yaml");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->generator.runbook_base_url, "https://wiki.example/runbooks");
  auto bad = ParseConfig("generator:\n  runbook_base_url: wiki.example/runbooks\n", "bad.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("bad.yaml:2:21: generator.runbook_base_url: "),
            std::string::npos)
      << bad.error().message;
}

TEST(Config, EverySectionAndKey) {
  auto c = LoadConfigFile(kTestdata + "/valid-full.yaml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->web.listen_address, "[::1]:9999");
  EXPECT_EQ(c->web.config_file, "/etc/certwatch/web.yml");
  EXPECT_FALSE(c->web.state_api);
  EXPECT_EQ(c->web.route_prefix, "/certwatch");
  EXPECT_FALSE(c->metrics.sparse);

  const auto& k = c->kubernetes;
  EXPECT_FALSE(k.enabled);
  EXPECT_EQ(k.kubeconfig, "/root/.kube/config");
  EXPECT_EQ(k.namespaces, (std::vector<std::string>{"cert-manager", "default"}));
  EXPECT_TRUE(k.secrets);
  EXPECT_FALSE(k.ingresses);
  EXPECT_EQ(k.ingress_port, 8443);
  EXPECT_EQ(k.resync, minutes(5));
  EXPECT_EQ(k.list_page_size, 100);
  EXPECT_FALSE(k.watch_list);
  EXPECT_EQ(k.acme_rate_limit_per_week, 25);
  EXPECT_EQ(k.request_timeout, seconds(30));
  EXPECT_EQ(k.backoff_initial, milliseconds(250));
  EXPECT_EQ(k.backoff_max, seconds(20));
  EXPECT_FALSE(k.renewer_events);
  EXPECT_TRUE(k.configmaps.enabled);
  EXPECT_EQ(k.configmaps.namespaces, (std::vector<std::string>{"kube-system"}));
  EXPECT_EQ(k.configmaps.label_selector, "certwatch.io/bundle=true");
  EXPECT_FALSE(k.bundles.enabled);
  EXPECT_FALSE(k.ca_bundles.enabled);
  EXPECT_FALSE(k.ca_bundles.verify_served);
  EXPECT_TRUE(k.csrs.enabled);
  EXPECT_EQ(k.csrs.signer_names, (std::vector<std::string>{"kubernetes.io/kubelet-serving"}));
  EXPECT_TRUE(k.kubelets.enabled);
  EXPECT_EQ(k.kubelets.port, 10251);
  EXPECT_EQ(k.kubelets.ca_file, "/etc/kubernetes/pki/ca.crt");
  EXPECT_EQ(k.kubelets.label_selector, "node-role.kubernetes.io/worker");

  ASSERT_EQ(c->files.size(), 3u);
  EXPECT_EQ(c->files[0].path, "/etc/kubernetes/pki/*.crt");
  EXPECT_EQ(c->files[0].format, "auto");
  EXPECT_EQ(c->files[1].path, "/etc/kubernetes/*.conf");
  EXPECT_EQ(c->files[2].format, "pkcs12");
  EXPECT_EQ(c->files[2].password_file, "/etc/app/keystore.pass");
  EXPECT_EQ(c->kubernetes.keystore_keys, std::vector<std::string>{"client.p12"});

  const auto& t = c->tls_probes;
  EXPECT_EQ(t.interval, minutes(2));
  EXPECT_EQ(t.timeout, seconds(90));
  EXPECT_EQ(t.max_concurrency, 10);
  ASSERT_EQ(t.targets.size(), 2u);
  EXPECT_EQ(t.targets[0].address, "127.0.0.1:8443");
  EXPECT_EQ(t.targets[0].server_name, "app.example.test");
  EXPECT_EQ(t.targets[0].ca_file, "/etc/certwatch/ca.crt");
  EXPECT_EQ(t.targets[0].client_cert_file, "/etc/certwatch/client.crt");
  EXPECT_EQ(t.targets[0].client_key_file, "/etc/certwatch/client.key");
  EXPECT_EQ(t.targets[0].min_version, "TLS1.3");
  EXPECT_EQ(t.targets[0].starttls, "smtp");
  EXPECT_EQ(t.targets[0].certificate, "default/web");
  EXPECT_EQ(t.targets[1].address, "[2001:db8::1]:443");
  EXPECT_EQ(t.targets[1].server_name, "");
  EXPECT_EQ(t.discovery, "allow_list");
  EXPECT_EQ(t.allowed_cidrs, (std::vector<std::string>{"10.0.0.0/8", "fd00::/8"}));
  EXPECT_EQ(t.allowed_domain_suffixes, (std::vector<std::string>{"example.test"}));

  const auto& d = c->dns_probes;
  EXPECT_EQ(d.interval, seconds(30));
  EXPECT_EQ(d.timeout, seconds(2));
  // A resolver without a port gets :53.
  EXPECT_EQ(d.resolvers, (std::vector<std::string>{"127.0.0.1:5353", "10.0.0.53:53", "[::1]:53"}));
  ASSERT_EQ(d.queries.size(), 1u);
  EXPECT_EQ(d.queries[0].name, "example.test");
  EXPECT_EQ(d.queries[0].types,
            (std::vector<std::string>{"A", "AAAA", "CAA", "TXT", "NS", "CNAME"}));
  EXPECT_FALSE(d.acme_challenges);
  EXPECT_FALSE(d.authoritative);
  EXPECT_EQ(d.authoritative_port, 5353);
  EXPECT_FALSE(d.caa);
  ASSERT_EQ(d.caa_issuers.size(), 1u);
  EXPECT_EQ(d.caa_issuers[0].acme_server_substring, "acme.example.test");
  EXPECT_EQ(d.caa_issuers[0].ca_domain, "ca.example.test");
  EXPECT_EQ(d.max_concurrency, 5);

  ASSERT_EQ(c->crls.size(), 2u);
  EXPECT_EQ(c->crls[0].path, "/etc/certwatch/crls/*.crl");
  EXPECT_EQ(c->crls[0].url, "");
  EXPECT_EQ(c->crls[1].url, "http://crl.example.test/intermediate.crl");
  const auto& rv = c->revocation;
  EXPECT_TRUE(rv.fetch_distribution_points);
  EXPECT_EQ(rv.max_crl_bytes, 1048576);
  EXPECT_EQ(rv.fetch_timeout, seconds(5));
  EXPECT_EQ(rv.min_refetch_interval, minutes(10));
  EXPECT_EQ(rv.backoff_max, hours(2));
  EXPECT_EQ(rv.max_refetch_interval, hours(12));
  EXPECT_EQ(rv.max_distribution_points, 50);

  const auto& r = c->renewer;
  EXPECT_TRUE(r.enabled);
  EXPECT_FALSE(r.dry_run);
  EXPECT_EQ(r.state_url, "https://certwatch.monitoring.svc:9480/api/v1/state");
  EXPECT_EQ(r.interval, minutes(1));
  EXPECT_EQ(r.state_max_age, minutes(10));
  EXPECT_EQ(r.renew_overdue_after, hours(2));
  EXPECT_EQ(r.not_ready_after, hours(3));
  EXPECT_EQ(r.challenge_stuck_after, hours(4));
  ASSERT_EQ(r.fallback_issuers.size(), 2u);
  EXPECT_EQ(r.fallback_issuers[0].from.name, "letsencrypt-prod");
  EXPECT_EQ(r.fallback_issuers[0].from.kind, "ClusterIssuer");
  EXPECT_EQ(r.fallback_issuers[0].from.group, "cert-manager.io");
  EXPECT_EQ(r.fallback_issuers[0].to.name, "zerossl-prod");
  EXPECT_EQ(r.fallback_issuers[1].from.kind, "AWSPCAClusterIssuer");
  EXPECT_EQ(r.fallback_issuers[1].from.group, "awspca.cert-manager.io");
  EXPECT_TRUE(r.switch_back);
  EXPECT_EQ(r.switch_back_after, hours(72));
  EXPECT_TRUE(r.delete_invalid_secrets);
  EXPECT_TRUE(r.restart_stale_workloads);
  EXPECT_EQ(r.stale_workload_after, minutes(45));
  ASSERT_EQ(r.restart_workloads.size(), 1u);
  EXPECT_EQ(r.restart_workloads[0].certificate, "default/web");
  EXPECT_EQ(r.restart_workloads[0].kind, "StatefulSet");
  EXPECT_EQ(r.restart_workloads[0].name, "web");
  EXPECT_EQ(r.max_actions_per_hour, 5);
  EXPECT_EQ(r.cooldown, hours(12));
  EXPECT_EQ(r.namespaces, (std::vector<std::string>{"default"}));
  EXPECT_EQ(r.label_selector, "team=web");
  EXPECT_EQ(r.lease_namespace, "kube-system");
  EXPECT_EQ(r.lease_name, "renewer");
  EXPECT_EQ(r.lease_duration, seconds(30));
  EXPECT_EQ(r.identity, "renewer-0");
  EXPECT_EQ(r.listen_address, ":9482");

  const auto& g = c->generator;
  EXPECT_EQ(g.rule_name, "certs");
  EXPECT_EQ(g.rule_namespace, "observability");
  EXPECT_EQ(g.rule_labels, (std::vector<std::pair<std::string, std::string>>{
                               {"release", "kube-prometheus"}, {"team", "sre"}}));
  EXPECT_EQ(g.runbook_base_url, "https://runbooks.example.test/certwatch");
  EXPECT_EQ(g.dashboard_namespace, "grafana");
  EXPECT_EQ(g.grafana_folder, "TLS");
  EXPECT_EQ(g.datasource, "thanos");
  EXPECT_EQ(g.cluster_label, "k8s_cluster");
  EXPECT_EQ(g.dashboard_expiry_horizon, hours(60 * 24));
  EXPECT_EQ(g.dashboard_expiry_notice, hours(21 * 24));
  const auto& a = g.alerts;
  EXPECT_EQ(a.expiring_warning, hours(14 * 24));
  EXPECT_EQ(a.expiring_critical, hours(72));
  EXPECT_EQ(a.expiring_warning_for, hours(2));
  EXPECT_EQ(a.expiring_critical_for, minutes(20));
  EXPECT_EQ(a.not_ready_for, minutes(30));
  EXPECT_DOUBLE_EQ(a.remaining_lifetime_fraction, 0.25);
  EXPECT_EQ(a.lifetime_warning_max, hours(24 * 21));
  EXPECT_DOUBLE_EQ(a.renewal_overdue_fraction, 0.2);
  EXPECT_DOUBLE_EQ(a.warning_lifetime_fraction, 0.125);
  EXPECT_DOUBLE_EQ(a.critical_lifetime_fraction, 0.05);
  EXPECT_EQ(a.renewal_overdue_grace, hours(2));
  EXPECT_DOUBLE_EQ(a.renewal_error_rate, 0.2);
  EXPECT_EQ(a.clock_skew, minutes(1));
  EXPECT_EQ(a.dns_not_propagated_for, minutes(20));
  EXPECT_EQ(a.drift_for, minutes(30));
  EXPECT_EQ(a.default_for, minutes(10));
  EXPECT_DOUBLE_EQ(a.budget_forecast_fraction, 0.9);
  EXPECT_TRUE(a.use_cert_manager_metrics);
  EXPECT_EQ(a.cert_manager_namespace_label, "exported_namespace");
  EXPECT_EQ(a.job_selector, "job=\"certwatch-prod\"");
  EXPECT_EQ(a.cert_manager_selector, "job=\"cm\"");
}

// Every row of the table is exercised by valid-full.yaml, so a new key gets a value there.
TEST(Config, ValidFullSetsEveryLeafKey) {
  std::string text = ReadFile(kTestdata + "/valid-full.yaml");
  for (const auto& row : ConfigSchema().rows) {
    std::string key = row.path.substr(
        row.path.find_last_of(".]") == std::string::npos ? 0 : row.path.find_last_of(".]") + 1);
    EXPECT_NE(text.find(key + ":"), std::string::npos) << row.path << " not in valid-full.yaml";
  }
}

// `kubernetes.<source>: true` is shorthand for `{enabled: true}`; other keys keep defaults.
TEST(Config, SourceSwitchTakesABooleanOrAMapping) {
  auto c = ParseConfig("kubernetes:\n  configmaps: true\n  ca_bundles: false\n", "s.yaml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->kubernetes.configmaps.enabled);
  EXPECT_EQ(c->kubernetes.configmaps.label_selector, "");
  EXPECT_FALSE(c->kubernetes.ca_bundles.enabled);
  EXPECT_TRUE(c->kubernetes.ca_bundles.verify_served);

  auto d = ParseConfig("", "d.yaml");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_FALSE(d->kubernetes.configmaps.enabled);
  EXPECT_TRUE(d->kubernetes.bundles.enabled);
  EXPECT_TRUE(d->kubernetes.ca_bundles.enabled);
  EXPECT_FALSE(d->kubernetes.csrs.enabled);
  EXPECT_FALSE(d->kubernetes.kubelets.enabled);
  EXPECT_EQ(d->kubernetes.kubelets.port, 10250);

  auto m = ParseConfig("kubernetes:\n  kubelets: {enabled: true, port: 11250}\n", "m.yaml");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->kubernetes.kubelets.enabled);
  EXPECT_EQ(m->kubernetes.kubelets.port, 11250);

  auto bad = ParseConfig("kubernetes:\n  csrs: 3\n", "b.yaml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "b.yaml:2:9: kubernetes.csrs: want true, false or a mapping, got integer 3");
  auto bad_key = ParseConfig("kubernetes:\n  csrs: {signer_name: []}\n", "k.yaml");
  ASSERT_FALSE(bad_key);
  EXPECT_NE(bad_key.error().message.find("kubernetes.csrs.signer_name: unknown key (did you mean "
                                         "signer_names?)"),
            std::string::npos)
      << bad_key.error().message;
}

TEST(Config, ExampleConfigWorksWithoutClusterOrInternet) {
  auto c = LoadConfigFile(std::string(CERTWATCH_SOURCE_DIR) + "/config/example.yaml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_FALSE(c->kubernetes.enabled);
  EXPECT_EQ(c->web.listen_address, "127.0.0.1:9480");
  ASSERT_EQ(c->files.size(), 1u);
  EXPECT_EQ(c->files[0].path, "/etc/ssl/certs/*.pem");
  EXPECT_TRUE(c->tls_probes.targets.empty());
  EXPECT_TRUE(c->dns_probes.queries.empty());
  EXPECT_FALSE(c->dns_probes.acme_challenges);
}

TEST(Config, Durations) {
  struct Case {
    const char* text;
    milliseconds want;
  };
  for (const Case& c :
       {Case{"500ms", milliseconds(500)}, Case{"90s", seconds(90)}, Case{"15m", minutes(15)},
        Case{"1h30m", minutes(90)}, Case{"14d", hours(14 * 24)}, Case{"2w", hours(14 * 24)},
        Case{"1y", hours(365 * 24)}, Case{"\"6h\"", hours(6)}}) {
    auto cfg = ParseConfig(std::string("renewer:\n  cooldown: ") + c.text + "\n", "d.yaml");
    ASSERT_TRUE(cfg) << c.text << ": " << cfg.error().message;
    EXPECT_EQ(cfg->renewer.cooldown, c.want) << c.text;
  }
  for (const char* bad : {"1.5h", "-1s", "1h 30m", "h", "10x", "[1s]"}) {
    auto cfg = ParseConfig(std::string("renewer:\n  cooldown: ") + bad + "\n", "d.yaml");
    ASSERT_FALSE(cfg) << bad;
    EXPECT_TRUE(cfg.error().message.starts_with("d.yaml:2:13: renewer.cooldown: "))
        << cfg.error().message;
  }
}

TEST(Config, ListReplacesDefaultAndEmptyListIsEmpty) {
  auto c = ParseConfig("dns_probes:\n  resolvers: []\n", "l.yaml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->dns_probes.resolvers.empty());
  c = ParseConfig("dns_probes:\n  resolvers:\n    - 192.0.2.1\n", "l.yaml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->dns_probes.resolvers, std::vector<std::string>{"192.0.2.1:53"});
  c = ParseConfig("generator:\n  rule_labels: {}\n", "l.yaml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->generator.rule_labels.empty());
}

TEST(Config, ReportsEveryErrorInDocumentOrder) {
  auto c = ParseConfig("web:\n  listen_address: nope\nkubernetes:\n  enabled: 1\n  bogus: 2\n",
                       "m.yaml");
  ASSERT_FALSE(c);
  EXPECT_EQ(
      c.error().message,
      "m.yaml:2:19: web.listen_address: bad address \"nope\": missing port (want "
      "host:port)\n"
      "m.yaml:4:12: kubernetes.enabled: want a boolean (true or false), got integer 1\n"
      "m.yaml:5:3: kubernetes.bogus: unknown key; allowed keys: acme_rate_limit_per_week, "
      "backoff_initial, backoff_max, bundles, ca_bundles, configmaps, csrs, enabled, ingress_port, "
      "ingresses, keystore_keys, kubeconfig, kubelets, list_page_size, namespaces, renewer_events, "
      "request_timeout, resync, secrets, watch_list");
}

TEST(Config, AnchorsAndAliasesWork) {
  auto c = ParseConfig(
      "tls_probes:\n  targets:\n    - &t {address: \"127.0.0.1:1\", server_name: a.test}\n"
      "    - {address: \"127.0.0.1:2\", server_name: a.test}\n",
      "a.yaml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->tls_probes.targets.size(), 2u);
}

TEST(Config, RuleErrorForKeyAbsentFromFilePointsAtEnclosingKey) {
  // expiring_critical keeps its default 48h, not less than the 1d warning set here. (A
  // defaulted probe timeout above its interval is lowered instead, as Prometheus does.)
  auto c = ParseConfig("generator:\n  alerts:\n    expiring_warning: 1d\n", "r.yaml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message,
            "r.yaml:2:3: generator.alerts.expiring_critical: must be less than expiring_warning "
            "(1d)");
}

TEST(Config, ReferenceDocumentsEveryRow) {
  std::string md = ConfigReferenceMarkdown();
  for (const auto& row : ConfigSchema().rows) {
    EXPECT_NE(md.find("`" + row.path + "`"), std::string::npos) << row.path;
  }
  EXPECT_NE(md.find("| `web.listen_address` | [host]:port | `\"0.0.0.0:9480\"` |"),
            std::string::npos);
  EXPECT_NE(md.find("| `renewer.cooldown` | duration | `6h` |"), std::string::npos);
  EXPECT_NE(md.find("| `dns_probes.resolvers` | list of host[:port], port 53 if omitted | "
                    "`[\"8.8.8.8:53\", \"1.1.1.1:53\", \"9.9.9.9:53\"]` |"),
            std::string::npos);
}

TEST(Config, CommittedReferenceIsUpToDate) {
  std::string committed = ReadFile(std::string(CERTWATCH_SOURCE_DIR) + "/config/REFERENCE.md");
  std::string generated = ConfigReferenceMarkdown();
  if (committed == generated) return;
  // Show the first line that differs, not two 20 KB strings.
  std::istringstream a(committed), b(generated);
  std::string la, lb;
  int line = 0;
  while (true) {
    bool more_a = static_cast<bool>(std::getline(a, la));
    bool more_b = static_cast<bool>(std::getline(b, lb));
    ++line;
    if (la != lb || more_a != more_b) break;
  }
  ADD_FAILURE() << "config/REFERENCE.md is stale at line " << line << ":\n  committed: " << la
                << "\n  generated: " << lb
                << "\nregenerate with: certwatch config-reference > config/REFERENCE.md";
}

}  // namespace
}  // namespace certwatch
