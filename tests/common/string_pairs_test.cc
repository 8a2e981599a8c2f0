// StringPairs: sorted by key whatever the insertion order, lookups by any string type, one
// value per key, and the JSON object form the state API serves.
#include "common/string_pairs.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace certwatch {
namespace {

TEST(StringPairs, SortedOneValuePerKey) {
  StringPairs p;
  p["zone"] = "a";
  p["app"] = "web";
  p[std::string("env")] = "prod";
  p["app"] = "shop";  // replaces
  ASSERT_EQ(p.size(), 3u);
  std::vector<std::string> keys;
  for (const auto& [k, v] : p) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"app", "env", "zone"}));
  EXPECT_EQ(p.at("app"), "shop");
  EXPECT_EQ(p.count("env"), 1u);
  EXPECT_EQ(p.count("missing"), 0u);
  EXPECT_EQ(p.find(std::string("missing")), p.end());
  EXPECT_THROW((void)p.at("missing"), std::out_of_range);
}

TEST(StringPairs, EqualityAndInitializerList) {
  StringPairs a = {{"team", "shop"}, {"app", "web"}};
  StringPairs b;
  b["app"] = "web";
  b["team"] = "shop";
  EXPECT_EQ(a, b);
  b["team"] = "other";
  EXPECT_NE(a, b);
  EXPECT_TRUE(StringPairs{}.empty());
}

TEST(StringPairs, JsonObjectRoundTrip) {
  StringPairs p = {{"certwatch.io/fallback-from", "ClusterIssuer.cert-manager.io/le"}};
  nlohmann::json j = p;
  EXPECT_EQ(j.dump(), R"({"certwatch.io/fallback-from":"ClusterIssuer.cert-manager.io/le"})");
  EXPECT_EQ(j.get<StringPairs>(), p);
  EXPECT_EQ(nlohmann::json::object().get<StringPairs>(), StringPairs{});
  EXPECT_THROW(nlohmann::json::parse(R"({"a":1})").get<StringPairs>(), nlohmann::json::exception);
}

}  // namespace
}  // namespace certwatch
