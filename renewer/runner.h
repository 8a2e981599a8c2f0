// The renewer's loop: renew (or contest) the Lease every few seconds; every renewer.interval
// the leader reads the state and runs one engine cycle. Followers read nothing and write
// nothing but their Lease attempts. Without an elector (dry-run, which writes nothing, not
// even a Lease) the replica considers itself the leader.
#pragma once

#include <atomic>
#include <chrono>

#include "common/clock.h"
#include "common/log.h"
#include "renewer/engine.h"
#include "renewer/lease.h"
#include "renewer/metrics.h"
#include "renewer/state_reader.h"

namespace certwatch::renewer {

class Runner {
 public:
  Runner(std::chrono::milliseconds interval, std::chrono::milliseconds lease_tick,
         StateReader& reader, Engine& engine, LeaderElector* elector, RenewerMetrics& metrics,
         const Logger& log)
      : interval_(interval),
        lease_tick_(lease_tick),
        reader_(reader),
        engine_(engine),
        elector_(elector),
        metrics_(metrics),
        log_(log) {}

  // Until `stop` is set; then releases the Lease.
  void Run(const std::atomic<bool>& stop);
  // One reconcile (leader only): read, then act. False when the state could not be read.
  bool Reconcile();
  bool leader() const { return elector_ == nullptr || elector_->leader(); }

 private:
  std::chrono::milliseconds interval_, lease_tick_;
  StateReader& reader_;
  Engine& engine_;
  LeaderElector* elector_;  // may be null
  RenewerMetrics& metrics_;
  const Logger& log_;
  UnixSeconds last_generated_at_ = 0;  // of the last state read successfully
};

}  // namespace certwatch::renewer
