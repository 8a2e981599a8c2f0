// Concurrent scrapes share collections, never get state older than their request, and an
// exception in one collection does not wedge the others.
#include "exporter/scrape_coalescer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace certwatch {
namespace {

using namespace std::chrono_literals;

TEST(ScrapeCoalescerTest, ConcurrentCallersShareCollectionsAndSeeFreshState) {
  ScrapeCoalescer<std::string> coalescer;
  std::atomic<int> version{0};  // "the state": bumped by a writer while scrapes run
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};
  auto collect = [&] {
    int now = ++running;
    int seen = max_running.load();
    while (now > seen && !max_running.compare_exchange_weak(seen, now)) {
    }
    auto out = std::make_shared<const std::string>(std::to_string(version.load()));
    std::this_thread::sleep_for(20ms);
    --running;
    return out;
  };
  constexpr int kThreads = 50;
  std::vector<int> before(kThreads), got(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int round = 0; round < 5; ++round) {
        before[i] = version.load();
        got[i] = std::stoi(*coalescer.Get(collect));
        EXPECT_GE(got[i], before[i]) << "a scrape got state older than its request";
        ++version;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(max_running.load(), 1) << "collections overlapped";
  EXPECT_LT(coalescer.collections(), 5u * kThreads) << "no collection was shared";
  EXPECT_GE(coalescer.collections(), 5u);
}

TEST(ScrapeCoalescerTest, AFailedCollectionLetsWaitersCollectAgain) {
  ScrapeCoalescer<std::string> coalescer;
  std::atomic<bool> first{true};
  std::atomic<bool> entered{false};
  std::thread failing([&] {
    EXPECT_THROW(coalescer.Get([&]() -> std::shared_ptr<const std::string> {
      entered = true;
      std::this_thread::sleep_for(50ms);
      first = false;
      throw std::runtime_error("collector exploded");
    }),
                 std::runtime_error);
  });
  while (!entered) std::this_thread::sleep_for(1ms);
  auto out = coalescer.Get([] { return std::make_shared<const std::string>("ok"); });
  failing.join();
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "ok");
  EXPECT_FALSE(first.load());
  EXPECT_EQ(coalescer.collections(), 2u);
}

TEST(ScrapeCoalescerTest, SequentialCallersEachCollect) {
  ScrapeCoalescer<std::string> coalescer;
  int n = 0;
  for (int i = 1; i <= 3; ++i) {
    auto out =
        coalescer.Get([&] { return std::make_shared<const std::string>(std::to_string(++n)); });
    EXPECT_EQ(*out, std::to_string(i));
  }
  EXPECT_EQ(coalescer.collections(), 3u);
}

}  // namespace
}  // namespace certwatch
