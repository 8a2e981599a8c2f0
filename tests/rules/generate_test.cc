#include "rules/generate.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "rules/embedded_sources.h"
#include "rules/jsonnet_vm.h"
#include "rules/mixin_config.h"

namespace certwatch {
namespace {

// One evaluation of the mixin takes a second in Release and a minute under valgrind or the
// sanitizers, and the cases below only read its output: each distinct config is evaluated once
// per binary and shared. The three configs are the default, CustomConfig() and
// CertManagerConfig().
struct Evaluated {
  std::map<std::string, std::string> outputs;  // as jsonnet manifests them
  std::map<std::string, std::string> files;    // as `certwatch generate` writes them
};

const Evaluated& Evaluate(const GeneratorConfig& config) {
  static std::map<std::string, Evaluated> cache;
  std::string key = MixinConfig(config).dump();
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  auto& entry = cache[key];
  auto outputs = EvaluateMixin(config);
  EXPECT_TRUE(outputs.has_value()) << outputs.error().message;
  if (!outputs) return entry;
  entry.outputs = std::move(*outputs);
  auto files = RenderMixinOutputs(entry.outputs);
  EXPECT_TRUE(files.has_value()) << files.error().message;
  if (files) {
    for (auto& f : *files) entry.files[f.path] = std::move(f.content);
  }
  return entry;
}

const std::map<std::string, std::string>& Generate(const GeneratorConfig& config) {
  return Evaluate(config).files;
}

// One non-default config shared by the metadata, conventions, thresholds and ConfigMap tests:
// other output names and labels, and other alert thresholds.
GeneratorConfig CustomConfig() {
  GeneratorConfig config;
  config.rule_name = "tls-alerts";
  config.rule_namespace = "observability";
  config.rule_labels = {{"release", "kube-prometheus-stack"}, {"team", "platform"}};
  config.runbook_base_url = "https://runbooks.example.com/certwatch.md";
  config.dashboard_namespace = "grafana";
  config.grafana_folder = "TLS";
  config.alerts.expiring_warning = std::chrono::hours(24 * 14);
  config.alerts.expiring_warning_for = std::chrono::minutes(30);
  config.alerts.not_ready_for = std::chrono::minutes(45);
  config.alerts.remaining_lifetime_fraction = 0.25;
  return config;
}

// Alerts on cert-manager's own metrics, scraped by a ServiceMonitor.
GeneratorConfig CertManagerConfig() {
  GeneratorConfig config;
  config.alerts.use_cert_manager_metrics = true;
  config.alerts.cert_manager_namespace_label = "exported_namespace";
  config.alerts.cert_manager_selector = "job=\"cert-manager\",namespace=\"cert-manager\"";
  return config;
}

std::vector<YAML::Node> Alerts(const YAML::Node& groups) {
  std::vector<YAML::Node> alerts;
  for (const auto& g : groups) {
    for (const auto& r : g["rules"]) {
      if (r["alert"]) alerts.push_back(r);
    }
  }
  return alerts;
}

YAML::Node Rule(const std::map<std::string, std::string>& files, const std::string& name) {
  for (const auto& a : Alerts(YAML::Load(files.at("rules.yaml"))["groups"])) {
    if (a["alert"].as<std::string>() == name) return a;
  }
  ADD_FAILURE() << "no alert " << name;
  return YAML::Node();
}

TEST(EmbeddedSources, AreTheFilesInTheSourceTree) {
  ASSERT_FALSE(EmbeddedMixinSources().empty());
  std::set<std::string> paths;
  for (const auto& source : EmbeddedMixinSources()) {
    paths.insert(std::string(source.path));
    std::ifstream in(std::string(CERTWATCH_SOURCE_DIR) + "/" + std::string(source.path));
    std::stringstream disk;
    disk << in.rdbuf();
    EXPECT_EQ(disk.str(), source.content) << source.path << " is stale; rebuild";
  }
  for (const char* p : {"rules/mixin.libsonnet", "rules/outputs.jsonnet", "rules/alerts.libsonnet",
                        "dashboards/dashboards.libsonnet", "dashboards/lib/panels.libsonnet"}) {
    EXPECT_TRUE(paths.contains(p)) << p;
  }
}

// The mixin's own _config defaults (what jsonnet users get) equal the config file defaults
// (what `certwatch generate` passes in).
TEST(MixinOutput, MixinDefaultsEqualConfigDefaults) {
  auto standalone = EvaluateJsonnetMulti(EmbeddedMixinSources(), "rules/outputs.jsonnet", {});
  ASSERT_TRUE(standalone.has_value()) << standalone.error().message;
  const auto& configured = Evaluate(GeneratorConfig{}).outputs;
  ASSERT_EQ(standalone->size(), configured.size());
  for (const auto& [path, json] : *standalone) {
    ASSERT_TRUE(configured.contains(path)) << path;
    EXPECT_EQ(nlohmann::json::parse(json), nlohmann::json::parse(configured.at(path))) << path;
  }
}

// Every output of the real mixin. Release only, like the other MixinOutput cases: one
// evaluation takes minutes under valgrind.
TEST(MixinOutput, WritesEveryOutput) {
  const auto& files = Generate(GeneratorConfig{});
  for (const char* p :
       {"prometheus-rule.yaml", "rules.yaml", "rules.test.yaml", "rules.lifetime.test.yaml",
        "runbooks.md", "grafana-dashboards-configmap.yaml", "dashboards/certwatch-fleet.json",
        "dashboards/certwatch-endpoints.json", "dashboards/certwatch-dns.json",
        "dashboards/certwatch-renewer.json", "dashboards/certwatch-cluster-trust.json"}) {
    EXPECT_TRUE(files.contains(p)) << p;
  }
}

// A small mixin of each output kind (Markdown, rule YAML, a dashboard, the dashboards'
// ConfigMap) through the C++ of `certwatch generate`: the jsonnet VM wrapper, the renderers,
// the dashboard check, the YAML writer and the file writer. This is the case of this file that
// also runs under valgrind and the sanitizers (see tests/CMakeLists.txt); the real mixin's
// evaluation is the MixinOutput cases' (Release) and the generator fuzz target's.
TEST(Generate, RendersAndWritesEachOutputKind) {
  constexpr std::array<EmbeddedSource, 2> sources = {{
      {"lib/dashboard.libsonnet", R"(function(uid) {
        uid: uid, title: 'T ' + uid, schemaVersion: 39,
        templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus' }] },
        panels: [{ id: 1, type: 'stat', title: 'Up',
                   datasource: { uid: '${datasource}' },
                   targets: [{ refId: 'A', expr: 'up', datasource: { uid: '${datasource}' } }],
                   gridPos: { x: 0, y: 0, w: 6, h: 4 } }],
      })"},
      {"main.jsonnet", R"(function(config) {
        local dashboard = import 'lib/dashboard.libsonnet',
        'runbooks.md': '# Runbooks\n\n## ' + config.alert + '\n',
        'rules.yaml': { groups: [{ name: 'g', rules: [{ alert: config.alert, expr: 'up == 0',
                                                          'for': '5m' }] }] },
        'dashboards/a.json': dashboard('a'),
        'grafana-dashboards-configmap.yaml': { apiVersion: 'v1', kind: 'ConfigMap',
          metadata: { name: 'd' }, data: { 'a.json': std.manifestJsonMinified(dashboard('a')) } },
      })"},
  }};
  auto outputs = EvaluateJsonnetMulti(sources, "main.jsonnet", {{"config", R"({"alert": "X"})"}});
  ASSERT_TRUE(outputs.has_value()) << outputs.error().message;
  auto files = RenderMixinOutputs(*outputs);
  ASSERT_TRUE(files.has_value()) << files.error().message;
  std::map<std::string, std::string> by_path;
  for (const auto& f : *files) by_path[f.path] = f.content;
  ASSERT_EQ(by_path.size(), 4u);
  EXPECT_EQ(by_path["runbooks.md"], "# Runbooks\n\n## X\n");
  YAML::Node rules = YAML::Load(by_path["rules.yaml"]);
  EXPECT_EQ(rules["groups"][0]["rules"][0]["alert"].as<std::string>(), "X");
  EXPECT_EQ(rules["groups"][0]["rules"][0]["for"].as<std::string>(), "5m");
  EXPECT_EQ(nlohmann::json::parse(by_path["dashboards/a.json"])["uid"], "a");
  // The ConfigMap's dashboard is indented like the standalone file.
  YAML::Node cm = YAML::Load(by_path["grafana-dashboards-configmap.yaml"]);
  EXPECT_EQ(cm["data"]["a.json"].as<std::string>(), by_path["dashboards/a.json"]);

