// "Act on Kubernetes": the one interface through which the engine writes. The real
// implementation (kube_actuator.h) turns each action into API requests; tests use a fake that
// records what it was asked to do.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "renewer/action.h"
#include "renewer/snapshot.h"

namespace certwatch::renewer {

// A core/v1 Event about one action. The exporter watches these (kubernetes.renewer_events) to
// tell a new renewer leader what its predecessor did: the certificate and action ride along
// as annotations.
struct EventRecord {
  ObjectRef on;             // the object acted on
  std::string reason;       // the action, CamelCase ("Reissue")
  std::string message;      // what and why
  std::string type;         // "Normal" or "Warning" (the action failed)
  std::string certificate;  // "ns/name" the action was for (annotation certwatch.io/certificate)
  std::string action;       // snake_case action name (annotation certwatch.io/action)
};

class Actuator {
 public:
  virtual ~Actuator() = default;
  // Carries out one action that passed the guard chain.
  virtual Status Execute(const PlannedAction& action, TimePoint now) = 0;
  virtual Status RecordEvent(const EventRecord& event, TimePoint now) = 0;
};

}  // namespace certwatch::renewer
