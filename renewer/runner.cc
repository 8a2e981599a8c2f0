#include "renewer/runner.h"

#include <algorithm>
#include <thread>

namespace certwatch::renewer {

bool Runner::Reconcile() {
  auto snap = reader_.Read();
  if (!snap) {
    log_.Warn("cannot read the exporter's state; not acting", {{"err", snap.error().message}});
    // The age keeps growing while reads fail, so an alert on it fires.
    if (last_generated_at_ > 0) {
      metrics_.SetStateAge(
          std::chrono::duration<double>(
              std::chrono::system_clock::now() -
              std::chrono::system_clock::time_point(std::chrono::seconds(last_generated_at_)))
              .count());
    }
    return false;
  }
  last_generated_at_ = snap->generated_at;
  engine_.RunCycle(*snap, leader());
  return true;
}

void Runner::Run(const std::atomic<bool>& stop) {
  using Steady = std::chrono::steady_clock;
  auto next_lease = Steady::now();
  auto next_reconcile = Steady::now();
  while (!stop.load()) {
    auto now = Steady::now();
    if (now >= next_lease) {
      metrics_.SetLeader(elector_ ? elector_->Tick() : true);
      if (elector_) metrics_.SetLeaseError(elector_->last_error());
      next_lease = now + lease_tick_;
    }
    if (now >= next_reconcile) {
      if (leader()) Reconcile();
      metrics_.SetBudgetRemaining(engine_.BudgetRemaining());
      next_reconcile = now + interval_;
    }
    auto wake = std::min(next_lease, next_reconcile);
    while (!stop.load() && Steady::now() < wake) {
      std::this_thread::sleep_for(
          std::min<Steady::duration>(std::chrono::milliseconds(100), wake - Steady::now()));
    }
  }
  if (elector_) elector_->Release();
  metrics_.SetLeader(false);
}

}  // namespace certwatch::renewer