  // A dashboard Grafana could not import is an error naming the file and the field.
  auto broken = *outputs;
  broken["dashboards/b.json"] = R"({"uid": "b", "title": "B"})";
  auto refused = RenderMixinOutputs(broken);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("dashboards/b.json: not importable by Grafana"),
            std::string::npos)
      << refused.error().message;

  const std::string dir = ::testing::TempDir() + "/certwatch-generate-kinds";
  ASSERT_TRUE(WriteGeneratedFiles(*files, dir).has_value());
  std::ifstream written(dir + "/dashboards/a.json");
  std::stringstream text;
  text << written.rdbuf();
  EXPECT_EQ(text.str(), by_path["dashboards/a.json"]);
}

TEST(MixinOutput, PrometheusRuleCarriesTheRuleFileAndConfiguredMetadata) {
  const auto& files = Generate(CustomConfig());
  YAML::Node crd = YAML::Load(files.at("prometheus-rule.yaml"));
  // As people write manifests: the words are not quoted.
  EXPECT_NE(files.at("prometheus-rule.yaml").find("\napiVersion: monitoring.coreos.com/v1\n"),
            std::string::npos);
  EXPECT_NE(files.at("prometheus-rule.yaml").find("\nkind: PrometheusRule\n"), std::string::npos);
  EXPECT_EQ(crd["apiVersion"].as<std::string>(), "monitoring.coreos.com/v1");
  EXPECT_EQ(crd["kind"].as<std::string>(), "PrometheusRule");
  EXPECT_EQ(crd["metadata"]["name"].as<std::string>(), "tls-alerts");
  EXPECT_EQ(crd["metadata"]["namespace"].as<std::string>(), "observability");
  EXPECT_EQ(crd["metadata"]["labels"]["release"].as<std::string>(), "kube-prometheus-stack");
  EXPECT_EQ(crd["metadata"]["labels"]["team"].as<std::string>(), "platform");
  YAML::Emitter spec, plain;
  spec << crd["spec"];
  plain << YAML::Load(files.at("rules.yaml"));
  EXPECT_EQ(std::string(spec.c_str()), std::string(plain.c_str()));
}

