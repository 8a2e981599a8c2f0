// The renewer's memory between cycles: the hourly action budget and the per-certificate
// cooldown. Both are consumed by dry-run actions too, so a dry run shows what a real run would do.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "renewer/snapshot.h"

namespace certwatch::renewer {

// At most `per_hour` actions in any sliding hour.
class Budget {
 public:
  explicit Budget(int per_hour) : per_hour_(per_hour) {}
  int Remaining(TimePoint now) const;
  void Spend(TimePoint now);

 private:
  void Expire(TimePoint now) const;
  int per_hour_;
  mutable std::mutex mu_;
  mutable std::deque<TimePoint> spent_;
};

// Last action per certificate ("ns/name").
class Cooldowns {
 public:
  void Record(const std::string& certificate, TimePoint at);
  // Latest of what this process did and what the state says (the exporter records renewer
  // actions it sees as Events, so a new leader inherits its predecessor's cooldowns).
  std::optional<TimePoint> Last(const std::string& certificate, const StateData& d) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, TimePoint> last_;
};

}  // namespace certwatch::renewer
