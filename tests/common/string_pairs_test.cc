// StringPairs: sorted by key whatever the insertion order, lookups by any string type, one
// value per key, and the JSON object form the state API serves; SparsePairs the same.
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

// SparsePairs: the same reads as StringPairs, a pointer's size while empty, deep copies.
TEST(SparsePairs, ReadsLikeStringPairsAndCopiesDeep) {
  static_assert(sizeof(SparsePairs) == sizeof(void*));
  SparsePairs empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.find("certwatch.io/x"), empty.end());
  EXPECT_EQ(empty.begin(), empty.end());
  EXPECT_THROW((void)empty.at("certwatch.io/x"), std::out_of_range);

  SparsePairs a;
  a["certwatch.io/fallback-at"] = "1700000000";
  a["certwatch.io/fallback-from"] = "ClusterIssuer.cert-manager.io/le";
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a.begin()->first, "certwatch.io/fallback-at");
  EXPECT_EQ(a.find("certwatch.io/fallback-from")->second, "ClusterIssuer.cert-manager.io/le");
  EXPECT_TRUE(a.contains("certwatch.io/fallback-at"));

  SparsePairs b = a;  // a copy owns its own pairs
  b["certwatch.io/fallback-at"] = "1";
  EXPECT_EQ(a.at("certwatch.io/fallback-at"), "1700000000");
  EXPECT_NE(a, b);
  b = a;
  EXPECT_EQ(a, b);
  b = empty;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b, SparsePairs{});
  SparsePairs c = std::move(a);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ((SparsePairs{{"k", "v"}}), (SparsePairs{{"k", "v"}}));
  EXPECT_TRUE(SparsePairs({}).empty());
}

TEST(SparsePairs, JsonObjectRoundTrip) {
  SparsePairs p = {{"certwatch.io/fallback-from", "ClusterIssuer.cert-manager.io/le"}};
  nlohmann::json j = p;
  EXPECT_EQ(j.dump(), R"({"certwatch.io/fallback-from":"ClusterIssuer.cert-manager.io/le"})");
  EXPECT_EQ(j.get<SparsePairs>(), p);
  EXPECT_EQ(nlohmann::json(SparsePairs{}).dump(), "{}");
  EXPECT_TRUE(nlohmann::json::object().get<SparsePairs>().empty());
}

}  // namespace
}  // namespace certwatch
