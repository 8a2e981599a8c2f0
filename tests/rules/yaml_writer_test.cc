#include "rules/yaml_writer.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace certwatch {
namespace {

// Converts what yaml-cpp reads back into JSON, typing plain scalars the way YAML 1.2 core
// schema readers (Prometheus, Kubernetes) do, so a round trip shows whether types survive.
nlohmann::json FromYaml(const YAML::Node& n) {
  if (n.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& kv : n) out[kv.first.as<std::string>()] = FromYaml(kv.second);
    return out;
  }
  if (n.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : n) out.push_back(FromYaml(item));
    return out;
  }
  if (n.IsNull()) return nullptr;
  std::string s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted or block scalar: always a string
  if (s == "true" || s == "false") return s == "true";
  return nlohmann::json::parse(s);  // a plain scalar we wrote is a JSON number
}

void ExpectRoundTrip(const nlohmann::json& doc) {
  std::string yaml = ToYaml(doc);
  SCOPED_TRACE(yaml);
  EXPECT_EQ(FromYaml(YAML::Load(yaml)), doc);
}

TEST(YamlWriter, ScalarsKeepTheirTypes) {
  ExpectRoundTrip({{"s", "true"},
                   {"n", "1"},
                   {"b", true},
                   {"i", 604800},
                   {"f", 1.0 / 6.0},
                   {"null_string", "null"},
                   {"empty", ""},
                   {"tilde", "~"}});
}

TEST(YamlWriter, QuotesKeysThatWouldChangeMeaning) {
  ExpectRoundTrip({{"on", 1},
                   {"yes", "no"},
                   {"a b", "c"},
                   {"1x", 2},
                   {"for", "5m"},
                   {"certwatch-fleet.json", "{}"}});
  EXPECT_NE(ToYaml({{"on", 1}}).find("\"on\":"), std::string::npos);
}

TEST(YamlWriter, MultiLineStringsAreExactLiteralBlocks) {
  ExpectRoundTrip({{"clip", "a\nb\n"},
                   {"strip", "a\nb"},
                   {"keep", "a\nb\n\n\n"},
                   {"blank_lines", "a\n\nb\n"},
                   {"leading_space", " a\nb\n"},
                   {"trailing_space", "a \nb\n"},
                   {"tab", "a\tb\nc"},
                   {"hash", "# x\n{\"a\": 1}\n"}});
  EXPECT_NE(ToYaml({{"k", "a\nb\n"}}).find("k: |\n  a\n  b\n"), std::string::npos);
  EXPECT_NE(ToYaml({{"k", "a\nb"}}).find("k: |-\n"), std::string::npos);
}

TEST(YamlWriter, NestedStructuresAndEmptyContainers) {
  nlohmann::json doc = {
      {"groups",
       {{{"name", "g"},
         {"rules",
          {{{"alert", "A"}, {"expr", "up{job=\"x\"} == 0"}, {"labels", {{"severity", "warning"}}}},
           {{"record", "r"}, {"expr", "sum(x)"}}}}}}},
      {"empty_list", nlohmann::json::array()},
      {"empty_map", nlohmann::json::object()},
      {"list_of_lists", {{1, 2}, {"a"}}},
      {"unicode", "× é ✓"},
  };
  ExpectRoundTrip(doc);
}

}  // namespace
}  // namespace certwatch
