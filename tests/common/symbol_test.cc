// Symbol: equal values share one stored string; it reads, compares and serialises like the
// string it holds; interning from many threads at once keeps one copy per value.
#include "common/symbol.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

namespace certwatch {
namespace {

TEST(Symbol, EqualValuesShareOneString) {
  std::string a = "team-";
  a += "alpha";
  Symbol x(a), y("team-alpha"), z(std::string_view("team-beta"));
  EXPECT_EQ(&x.str(), &y.str());
  EXPECT_NE(&x.str(), &z.str());
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  const size_t before = Symbol::TableSize();
  Symbol again("team-alpha");
  EXPECT_EQ(Symbol::TableSize(), before);
  EXPECT_EQ(sizeof(Symbol), sizeof(void*));
}

TEST(Symbol, EmptyAndDefaultAreTheSame) {
  Symbol d;
  Symbol e("");
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(d, e);
  EXPECT_EQ(d.size(), 0u);
  Symbol f = "x";
  f.clear();
  EXPECT_EQ(f, d);
}

TEST(Symbol, ReadsLikeAString) {
  Symbol s = "ClusterIssuer";
  EXPECT_TRUE(s == "ClusterIssuer");
  EXPECT_TRUE("ClusterIssuer" == s);
  EXPECT_TRUE(s == std::string("ClusterIssuer"));
  EXPECT_TRUE(s != std::string_view("Issuer"));
  EXPECT_EQ(s + "/x", "ClusterIssuer/x");
  EXPECT_EQ("a " + s, "a ClusterIssuer");
  EXPECT_EQ(std::string("k=") + s, "k=ClusterIssuer");
  std::string appended = "kind ";
  appended += s;
  EXPECT_EQ(appended, "kind ClusterIssuer");
  const std::string& ref = s;
  std::string_view view = s;
  EXPECT_EQ(ref, view);
  EXPECT_TRUE(s.starts_with("Cluster"));
  EXPECT_EQ(s.substr(7), "Issuer");
  std::ostringstream os;
  os << s;
  EXPECT_EQ(os.str(), "ClusterIssuer");
}

TEST(Symbol, OrdersByValue) {
  // Not by address: the interning order must not leak into sorted output.
  Symbol late_b("order-b"), early_a("order-a");
  EXPECT_LT(early_a, late_b);
  EXPECT_LT(early_a, std::string("order-b"));
  std::set<Symbol> set{late_b, early_a, Symbol("order-c")};
  std::vector<std::string> sorted(set.begin(), set.end());
  EXPECT_EQ(sorted, (std::vector<std::string>{"order-a", "order-b", "order-c"}));
  std::map<std::string, int> by_string{{"order-a", 1}};
  EXPECT_EQ(by_string.count(early_a), 1u);
}

TEST(Symbol, JsonRoundTrip) {
  nlohmann::json j = {{"ns", Symbol("prod")}};
  EXPECT_EQ(j.dump(), R"({"ns":"prod"})");
  Symbol back = j["ns"].get<Symbol>();
  EXPECT_EQ(back, "prod");
  EXPECT_EQ(&back.str(), &Symbol("prod").str());
  EXPECT_THROW(nlohmann::json(3).get<Symbol>(), nlohmann::json::exception);
}

TEST(Symbol, ConcurrentInterningKeepsOneCopy) {
  constexpr int kThreads = 4, kValues = 500;
  std::vector<std::vector<const std::string*>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kValues; ++i) {
        seen[t].push_back(&Symbol("concurrent-" + std::to_string(i)).str());
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(seen[t], seen[0]);
  std::set<const std::string*> distinct(seen[0].begin(), seen[0].end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kValues));
}

}  // namespace
}  // namespace certwatch
