// Inputs found by fuzz/generator_fuzz.cc that made `certwatch generate` abort instead of
// returning an error (regression inputs in fuzz/corpus/generator/).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "rules/generate.h"
#include "rules/yaml_writer.h"

namespace certwatch {
namespace {

// A config string that is not UTF-8 (YAML readers hand bytes over as they are): the JSON
// handed to jsonnet threw an uncaught exception.
TEST(GenerateInputs, ANonUtf8StringIsAnErrorNotACrash) {
  auto config = ParseConfig(
      "generator:\n  datasource: ab\xff"
      "cd\n",
      "bad.yaml");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  ASSERT_EQ(config->generator.datasource,
            "ab\xff"
            "cd");
  auto files = GenerateMonitoring(config->generator);
  ASSERT_FALSE(files.has_value());
  EXPECT_NE(files.error().message.find("not UTF-8"), std::string::npos) << files.error().message;
}

TEST(GenerateInputs, ANonUtf8LabelNameIsAnError) {
  GeneratorConfig g;
  g.rule_labels = {{"team\xc3", "sre"}};  // a truncated two-byte sequence
  auto files = GenerateMonitoring(g);
  ASSERT_FALSE(files.has_value());
  EXPECT_EQ(files.error().message.rfind("generating the monitoring mixin: ", 0), 0u);
}

// A threshold near the largest double: util.num's std.parseJson of '%.1g' (-2e+308)
// overflowed inside libjsonnet, which aborts the process on any C++ exception. The fix is in
// the mixin's jsonnet, so this is a MixinOutput case (Release only, see tests/CMakeLists.txt).
TEST(MixinOutput, HugeThresholdsDoNotAbortJsonnet) {
  GeneratorConfig g;
  g.alerts.budget_forecast_fraction = -std::numeric_limits<double>::max();
  auto files = GenerateMonitoring(g);
  if (!files) {
    EXPECT_EQ(files.error().message.rfind("generating the monitoring mixin: ", 0), 0u)
        << files.error().message;
    return;
  }
  bool found = false;
  for (const auto& f : *files) {
    if (f.path == "rules.yaml") found = f.content.find("1.797693134862315") != std::string::npos;
  }
  EXPECT_TRUE(found) << "the threshold is written as a parseable number";
}

// YAML limits implicit keys to 1024 characters: a longer key (a rule label name, say) was
// written as `"kkk...": v`, which no YAML reader accepts.
TEST(GenerateInputs, KeysLongerThanYamlAllowsImplicitlyAreExplicit) {
  const std::string long_key(1500, 'k');
  const std::string long_quoted = "a:" + std::string(1200, 'b');
  using nlohmann::json;
  json doc = json::object();
  doc[long_key] = "v";
  doc[long_quoted] = json::object({{"x", 1}, {long_key, json::array({"p", "q"})}});
  doc["list"] = json::array({json::object({{long_key, "first"}, {"short", "line one\nline two"}})});
  doc["short"] = json::object({{long_key, "text\nwith lines\n"}});
  const std::string yaml = ToYaml(doc);
  YAML::Node back;
  ASSERT_NO_THROW(back = YAML::Load(yaml)) << yaml;
  EXPECT_EQ(back[long_key].as<std::string>(), "v");
  EXPECT_EQ(back[long_quoted]["x"].as<int>(), 1);
  EXPECT_EQ(back[long_quoted][long_key][1].as<std::string>(), "q");
  EXPECT_EQ(back["list"][0][long_key].as<std::string>(), "first");
  EXPECT_EQ(back["list"][0]["short"].as<std::string>(), "line one\nline two");
  EXPECT_EQ(back["short"][long_key].as<std::string>(), "text\nwith lines\n");
  // Short keys keep the compact form.
  EXPECT_EQ(ToYaml(json::object({{"a", "b"}})), "a: b\n");
}

}  // namespace
}  // namespace certwatch