TEST(MixinOutput, AlertsFollowTheConventions) {
  const auto& files = Generate(CustomConfig());
  auto alerts = Alerts(YAML::Load(files.at("rules.yaml"))["groups"]);
  EXPECT_GE(alerts.size(), 20u);
  std::set<std::string> names;
  const std::regex camel("Certwatch([A-Z][a-z0-9]+)+");
  for (const auto& a : alerts) {
    std::string name = a["alert"].as<std::string>();
    SCOPED_TRACE(name);
    EXPECT_TRUE(names.insert(name).second) << "duplicate";
    EXPECT_TRUE(std::regex_match(name, camel));
    std::string severity = a["labels"]["severity"].as<std::string>();
    EXPECT_TRUE(severity == "critical" || severity == "warning" || severity == "info");
    std::string summary = a["annotations"]["summary"].as<std::string>();
    EXPECT_EQ(summary.back(), '.');
    EXPECT_EQ(summary.find("{{"), std::string::npos);
    // Templated, except for absent(): its result has no labels or value worth showing.
    if (!a["expr"].as<std::string>().starts_with("absent(")) {
      EXPECT_NE(a["annotations"]["description"].as<std::string>().find("{{"), std::string::npos);
    }
    std::string anchor = name;
    std::transform(anchor.begin(), anchor.end(), anchor.begin(), ::tolower);
    EXPECT_EQ(a["annotations"]["runbook_url"].as<std::string>(),
              "https://runbooks.example.com/certwatch.md#" + anchor);
    EXPECT_NE(files.at("runbooks.md").find("\n## " + name + "\n"), std::string::npos);
  }
  for (const char* required :
       {"CertwatchCertificateExpiringSoon", "CertwatchCertificateExpiryCritical",
        "CertwatchCertificateNotReady", "CertwatchCertificateRenewalErrors",
        "CertwatchCertificateRenewalOverdue", "CertwatchCertificateLifetimeLow",
        "CertwatchAcmeRateLimited", "CertwatchAcmeRateLimitBudgetForecastExhausted",
        "CertwatchEndpointServingStaleCertificate", "CertwatchEndpointCertificateExpiringSoon",
        "CertwatchEndpointCertificateVerificationFailed", "CertwatchDns01ChallengeNotPropagated",
        "CertwatchCaaForbidsIssuer", "CertwatchClockSkew", "CertwatchIssuerNotReady",
        "CertwatchExporterAbsent", "CertwatchSourceDown"}) {
    EXPECT_TRUE(names.contains(required)) << required;
  }
}

