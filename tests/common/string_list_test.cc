// StringList: 8 bytes and no heap block while empty; one block for all its strings; copies are
// deep; it iterates, indexes, compares and serialises like the vector of strings it replaced.
#include "common/string_list.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace certwatch {
namespace {

TEST(StringList, EmptyCostsOnlyThePointer) {
  EXPECT_EQ(sizeof(StringList), sizeof(void*));
  StringList empty, from_empty(std::vector<std::string>{});
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.begin(), empty.end());
  EXPECT_EQ(empty, from_empty);
}

TEST(StringList, KeepsOrderLengthsAndEmbeddedBytes) {
  const std::string with_nul("a\0b", 3);
  const std::string long_name(300, 'x');
  StringList list = {"shop.example.com", "", with_nul, long_name, "*.example.com"};
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list.front(), "shop.example.com");
  EXPECT_EQ(list[1], "");
  EXPECT_EQ(list[2], with_nul);
  EXPECT_EQ(list[3], long_name);
  EXPECT_EQ(list[4], "*.example.com");
  EXPECT_EQ(list.ToVector(), (std::vector<std::string>{"shop.example.com", "", with_nul, long_name,
                                                       "*.example.com"}));
  std::vector<std::string> seen;
  for (std::string_view s : list) seen.emplace_back(s);
  EXPECT_EQ(seen, list.ToVector());
  EXPECT_NE(std::find(list.begin(), list.end(), "*.example.com"), list.end());
  EXPECT_EQ(std::find(list.begin(), list.end(), "missing"), list.end());
  EXPECT_EQ(std::distance(list.begin(), list.end()), 5);
}

TEST(StringList, CopiesAreDeepAndMovesLeaveEmpty) {
  StringList a = {"a.example.com", "b.example.com"};
  StringList b = a;
  EXPECT_EQ(a, b);
  EXPECT_NE(a.front().data(), b.front().data());
  b = StringList{"other.example.com"};
  EXPECT_EQ(a, (StringList{"a.example.com", "b.example.com"}));
  EXPECT_NE(a, b);
  StringList c = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by design
  EXPECT_EQ(c.size(), 2u);
  a = c;
  EXPECT_EQ(a, c);
  const StringList& self = a;
  a = self;  // self-assignment keeps the list
  EXPECT_EQ(a, c);
}

TEST(StringList, PushBackAppendsIncludingFromItsOwnStrings) {
  StringList list;
  list.push_back("first.example.com");
  list.push_back(list.front());  // a view into the block being replaced
  list.push_back("third");
  EXPECT_EQ(list.ToVector(),
            (std::vector<std::string>{"first.example.com", "first.example.com", "third"}));
  list.clear();
  EXPECT_TRUE(list.empty());
}

TEST(StringList, EqualityComparesContentsNotJustSizes) {
  EXPECT_EQ((StringList{"a", "b"}), (StringList{"a", "b"}));
  EXPECT_NE((StringList{"a", "b"}), (StringList{"a", "c"}));
  EXPECT_NE((StringList{"ab"}), (StringList{"a", "b"}));
  EXPECT_NE((StringList{"a"}), StringList{});
}

TEST(StringList, JsonRoundTripIsAnArrayOfStrings) {
  StringList list = {"shop.example.com", "www.shop.example.com"};
  nlohmann::json j = list;
  EXPECT_EQ(j.dump(), R"(["shop.example.com","www.shop.example.com"])");
  EXPECT_EQ(j.get<StringList>(), list);
  EXPECT_EQ(nlohmann::json::array().get<StringList>(), StringList{});
  EXPECT_THROW(nlohmann::json::parse(R"([1])").get<StringList>(), nlohmann::json::exception);
}

}  // namespace
}  // namespace certwatch
