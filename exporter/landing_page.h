// The landing page `/`: the fleet at a glance without Grafana. One self-contained HTML page
// (no external assets, works offline): version, links, and a table of every certificate, TLS
// endpoint, discovered endpoint not probed (with its reason), Secret and certificate file, soonest expiry first, days left coloured (green, yellow
// under 14 days, red under 7), ready, failure reason, served-vs-stored, DNS propagation and
// the renewer's last action. The rows are embedded as JSON and rendered by a small script that
// also applies the namespace filter (?namespace=x, or the drop-down) and reloads every 30 s.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "state/state.h"

namespace certwatch {

struct LandingOptions {
  UnixSeconds now = 0;
  bool state_api = true;                // link /api/v1/state
  std::vector<std::string> not_synced;  // enabled sources still waiting
  size_t max_rows = 5000;               // soonest-expiring rows kept beyond this many
  int refresh_seconds = 30;
};

// One line of the table.
struct LandingRow {
  std::string kind;  // Certificate, TLS endpoint, Skipped target, Secret, File
  std::string ns;
  std::string name;
  std::string detail;  // issuer, server name, subject, ...
  std::optional<UnixSeconds> not_after;
  std::string ready;    // True, False, Unknown
  std::string failure;  // FailureReason string, verify reason or error; "" = none
  std::string failure_message;
  std::string served;   // served-vs-stored: "match", "mismatch 1/2", "" = not probed
  std::string dns;      // DNS-01 propagation: "3/3 resolvers", "" = no challenge
  std::string renewer;  // renewer's last action: "reissue (ok) at <unix>", ""
};

// Every row, soonest expiry first (rows without a date last), then namespace and name. A
// file, Secret or endpoint certificate past its notAfter at `now` is not ready ("expired").
std::vector<LandingRow> LandingRows(const StateData& data, UnixSeconds now);

std::string RenderLandingPage(const StateData& data, const LandingOptions& options);

}  // namespace certwatch
