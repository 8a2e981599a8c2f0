#include "rules/jsonnet_vm.h"

#include <gtest/gtest.h>

#include <array>

namespace certwatch {
namespace {

TEST(ResolveImportPath, RelativeToTheImportingFile) {
  EXPECT_EQ(ResolveImportPath("rules/", "util.libsonnet"), "rules/util.libsonnet");
  EXPECT_EQ(ResolveImportPath("rules/", "../dashboards/lib/panels.libsonnet"),
            "dashboards/lib/panels.libsonnet");
  EXPECT_EQ(ResolveImportPath("dashboards/lib/", "./../x.libsonnet"), "dashboards/x.libsonnet");
  EXPECT_EQ(ResolveImportPath("", "a//b.libsonnet"), "a/b.libsonnet");
  EXPECT_EQ(ResolveImportPath("rules/", "../../etc/passwd"), "");
}

constexpr std::array<EmbeddedSource, 3> kSources = {{
    {"main.jsonnet", "function(x={a: 0}) { 'out.json': (import 'lib/a.libsonnet') + x }"},
    {"lib/a.libsonnet", "{ b: import '../lib/b.libsonnet' }"},
    {"lib/b.libsonnet", "42"},
}};

TEST(EvaluateJsonnetMulti, ServesImportsFromMemoryAndBindsTopLevelArguments) {
  auto out = EvaluateJsonnetMulti(kSources, "main.jsonnet", {{"x", R"({"c": "d"})"}});
  ASSERT_TRUE(out.has_value()) << out.error().message;
  ASSERT_EQ(out->size(), 1u);
  EXPECT_NE(out->at("out.json").find("\"b\": 42"), std::string::npos) << out->at("out.json");
  EXPECT_NE(out->at("out.json").find("\"c\": \"d\""), std::string::npos);

  auto defaults = EvaluateJsonnetMulti(kSources, "main.jsonnet", {});
  ASSERT_TRUE(defaults.has_value()) << defaults.error().message;
  EXPECT_NE(defaults->at("out.json").find("\"a\": 0"), std::string::npos);
}

TEST(EvaluateJsonnetMulti, ReportsMissingImportsAndErrorsWithTheirFile) {
  constexpr std::array<EmbeddedSource, 2> sources = {{
      {"main.jsonnet", "{ 'x.json': import 'missing.libsonnet' }"},
      {"bad.jsonnet", "{ 'x.json': error 'threshold out of range' }"},
  }};
  auto missing = EvaluateJsonnetMulti(sources, "main.jsonnet", {});
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("missing.libsonnet"), std::string::npos)
      << missing.error().message;

  auto bad = EvaluateJsonnetMulti(sources, "bad.jsonnet", {});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("threshold out of range"), std::string::npos);
  EXPECT_NE(bad.error().message.find("bad.jsonnet"), std::string::npos);

  auto no_entry = EvaluateJsonnetMulti(sources, "nope.jsonnet", {});
  ASSERT_FALSE(no_entry.has_value());
}

TEST(EvaluateJsonnetMulti, NeverReadsTheFilesystem) {
  constexpr std::array<EmbeddedSource, 1> sources = {{
      {"main.jsonnet", "{ 'x.json': importstr '/etc/hostname' }"},
  }};
  auto out = EvaluateJsonnetMulti(sources, "main.jsonnet", {});
  EXPECT_FALSE(out.has_value());
}

}  // namespace
}  // namespace certwatch
