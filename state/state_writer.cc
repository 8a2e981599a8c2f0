#include "state/state_writer.h"

#include <utility>

namespace certwatch {

DeferredStateWriter::DeferredStateWriter(StateStore& store)
    : store_(store), thread_([this] { Run(); }) {}

DeferredStateWriter::~DeferredStateWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  thread_.join();
}

void DeferredStateWriter::Post(UpdateFn update) {
  {
    std::lock_guard lock(mu_);
    pending_.push_back(std::move(update));
    ++posted_;
  }
  work_cv_.notify_one();
}

void DeferredStateWriter::Flush() {
  std::unique_lock lock(mu_);
  const uint64_t target = posted_;
  applied_cv_.wait(lock, [&] { return applied_ >= target; });
}

void DeferredStateWriter::Run() {
  std::vector<UpdateFn> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || !pending_.empty(); });
      if (pending_.empty() && stop_) return;
      batch.swap(pending_);
    }
    store_.Update([&](StateData& data) {
      for (auto& update : batch) update(data);
    });
    {
      std::lock_guard lock(mu_);
      applied_ += batch.size();
    }
    batch.clear();
    applied_cv_.notify_all();
  }
}

}  // namespace certwatch
