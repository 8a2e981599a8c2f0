// A source fills part of the state store (Kubernetes watch caches, certificate files, the
// probers). Its contract with the rest of certwatch:
//   - Start() begins background work and returns at once; Stop() ends and joins it
//     (idempotent; serve stops sources in the reverse of their start order);
//   - it reports its health under Name() in StateData::sources (StateStore::SetSource):
//     up, synced (first full read done), last error, which drive certwatch_source_up,
//     /readyz and the state API's "synced";
//   - Forget() drops everything it wrote, after Stop(), before a reload starts its successor,
//     so objects of a source or pattern removed from the config do not linger as stale series.
// Adding a source is one file implementing this plus one row in cmd/sources.cc.
#pragma once

#include <string_view>

#include "state/state.h"

namespace certwatch {

class Source {
 public:
  virtual ~Source() = default;
  virtual std::string_view Name() const = 0;
  virtual void Start() = 0;
  virtual void Stop() = 0;
  virtual void Forget(StateData& data) const = 0;

  // Whether its first sync is recorded in `data` (absent counts as not synced).
  bool Synced(const StateData& data) const {
    auto it = data.sources.find(std::string(Name()));
    return it != data.sources.end() && it->second.synced;
  }
};

}  // namespace certwatch
