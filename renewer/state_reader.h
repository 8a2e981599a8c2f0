// "Read state": where the renewer gets its snapshot. The real reader GETs the exporter's
// /api/v1/state (state/state_api.h defines the document and its parser); tests may pass
// snapshots directly.
#pragma once

#include <string>

#include "common/result.h"
#include "renewer/snapshot.h"

namespace certwatch::renewer {

class StateReader {
 public:
  virtual ~StateReader() = default;
  virtual Result<Snapshot> Read() = 0;
};

class HttpStateReader final : public StateReader {
 public:
  explicit HttpStateReader(std::string url, long timeout_ms = 10'000)
      : url_(std::move(url)), timeout_ms_(timeout_ms) {}
  Result<Snapshot> Read() override;

 private:
  std::string url_;
  long timeout_ms_;
};

// The state document (GET /api/v1/state) → Snapshot.
Result<Snapshot> ParseSnapshot(std::string_view json);

}  // namespace certwatch::renewer
