// Updates applied to the state store from a thread of their own, all that are pending in one
// Update. For callers that must not wait for the store's lock: the probers' event loop would
// otherwise stall for a whole collection of a large store (the lock is writer-preferring, but a
// writer still waits for the collection inside) on every probe result, and probing would fall
// behind while Prometheus scrapes.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "state/state.h"

namespace certwatch {

class DeferredStateWriter {
 public:
  using UpdateFn = std::function<void(StateData&)>;

  explicit DeferredStateWriter(StateStore& store);
  // Applies what is still pending, then stops.
  ~DeferredStateWriter();
  DeferredStateWriter(const DeferredStateWriter&) = delete;
  DeferredStateWriter& operator=(const DeferredStateWriter&) = delete;

  // Queues one update; updates are applied in the order posted.
  void Post(UpdateFn update);
  // Blocks until everything posted before the call is in the store.
  void Flush();

 private:
  void Run();

  StateStore& store_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable applied_cv_;
  std::vector<UpdateFn> pending_;
  uint64_t posted_ = 0;
  uint64_t applied_ = 0;
  bool stop_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace certwatch
