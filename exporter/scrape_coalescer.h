// Concurrent scrapes share one collection. A scrape that arrives while a collection is running
// waits for the next one to start, so it never gets state older than its request, and every
// scrape waiting by then gets the same bytes. At most one collection runs at a time: fifty
// scrapers cost one collection's CPU and memory instead of fifty, and the sources' writers are
// not starved by a queue of readers holding the state lock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace certwatch {

class ScrapeCoalescer {
 public:
  using Collect = std::function<std::shared_ptr<const std::string>()>;

  // Returns the output of a collection that started after this call (run by this thread or
  // shared with concurrent callers). `collect` may return null (its caller's error); an
  // exception from it reaches the thread that ran it, and the waiting callers collect anew.
  std::shared_ptr<const std::string> Get(const Collect& collect);

  // Collections started so far (for tests and benchmarks).
  uint64_t collections() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;
  uint64_t started_ = 0;   // collections started
  uint64_t finished_ = 0;  // id of the latest finished collection
  std::shared_ptr<const std::string> last_;
};

}  // namespace certwatch