// Without generator.runbook_base_url the links name the runbook file written next to the rules
// (runbooks.md#<alert>), never a host nobody configured.
TEST(MixinOutput, RunbookLinksNameTheGeneratedRunbookWithoutABaseUrl) {
  const auto& files = Generate(GeneratorConfig{});
  ASSERT_TRUE(files.contains(std::string(kRunbookFile)));
  for (const auto& [path, content] : files) {
    EXPECT_EQ(content.find("github.com/certwatch"), std::string::npos) << path;
  }
  auto alerts = Alerts(YAML::Load(files.at("rules.yaml"))["groups"]);
  ASSERT_FALSE(alerts.empty());
  for (const auto& a : alerts) {
    std::string anchor = a["alert"].as<std::string>();
    std::transform(anchor.begin(), anchor.end(), anchor.begin(), ::tolower);
    EXPECT_EQ(a["annotations"]["runbook_url"].as<std::string>(), "runbooks.md#" + anchor);
  }
}

TEST(MixinOutput, ThresholdsComeFromTheConfig) {
  const auto& before = Generate(GeneratorConfig{});
  const auto& after = Generate(CustomConfig());

  // The cap, then the lifetime fraction it shrinks to, then the renewal gate.
  EXPECT_EQ(Rule(before, "CertwatchCertificateExpiringSoon")["expr"].as<std::string>(),
            "(certwatch_certificate_expiration_timestamp_seconds{job=\"certwatch\"} - time()) < "
            "604800 unless (certwatch_certificate_expiration_timestamp_seconds{job=\"certwatch\"} "
            "- time()) >= 0.16666666666666666 * "
            "(certwatch_certificate_expiration_timestamp_seconds{job=\"certwatch\"} - "
            "certwatch_certificate_not_before_timestamp_seconds{job=\"certwatch\"}) unless "
            "certwatch_certificate_renewal_timestamp_seconds{job=\"certwatch\"} > time() - 3600");
  EXPECT_EQ(Rule(after, "CertwatchCertificateExpiringSoon")["expr"].as<std::string>().rfind(
                "(certwatch_certificate_expiration_timestamp_seconds{job=\"certwatch\"} - "
                "time()) < 1209600 unless",
                0),
            0u);
  EXPECT_EQ(Rule(before, "CertwatchCertificateExpiringSoon")["for"].as<std::string>(), "1h");
  EXPECT_EQ(Rule(after, "CertwatchCertificateExpiringSoon")["for"].as<std::string>(), "30m");
  EXPECT_EQ(Rule(after, "CertwatchCertificateNotReady")["for"].as<std::string>(), "45m");
  EXPECT_NE(
      Rule(after, "CertwatchCertificateLifetimeLow")["expr"].as<std::string>().find(">= 0.25 *"),
      std::string::npos);
  EXPECT_EQ(
      Rule(after, "CertwatchCertificateExpiringSoon")["annotations"]["summary"].as<std::string>(),
      "A certificate whose renewal is overdue expires in less than 2w (or 16.67% of its "
      "lifetime).");
  // The tests follow: the fixture's expiry sits inside the new window.
  EXPECT_NE(before.at("rules.test.yaml"), after.at("rules.test.yaml"));
  // So does the dashboard's red threshold (days).
  auto fleet = nlohmann::json::parse(after.at("dashboards/certwatch-fleet.json"));
  bool found = false;
  for (const auto& panel : fleet["panels"]) {
    if (panel["type"] == "table") {
      EXPECT_EQ(panel["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"], 14);
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(MixinOutput, CertManagerMetricsUnderAServiceMonitor) {
  const auto& files = Generate(CertManagerConfig());
  auto expiring = Rule(files, "CertwatchCertificateExpiringSoon");
  EXPECT_EQ(expiring["expr"].as<std::string>().rfind(
                "(certmanager_certificate_expiration_timestamp_seconds{job=\"cert-manager\","
                "namespace=\"cert-manager\"} - time()) < 604800 unless",
                0),
            0u);
  EXPECT_NE(expiring["annotations"]["description"].as<std::string>().find(
                "{{ $labels.exported_namespace }}/{{ $labels.name }}"),
            std::string::npos);
  EXPECT_NE(Rule(files, "CertwatchCertificateRenewalErrors")["expr"].as<std::string>().find(
                "certmanager_controller_sync_call_count"),
            std::string::npos);
  EXPECT_NE(
      Rule(files, "CertwatchAcmeRateLimited")["expr"].as<std::string>().find("status=\"429\""),
      std::string::npos);
  EXPECT_NE(
      Rule(files, "CertwatchCertManagerAbsent")["expr"].as<std::string>().find("cert-manager"),
      std::string::npos);
  // Probe alerts still read certwatch's own series.
  EXPECT_NE(Rule(files, "CertwatchEndpointServingStaleCertificate")["expr"].as<std::string>().find(
                "certwatch_tls_served_matches_secret{job=\"certwatch\"}"),
            std::string::npos);
  // The namespace filter of the fleet dashboard follows the label.
  EXPECT_NE(
      files.at("dashboards/certwatch-fleet.json").find("exported_namespace=~\\\"$namespace\\\""),
      std::string::npos);
}

TEST(MixinOutput, RejectsASelectorTheTestsCannotMatch) {
  GeneratorConfig config;
  config.alerts.job_selector = "job=certwatch";
  auto files = GenerateMonitoring(config);
  ASSERT_FALSE(files.has_value());
  EXPECT_NE(files.error().message.find("double-quoted"), std::string::npos)
      << files.error().message;
}

TEST(MixinOutput, ConfigMapIsLabelledForTheSidecarAndHoldsEveryDashboard) {
  const auto& files = Generate(CustomConfig());
  YAML::Node cm = YAML::Load(files.at("grafana-dashboards-configmap.yaml"));
  EXPECT_EQ(cm["kind"].as<std::string>(), "ConfigMap");
  EXPECT_EQ(cm["metadata"]["namespace"].as<std::string>(), "grafana");
  EXPECT_EQ(cm["metadata"]["labels"]["grafana_dashboard"].as<std::string>(), "1");
  EXPECT_EQ(cm["metadata"]["annotations"]["grafana_folder"].as<std::string>(), "TLS");
  for (const char* name : {"certwatch-fleet.json", "certwatch-endpoints.json", "certwatch-dns.json",
                           "certwatch-renewer.json", "certwatch-cluster-trust.json"}) {
    ASSERT_TRUE(cm["data"][name]) << name;
    EXPECT_EQ(nlohmann::json::parse(cm["data"][name].as<std::string>()),
              nlohmann::json::parse(files.at(std::string("dashboards/") + name)));
  }
}

}  // namespace
}  // namespace certwatch
