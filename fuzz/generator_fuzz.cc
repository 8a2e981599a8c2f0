// The generator's inputs are the config's generator section: free strings (rule labels, Grafana
// folder, datasource, cluster label, runbook URL, selectors) and thresholds that end up in the
// jsonnet `_config` and in generated YAML. Two properties, checked on every input:
//  - ToYaml writes YAML that yaml-cpp reads back as the same document (any JSON document),
//    strings as strings whether written plain or quoted;
//  - GenerateMonitoring, whatever the strings, returns files or an Error, and the files it
//    returns are valid YAML/JSON carrying the configured strings unchanged.
// Inputs starting with kGenerate build a generator section from the bytes after two salt bytes
// and check its jsonnet `_config` through ToYaml. Jsonnet evaluation takes seconds (more under
// sanitizers), so only one such input in kGenerateOneIn (by a hash of the whole input; the
// salt lets a seed choose) runs GenerateMonitoring; mutants of a seed mostly do not, and the
// target keeps making progress. Other inputs exercise ToYaml with the JSON in the input (or,
// when it is not JSON, its bytes as strings).
#include <fuzzer/FuzzedDataProvider.h>
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "config/config.h"
#include "rules/generate.h"
#include "rules/mixin_config.h"
#include "rules/yaml_writer.h"

namespace cw = certwatch;
using nlohmann::json;

namespace {

constexpr uint8_t kGenerate = 'G';
constexpr uint32_t kGenerateOneIn = 4096;
// Deeper documents than this are not what the generator writes, and each level costs
// indentation on every line below it.
constexpr int kMaxDepth = 48;

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  fprintf(stderr, "property violated: %s\n%s\n", what, detail.c_str());
  abort();
}

// Nesting depth of JSON text, counting brackets outside strings.
int Depth(std::string_view s) {
  int depth = 0, max = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max = std::max(max, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max;
}

bool ValidUtf8(const std::string& s) {
  try {
    (void)json(s).dump();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

// The bytes as a valid UTF-8 string (what a YAML or JSON reader could have handed over).
std::string AsUtf8(std::string_view bytes) {
  return json::parse(json(std::string(bytes)).dump(-1, ' ', false, json::error_handler_t::replace))
      .get<std::string>();
}

// True when `node`, read back by yaml-cpp, is the JSON value `want`.
bool Same(const YAML::Node& node, const json& want, std::string& why) {
  switch (want.type()) {
    case json::value_t::object: {
      if (!node.IsMap() || node.size() != want.size()) {
        why = "not a map of " + std::to_string(want.size()) + " entries";
        return false;
      }
      std::set<std::string> seen;
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          why = "a key is not a scalar";
          return false;
        }
        const std::string key = kv.first.Scalar();
        auto it = want.find(key);
        if (it == want.end() || !seen.insert(key).second) {
          why = "unexpected key " + json(key).dump(-1, ' ', true, json::error_handler_t::replace);
          return false;
        }
        if (!Same(kv.second, *it, why)) {
          why = key + ": " + why;
          return false;
        }
      }
      return true;
    }
    case json::value_t::array: {
      if (!node.IsSequence() || node.size() != want.size()) {
        why = "not a sequence of " + std::to_string(want.size()) + " items";
        return false;
      }
      for (size_t i = 0; i < want.size(); ++i) {
        if (!Same(node[i], want[i], why)) {
          why = "[" + std::to_string(i) + "]: " + why;
          return false;
        }
      }
      return true;
    }
    case json::value_t::string: {
      // Quoted and block scalars are strings whatever they say; a plain one must not be
      // something else to yaml-cpp (null is not a scalar there; a boolean or a number is).
      bool typed = false;
      if (node.IsScalar() && node.Tag() == "?") {
        bool as_bool;
        double as_double;
        typed = YAML::convert<bool>::decode(node, as_bool) ||
                YAML::convert<double>::decode(node, as_double);
      }
      if (!node.IsScalar() || typed || node.Scalar() != want.get_ref<const std::string&>()) {
        why = "string " + want.dump(-1, ' ', true) + " read back as " +
              (node.IsScalar()
                   ? json(node.Scalar()).dump(-1, ' ', true, json::error_handler_t::replace)
                   : std::string("a non-scalar"));
        return false;
      }
      return true;
    }
    case json::value_t::null:
      if (!node.IsNull()) {
        why = "null read back as something else";
        return false;
      }
      return true;
    case json::value_t::boolean:
      if (!node.IsScalar() || node.Tag() != "?" ||
          node.Scalar() != (want.get<bool>() ? "true" : "false")) {
        why = "boolean read back as something else";
        return false;
      }
      return true;
    default: {  // numbers: a plain scalar with the same value
      if (!node.IsScalar() || node.Tag() != "?") {
        why = "number " + want.dump() + " not a plain scalar";
        return false;
      }
      json back = json::parse(node.Scalar(), nullptr, false);
      if (back.is_discarded() || !back.is_number() || back != want) {
        why = "number " + want.dump() + " read back as " + node.Scalar();
        return false;
      }
      return true;
    }
  }
}

void CheckRoundTrip(const json& doc) {
  const std::string yaml = cw::ToYaml(doc);
  YAML::Node back;
  try {
    back = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    Fail("ToYaml output does not parse", std::string(e.what()) + "\n--- yaml:\n" + yaml);
  }
  std::string why;
  if (!Same(back, doc, why))
    Fail("ToYaml output reads back differently", why + "\n--- yaml:\n" + yaml);
}

uint32_t Fnv1a(const uint8_t* data, size_t size) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 16777619u;
  return h;
}

