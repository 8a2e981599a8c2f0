// One reconcile cycle over a state snapshot: every selected certificate goes through every
// enabled controller; each planned action through the guard chain; what passes is executed
// (or, in dry-run, only logged and counted), logged, recorded as an Event and counted.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "config/config.h"
#include "renewer/actuator.h"
#include "renewer/controller.h"
#include "renewer/guards.h"
#include "renewer/limits.h"
#include "renewer/metrics.h"
#include "renewer/selector.h"

namespace certwatch::renewer {

struct CycleStats {
  int planned = 0;
  int executed = 0;                    // written successfully
  int failed = 0;                      // written with an error
  int dry_run = 0;                     // would have been written
  std::map<std::string, int> blocked;  // guard reason → count
};

class Engine {
 public:
  Engine(const RenewerConfig& config, Selector selector, bool dry_run, const Clock& clock,
         Actuator& actuator, RenewerMetrics& metrics, const Logger& log);

  CycleStats RunCycle(const Snapshot& snapshot, bool leader);

  int BudgetRemaining() const { return budget_.Remaining(clock_.Now()); }

 private:
  void Run(const PlannedAction& action, TimePoint now, CycleStats& stats);

  const RenewerConfig& config_;
  Selector selector_;
  bool dry_run_;
  const Clock& clock_;
  Actuator& actuator_;
  RenewerMetrics& metrics_;
  const Logger& log_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  GuardChain chain_;
  Budget budget_;
  Cooldowns cooldowns_;
};

}  // namespace certwatch::renewer
