// Builds every enabled source for `certwatch serve` from the config: one table in
// cmd/sources.cc, one row per source; serve starts them in order and stops them in reverse.
#pragma once

#include <memory>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/shard.h"
#include "config/config.h"
#include "state/source.h"
#include "state/state.h"

namespace certwatch {

struct SourceDeps {
  const Config& config;
  StateStore& store;
  const Logger& logger;
  const Clock& clock;
  Shard shard;
  std::string kubeconfig_override;  // --kubeconfig
};

std::vector<std::unique_ptr<Source>> MakeSources(const SourceDeps& deps);

// Names of the enabled sources whose sync /readyz waits for (StateData::sources keys).
std::vector<std::string> ReadinessSources(const Config& config);

}  // namespace certwatch
