// A writer gets in while readers keep overlapping (glibc's default rwlock would let them keep
// it out), and the lock still excludes readers from a writer.
#include "common/rw_mutex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace certwatch {
namespace {

using namespace std::chrono_literals;

TEST(WriterPreferringSharedMutex, WriterIsNotStarvedByOverlappingReaders) {
  WriterPreferringSharedMutex mu;
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!stop) {
        std::shared_lock lock(mu);
        std::this_thread::sleep_for(5ms);  // each overlaps the next reader's entry
      }
    });
  }
  // Readers stop after 3 s whatever happens, so a starving lock fails the test, not hangs it.
  std::thread deadline([&] {
    std::this_thread::sleep_for(3s);
    stop = true;
  });
  std::this_thread::sleep_for(50ms);
  const auto start = std::chrono::steady_clock::now();
  {
    std::unique_lock lock(mu);  // with reader preference this waits until `stop`
  }
  const auto waited = std::chrono::steady_clock::now() - start;
  stop = true;
  deadline.join();
  for (auto& t : readers) t.join();
  // Generous: one reader's 5 ms hold is the expected wait; starvation would be unbounded.
  EXPECT_LT(waited, 2s);
}

TEST(WriterPreferringSharedMutex, ExcludesReadersWhileWriting) {
  WriterPreferringSharedMutex mu;
  int value = 0;
  std::atomic<bool> torn{false};
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      std::unique_lock lock(mu);
      value = -1;
      value = i;
    }
  });
  std::thread reader([&] {
    for (int i = 0; i < 2000; ++i) {
      std::shared_lock lock(mu);
      if (value < 0) torn = true;
    }
  });
  writer.join();
  reader.join();
  EXPECT_FALSE(torn);
  EXPECT_TRUE(mu.try_lock());
  EXPECT_FALSE(mu.try_lock_shared());
  mu.unlock();
  EXPECT_TRUE(mu.try_lock_shared());
  EXPECT_FALSE(mu.try_lock());
  mu.unlock_shared();
}

}  // namespace
}  // namespace certwatch
