// "Act on Kubernetes": the one interface through which the engine writes. The real
// implementation (kube_actuator.h) turns each action into API requests; tests use a fake that
// records what it was asked to do.
#pragma once

#include <string_view>

#include "common/result.h"
#include "renewer/action.h"
#include "renewer/snapshot.h"

namespace certwatch::renewer {

class Actuator {
 public:
  virtual ~Actuator() = default;
  // Carries out one action that passed the guard chain.
  virtual Status Execute(const PlannedAction& action, TimePoint now) = 0;
  // Records a core/v1 Event on `on`; type is "Normal" or "Warning".
  virtual Status RecordEvent(const ObjectRef& on, std::string_view reason, std::string_view message,
                             std::string_view type, TimePoint now) = 0;
};

}  // namespace certwatch::renewer
