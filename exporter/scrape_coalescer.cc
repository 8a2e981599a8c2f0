#include "exporter/scrape_coalescer.h"

namespace certwatch {

std::shared_ptr<const std::string> ScrapeCoalescer::Get(const Collect& collect) {
  std::unique_lock lock(mu_);
  // The first collection that starts after this request arrived.
  const uint64_t wanted = started_ + 1;
  for (;;) {
    if (finished_ >= wanted) return last_;
    if (!running_) {
      running_ = true;
      const uint64_t id = ++started_;
      lock.unlock();
      std::shared_ptr<const std::string> out;
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

uint64_t ScrapeCoalescer::collections() const {
  std::lock_guard lock(mu_);
  return started_;
}

}  // namespace certwatch
