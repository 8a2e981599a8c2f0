// Collectors turn the state store into metric families at scrape time, so a deleted object's
// series vanish with it. Each collector is one function in its own file under
// exporter/collectors/, listed by name in exporter/collectors/registry.cc (node_exporter's
// shape); the scrape wraps each one with certwatch_collector_success / _duration_seconds so a
// failing collector never blanks the others.
#pragma once

#include <span>
#include <string_view>

#include "config/config.h"
#include "exposition/family_writer.h"
#include "state/state.h"

namespace certwatch {

struct CollectContext {
  double now = 0;                  // unix seconds
  const Config* config = nullptr;  // may be null in tests
};

using CollectFn = void (*)(const StateData& state, const CollectContext& ctx, MetricSink& sink);

struct CollectorEntry {
  std::string_view name;
  CollectFn collect;
};

// Every collector, in exposition order.
std::span<const CollectorEntry> Collectors();

}  // namespace certwatch
