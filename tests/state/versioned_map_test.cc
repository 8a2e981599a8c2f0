// VersionedMap: every access that could write takes a new version, reads through a const
// reference never do, and no two maps (or one map before and after an assignment) share one.
#include "state/versioned_map.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace certwatch {
namespace {

TEST(VersionedMap, WritesMoveTheVersionReadsDoNot) {
  VersionedMap<int> m;
  const auto& read = m;
  uint64_t v = m.version();
  EXPECT_NE(v, 0u);  // 0 is never a version: a cache starts at 0 to mean "none seen"

  m["b"] = 2;
  EXPECT_NE(m.version(), v);
  v = m.version();
  m.emplace("a", 1);
  EXPECT_NE(m.version(), v);

  v = m.version();
  EXPECT_EQ(read.size(), 2u);
  EXPECT_EQ(read.at("a"), 1);
  EXPECT_EQ(read.find("b")->second, 2);
  EXPECT_EQ(read.find("c"), read.end());
  EXPECT_TRUE(read.contains("a"));
  EXPECT_EQ(read.count("z"), 0u);
  EXPECT_EQ(read.lower_bound("aa")->first, "b");
  int sum = 0;
  for (const auto& [k, x] : read) sum += x;
  EXPECT_EQ(sum, 3);
  const std::map<std::string, int>& plain = read;
  EXPECT_EQ(plain.size(), 2u);
  EXPECT_EQ(m.version(), v) << "const reads must not move the version";

  // Each access that could write moves it, whether or not it writes.
  std::set<uint64_t> seen = {v};
  auto moved = [&](const char* what) { EXPECT_TRUE(seen.insert(m.version()).second) << what; };
  m.begin();
  moved("begin");
  (void)m.find("a");
  moved("find");
  m.at("a") = 5;
  moved("at");
  for (auto& [k, x] : m) x += 0;
  moved("range for");
  m.erase("a");
  moved("erase key");
  m.erase(read.begin());
  moved("erase iterator");
  m.mutable_map()["c"] = 3;
  moved("mutable_map");
  m.clear();
  moved("clear");
  EXPECT_TRUE(read.empty());
}

TEST(VersionedMap, CopiesAndAssignmentsNeverShareAVersion) {
  VersionedMap<int> a;
  a["x"] = 1;
  VersionedMap<int> b = a;
  EXPECT_EQ(b, a);
  EXPECT_NE(b.version(), a.version());
  const uint64_t before = b.version();
  b = a;
  EXPECT_NE(b.version(), before);
  EXPECT_NE(b.version(), a.version());
  const uint64_t a_before = a.version();
  VersionedMap<int> c = std::move(a);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_NE(a.version(), a_before);  // NOLINT: the moved-from map changed too
  EXPECT_NE(c.version(), a_before);
}

TEST(VersionedMap, JsonIsTheMapsObject) {
  VersionedMap<int> m;
  m["b"] = 2;
  m["a"] = 1;
  nlohmann::json j = m;
  EXPECT_EQ(j.dump(), R"({"a":1,"b":2})");
  VersionedMap<int> back;
  const uint64_t v = back.version();
  j.get_to(back);
  EXPECT_EQ(back, m);
  EXPECT_NE(back.version(), v);
}

}  // namespace
}  // namespace certwatch
