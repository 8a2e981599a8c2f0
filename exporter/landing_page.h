// The landing page `/`: the fleet at a glance without Grafana. One self-contained HTML page
// (no external assets, no script, works offline): version, links, summary tiles (expired,
// under 7 / 14 days, failing, skipped targets) that filter the table, and a table of every
// certificate, TLS endpoint, discovered endpoint not probed (with its reason), Secret and
// certificate file: days left coloured (green, yellow under 14 days, red under 7), ready,
// failure reason, served-vs-stored, DNS propagation and the renewer's last action. Filtering,
// search and sorting happen on the server (landing_query.h), so a fleet of 100,000 rows sends
// only the rows shown; the page reloads itself every 30 s, keeping its query.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/state.h"

namespace certwatch {
struct LandingQuery;
}

namespace certwatch {

struct LandingOptions {
  UnixSeconds now = 0;
  bool state_api = true;                // link /api/v1/state
  std::vector<std::string> not_synced;  // enabled sources still waiting
  // Rows rendered at most; the page says "showing N of M" beyond. 500 rows keep the page
  // under ~1 MB and quick to lay out, and a tile, namespace or search narrows the rest.
  size_t max_rows = 500;
  int refresh_seconds = 30;
};

// One line of the table.
struct LandingRow {
  std::string
      kind;  // Certificate, TLS endpoint, Skipped target (kLandingSkippedKind), Secret, File
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
  // Searched (?q=) besides namespace, name and detail; DNS names are also shown.
  std::vector<std::string> dns_names;
  std::string issuer;  // issuer DN of a served, stored or file certificate
};

inline constexpr std::string_view kLandingSkippedKind = "Skipped target";

// Every row, in no particular order (the page sorts only the rows it shows). A file, Secret or
// endpoint certificate past its notAfter at `now` is not ready ("expired").
std::vector<LandingRow> CollectLandingRows(const StateData& data, UnixSeconds now);

// The rows of certificates outside cert-manager's objects (caBundles, ConfigMaps, Bundles,
// CSRs): landing_cluster_rows.cc. Part of CollectLandingRows.
void AddClusterTrustRows(const StateData& data, std::vector<LandingRow>& rows);

// Every row, soonest expiry first (rows without a date last), then namespace and name. A
// file, Secret or endpoint certificate past its notAfter at `now` is not ready ("expired").
std::vector<LandingRow> LandingRows(const StateData& data, UnixSeconds now);

// The page for `query` (already validated: ParseLandingQuery); landing_html.cc.
std::string RenderLandingPage(const StateData& data, const LandingOptions& options,
                              const LandingQuery& query);

}  // namespace certwatch
