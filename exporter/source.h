// A source fills part of the state store (Kubernetes watch caches, certificate files, the
// probers) and reports its health under its name in StateData::sources, which drives
// certwatch_source_up and /readyz.
#pragma once

#include <string_view>

namespace certwatch {

class Source {
 public:
  virtual ~Source() = default;
  virtual std::string_view Name() const = 0;
  // Starts background work; returns at once.
  virtual void Start() = 0;
  // Stops and joins background work; idempotent.
  virtual void Stop() = 0;
};

}  // namespace certwatch
