// Concurrent scrapes share one collection. A scrape that arrives while a collection is running
// waits for the next one to start, so it never gets state older than its request, and every
// scrape waiting by then gets the same result. At most one collection runs at a time: fifty
// scrapers cost one collection's CPU and memory instead of fifty, the sources' writers are
// not starved by a queue of readers holding the state lock, and a collector's cache
// (CollectorCaches) is only ever used by one collection.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

namespace certwatch {

template <typename T>
class ScrapeCoalescer {
 public:
  using Collect = std::function<std::shared_ptr<const T>()>;

  // Returns the output of a collection that started after this call (run by this thread or
  // shared with concurrent callers). `collect` may return null (its caller's error); an
  // exception from it reaches the thread that ran it, and the waiting callers collect anew.
  std::shared_ptr<const T> Get(const Collect& collect) {
    std::unique_lock lock(mu_);
    // The first collection that starts after this request arrived.
    const uint64_t wanted = started_ + 1;
    for (;;) {
      if (finished_ >= wanted) return last_;
      if (!running_) {
        running_ = true;
        const uint64_t id = ++started_;
        lock.unlock();
        std::shared_ptr<const T> out;
        try {
          out = collect();
        } catch (...) {
          lock.lock();
          running_ = false;
          cv_.notify_all();
          throw;
        }
        lock.lock();
        running_ = false;
        finished_ = id;
        last_ = out;
        cv_.notify_all();
        return out;
      }
      cv_.wait(lock);
    }
  }

  // Collections started so far (for tests and benchmarks).
  uint64_t collections() const {
    std::lock_guard lock(mu_);
    return started_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;
  uint64_t started_ = 0;   // collections started
  uint64_t finished_ = 0;  // id of the latest finished collection
  std::shared_ptr<const T> last_;
};

}  // namespace certwatch
