// What the landing page shows of its rows: the query parameters of `/` (tile, sort, dir, q,
// namespace), validated into a LandingQuery, and the selection they make — tile counts, the
// matching rows, sorted, at most `max_rows` of them. It is one pass over the rows plus a
// partial sort of the rows kept: linear in the fleet, while the HTML grows only with the rows
// shown (bench_landing_page: 100,000 certificates).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "exporter/landing_page.h"

namespace certwatch {

// The summary tiles; each is also the value of `?tile=` that filters the table to its rows.
// A row can be on several tiles (an expired Certificate whose issuer is not ready is expired
// and failing); kLt14d includes kLt7d.
enum class LandingTile {
  kExpired,  // "expired": notAfter at or before now
  kLt7d,     // "lt7d": not expired, under 7 days left
  kLt14d,    // "lt14d": not expired, under 14 days left
  kFailing,  // "failing": not healthy by its classification, for a reason other than expiry
  kSkipped,  // "skipped": a discovered TLS target that is not probed
};
inline constexpr std::array<LandingTile, 5> kLandingTiles = {
    LandingTile::kExpired, LandingTile::kLt7d, LandingTile::kLt14d, LandingTile::kFailing,
    LandingTile::kSkipped};
std::string_view ToString(LandingTile t);   // the ?tile= value
std::string_view TileLabel(LandingTile t);  // the tile's caption

// The sortable columns; the value of `?sort=`.
enum class LandingSort { kExpires, kKind, kNamespace, kName, kReady, kFailure };
inline constexpr std::array<LandingSort, 6> kLandingSorts = {
    LandingSort::kExpires, LandingSort::kKind,  LandingSort::kNamespace,
    LandingSort::kName,    LandingSort::kReady, LandingSort::kFailure};
std::string_view ToString(LandingSort s);

struct LandingQuery {
  std::optional<LandingTile> tile;  // none: every row
  LandingSort sort = LandingSort::kExpires;
  bool descending = false;
  std::string q;   // search text as given ("" = none)
  std::string ns;  // namespace filter ("" = all)
};

// Longest accepted ?q= and ?namespace=, in bytes: a search longer than any field is a mistake.
inline constexpr size_t kMaxSearchLength = 256;

// Decoded query parameters (as the web server hands them over) → the query. An unknown
// parameter, an unknown tile/sort/dir value, a repeated parameter or an over-long value is an
// error whose message names the parameter and the accepted values. An empty value means the
// default (what a GET form sends for an empty field).
Result<LandingQuery> ParseLandingQuery(
    const std::vector<std::pair<std::string, std::string>>& params);

// The query string (with its leading '?', or "" for the defaults) that reproduces `q`;
// values percent-encoded, not HTML-escaped.
std::string LandingQueryString(const LandingQuery& q);

bool InTile(const LandingRow& row, LandingTile tile, UnixSeconds now);
// Case-insensitive substring of namespace, name, detail (issuer, server name, Ingress), DNS
// names or issuer; `needle_lower` is already ASCII-lowercased and not empty.
bool MatchesSearch(const LandingRow& row, std::string_view needle_lower);

struct LandingSelection {
  // Rows matching namespace and search, per tile (the count a tile's link will show).
  std::array<size_t, kLandingTiles.size()> tile_counts{};
  size_t all_tiles = 0;                 // rows matching namespace and search, on a tile or not
  size_t total = 0;                     // every row
  size_t matching = 0;                  // rows matching namespace, search and tile
  std::vector<const LandingRow*> rows;  // the first max_rows of them, sorted
  std::vector<std::string> namespaces;  // of every row, sorted, for the filter
};

// Pointers into `rows`, which must outlive the selection.
LandingSelection SelectLandingRows(const std::vector<LandingRow>& rows, const LandingQuery& q,
                                   UnixSeconds now, size_t max_rows);

}  // namespace certwatch
