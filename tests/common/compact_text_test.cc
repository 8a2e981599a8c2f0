// CompactText: 8 bytes and no heap block while empty; copies are deep; it reads, compares and
// serialises like the string it holds.
#include "common/compact_text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace certwatch {
namespace {

TEST(CompactText, EmptyCostsOnlyThePointer) {
  EXPECT_EQ(sizeof(CompactText), sizeof(void*));
  CompactText empty, from_empty(std::string_view{});
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty, from_empty);
  EXPECT_EQ(empty, "");
}

TEST(CompactText, CopiesAreDeepAndMovesLeaveEmpty) {
  CompactText a = "issuance failed: 429";
  CompactText b = a;
  EXPECT_EQ(a, b);
  EXPECT_NE(&a.str(), &b.str());
  b = "other";
  EXPECT_EQ(a, "issuance failed: 429");
  CompactText c = std::move(a);
  EXPECT_EQ(c, "issuance failed: 429");
  a = c;
  EXPECT_EQ(a, c);
  a.clear();
  EXPECT_TRUE(a.empty());
  a = std::string("moved in");
  EXPECT_EQ(a.str(), "moved in");
}

TEST(CompactText, ReadsLikeAString) {
  CompactText t = "secret ca not found";
  EXPECT_EQ(t + "!", "secret ca not found!");
  EXPECT_EQ("error: " + t, "error: secret ca not found");
  EXPECT_TRUE(t.starts_with("secret"));
  EXPECT_NE(t.find("ca"), std::string::npos);
  EXPECT_LT(t, std::string_view("t"));
  const std::string& ref = t;
  EXPECT_EQ(ref.size(), t.size());
}

TEST(CompactText, JsonRoundTrip) {
  nlohmann::json j = {{"message", CompactText("boom")}, {"empty", CompactText()}};
  EXPECT_EQ(j.dump(), R"({"empty":"","message":"boom"})");
  EXPECT_EQ(j["message"].get<CompactText>(), "boom");
  EXPECT_TRUE(j["empty"].get<CompactText>().empty());
}

}  // namespace
}  // namespace certwatch
