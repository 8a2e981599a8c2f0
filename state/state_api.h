// GET /api/v1/state: the whole joined state as JSON, the exporter → renewer coupling.
//
// The document is one object: every StateData member under its C++ name (maps stay objects
// keyed by their store key, optional values are null when absent, FailureReason and
// VerifyReason are their label strings, "" for an absent verify reason; certificate facts are
// flat in the object of the struct holding them, with that struct's keys), plus
//   "synced":       true once every enabled source has synced (the renewer acts only then),
//   "not_synced":   names of the enabled sources still waiting,
//   "generated_at": exporter clock, unix seconds,
//   "version":      certwatch version.
// ParseStateJson reads the same document back, so producer and consumer share one schema.
// A field added to a struct in state/state.h must be added to its row in state_api.cc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "state/state.h"

namespace certwatch {

struct StateDocument {
  bool synced = false;
  std::vector<std::string> not_synced;
  UnixSeconds generated_at = 0;
  std::string version;
  StateData data;
};

// The sources among `required` that have not synced yet (absent ones count as not synced).
std::vector<std::string> NotSynced(const StateData& data, const std::vector<std::string>& required);

// Serialises `data` (call under the store's read lock). `indent` < 0: compact.
std::string StateToJson(const StateData& data, const std::vector<std::string>& required_sources,
                        UnixSeconds now, int indent = -1);

Result<StateDocument> ParseStateJson(std::string_view json);

}  // namespace certwatch