void Generate(FuzzedDataProvider& in, bool evaluate) {
  cw::GeneratorConfig g;
  auto str = [&in] { return in.ConsumeRandomLengthString(64); };
  g.rule_name = str();
  g.rule_namespace = str();
  g.rule_labels.clear();
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n)
    g.rule_labels.emplace_back(str(), str());
  g.runbook_base_url = str();
  g.dashboard_namespace = str();
  g.grafana_folder = str();
  g.datasource = str();
  g.cluster_label = str();
  cw::AlertsConfig& a = g.alerts;
  a.job_selector = str();
  a.cert_manager_selector = str();
  a.cert_manager_namespace_label = str();
  a.use_cert_manager_metrics = in.ConsumeBool();
  // Durations in the loader's range (1 s to ~3 years), fractions in [0, 1] mostly, sometimes any.
  auto dur = [&in] {
    return cw::Duration(in.ConsumeIntegralInRange<int64_t>(1000, int64_t{1} << 36));
  };
  auto frac = [&in] {
    return in.ConsumeBool() ? in.ConsumeProbability<double>() : in.ConsumeFloatingPoint<double>();
  };
  a.expiring_warning = dur();
  a.expiring_critical = dur();
  a.not_ready_for = dur();
  a.renewal_overdue_grace = dur();
  a.remaining_lifetime_fraction = frac();
  a.renewal_overdue_fraction = frac();
  a.warning_lifetime_fraction = frac();
  a.critical_lifetime_fraction = frac();
  a.lifetime_warning_max = dur();
  a.renewal_error_rate = frac();
  a.budget_forecast_fraction = frac();
  g.dashboard_expiry_horizon = dur();
  g.dashboard_expiry_notice = dur();

  // The config handed to jsonnet is itself a JSON document the writer must keep intact.
  json config;
  try {
    config = cw::MixinConfig(g);
    (void)config.dump();
    CheckRoundTrip(config);
  } catch (const json::exception&) {
    // Strings that are not UTF-8: nothing can be written; the generator must say so.
  }

  if (!evaluate) return;
  auto files = cw::GenerateMonitoring(g);
  if (!files) return;  // an Error is an acceptable answer; a crash or exception is not

  std::set<std::string> labels_seen;
  for (const auto& [k, v] : g.rule_labels) {
    if (!ValidUtf8(k) || !ValidUtf8(v)) Fail("generated files from a non-UTF-8 label", k + "=" + v);
  }
  for (const auto& f : *files) {
    if (f.path.ends_with(".json")) {
      if (json::parse(f.content, nullptr, false).is_discarded())
        Fail("invalid JSON written", f.path);
      continue;
    }
    if (!f.path.ends_with(".yaml")) continue;
    YAML::Node doc;
    try {
      doc = YAML::Load(f.content);
    } catch (const YAML::Exception& e) {
      Fail("generated YAML does not parse", f.path + ": " + e.what());
    }
    if (f.path == "prometheus-rule.yaml") {
      const auto meta = doc["metadata"];
      if (meta["name"].as<std::string>() != g.rule_name) Fail("rule name changed", g.rule_name);
      if (meta["namespace"].as<std::string>() != g.rule_namespace)
        Fail("rule namespace changed", g.rule_namespace);
      // Later duplicates win, as in the config map.
      json want = json::object();
      for (const auto& [k, v] : g.rule_labels) want[k] = v;
      std::string why;
      if (!Same(meta["labels"], want, why)) Fail("rule labels changed", why);
    } else if (f.path == "grafana-dashboards-configmap.yaml") {
      if (doc["metadata"]["annotations"]["grafana_folder"].as<std::string>() != g.grafana_folder)
        Fail("grafana folder changed", g.grafana_folder);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] == kGenerate && size >= 3) {
    FuzzedDataProvider in(data + 3, size - 3);
    Generate(in, Fnv1a(data, size) % kGenerateOneIn == 0);
    return 0;
  }
  if (Depth(rest) > kMaxDepth) return 0;
  json doc = json::parse(rest, nullptr, false);
  if (doc.is_discarded()) {
    // Not JSON: the bytes as strings in every position a string can take.
    const std::string s = AsUtf8(rest);
    doc = json{{"key", s}, {s, json::array({s, json::object({{s, s}}), 1.5, true, nullptr})}};
  }
  CheckRoundTrip(doc);
  return 0;
}
