#include "exporter/landing_query.h"

#include <algorithm>
#include <set>

#include "common/strings.h"

namespace certwatch {
namespace {

constexpr UnixSeconds kDay = 86400;

template <typename T, size_t N>
std::string Accepted(const std::array<T, N>& values) {
  std::string out;
  for (size_t i = 0; i < N; ++i) out += (i ? ", " : "") + std::string(ToString(values[i]));
  return out;
}

template <typename T, size_t N>
std::optional<T> FromString(const std::array<T, N>& values, std::string_view s) {
  for (T v : values) {
    if (ToString(v) == s) return v;
  }
  return std::nullopt;
}

// The query text is echoed in the 400 body: cut it so a huge value stays a short message.
std::string Quoted(std::string_view value) {
  constexpr size_t kShown = 64;
  std::string out = "\"" + std::string(value.substr(0, kShown));
  return out + (value.size() > kShown ? "...\"" : "\"");
}

bool ContainsLower(std::string_view haystack, std::string_view needle_lower) {
  if (needle_lower.size() > haystack.size()) return false;
  auto it = std::search(haystack.begin(), haystack.end(), needle_lower.begin(), needle_lower.end(),
                        [](char h, char n) {
                          return (h >= 'A' && h <= 'Z' ? static_cast<char>(h - 'A' + 'a') : h) == n;
                        });
  return it != haystack.end();
}

void PercentEncode(std::string_view s, std::string& out) {
  constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
}

// Rows without a value (no date, no failure) sort last in both directions: flipping the order
// of the dated rows should not bring a page of undated ones to the top.
int CompareText(std::string_view a, std::string_view b) {
  if (a.empty() != b.empty()) return a.empty() ? 1 : -1;
  return a.compare(b);
}

int ComparePrimary(const LandingRow& a, const LandingRow& b, LandingSort s) {
  switch (s) {
    case LandingSort::kExpires:
      if (a.not_after.has_value() != b.not_after.has_value()) return a.not_after ? -1 : 1;
      if (!a.not_after || *a.not_after == *b.not_after) return 0;
      return *a.not_after < *b.not_after ? -1 : 1;
    case LandingSort::kKind:
      return CompareText(a.kind, b.kind);
    case LandingSort::kNamespace:
      return CompareText(a.ns, b.ns);
    case LandingSort::kName:
      return CompareText(a.name, b.name);
    case LandingSort::kReady:
      return CompareText(a.ready, b.ready);
    case LandingSort::kFailure:
      return CompareText(a.failure, b.failure);
  }
  return 0;
}

bool Empty(const LandingRow& r, LandingSort s) {
  switch (s) {
    case LandingSort::kExpires:
      return !r.not_after;
    case LandingSort::kKind:
      return r.kind.empty();
    case LandingSort::kNamespace:
      return r.ns.empty();
    case LandingSort::kName:
      return r.name.empty();
    case LandingSort::kReady:
      return r.ready.empty();
    case LandingSort::kFailure:
      return r.failure.empty();
  }
  return false;
}

}  // namespace

std::string_view ToString(LandingTile t) {
  switch (t) {
    case LandingTile::kExpired:
      return "expired";
    case LandingTile::kLt7d:
      return "lt7d";
    case LandingTile::kLt14d:
      return "lt14d";
    case LandingTile::kFailing:
      return "failing";
    case LandingTile::kSkipped:
      return "skipped";
  }
  return "";
}

std::string_view TileLabel(LandingTile t) {
  switch (t) {
    case LandingTile::kExpired:
      return "Expired";
    case LandingTile::kLt7d:
      return "Under 7 days";
    case LandingTile::kLt14d:
      return "Under 14 days";
    case LandingTile::kFailing:
      return "Failing";
    case LandingTile::kSkipped:
      return "Skipped targets";
  }
  return "";
}

std::string_view ToString(LandingSort s) {
  switch (s) {
    case LandingSort::kExpires:
      return "expires";
    case LandingSort::kKind:
      return "kind";
    case LandingSort::kNamespace:
      return "namespace";
    case LandingSort::kName:
      return "name";
    case LandingSort::kReady:
      return "ready";
    case LandingSort::kFailure:
      return "failure";
  }
  return "";
}

Result<LandingQuery> ParseLandingQuery(
    const std::vector<std::pair<std::string, std::string>>& params) {
  LandingQuery q;
  std::set<std::string_view> seen;
  for (const auto& [key, value] : params) {
    if (!seen.insert(key).second) return Error{"query parameter " + key + " given more than once"};
    if (key == "tile") {
      if (value.empty()) continue;
      q.tile = FromString(kLandingTiles, value);
      if (!q.tile) {
        return Error{"unknown tile " + Quoted(value) + ": one of " + Accepted(kLandingTiles)};
      }
    } else if (key == "sort") {
      if (value.empty()) continue;
      auto s = FromString(kLandingSorts, value);
      if (!s) {
        return Error{"unknown sort " + Quoted(value) + ": one of " + Accepted(kLandingSorts)};
      }
      q.sort = *s;
    } else if (key == "dir") {
      if (value.empty() || value == "asc") continue;
      if (value != "desc") return Error{"unknown dir " + Quoted(value) + ": one of asc, desc"};
      q.descending = true;
    } else if (key == "q" || key == "namespace") {
      if (value.size() > kMaxSearchLength) {
        return Error{"query parameter " + key + " longer than " + std::to_string(kMaxSearchLength) +
                     " bytes"};
      }
      (key == "q" ? q.q : q.ns) = value;
    } else {
      return Error{"unknown query parameter " + Quoted(key) +
                   ": one of tile, sort, dir, q, namespace"};
    }
  }
  return q;
}

std::string LandingQueryString(const LandingQuery& q) {
  std::string out;
  auto add = [&out](std::string_view key, std::string_view value) {
    out += out.empty() ? "?" : "&";
    out += key;
    out += '=';
    PercentEncode(value, out);
  };
  if (q.tile) add("tile", ToString(*q.tile));
  if (!q.ns.empty()) add("namespace", q.ns);
  if (!q.q.empty()) add("q", q.q);
  if (q.sort != LandingSort::kExpires) add("sort", ToString(q.sort));
  if (q.descending) add("dir", "desc");
  return out;
}

bool InTile(const LandingRow& row, LandingTile tile, UnixSeconds now) {
  const bool skipped = row.kind == kLandingSkippedKind;
  const bool expired = row.not_after && *row.not_after <= now;
  auto left_under = [&](int days) {
    return row.not_after && !expired && *row.not_after < now + days * kDay;
  };
  switch (tile) {
    case LandingTile::kExpired:
      return expired;
    case LandingTile::kLt7d:
      return left_under(7);
    case LandingTile::kLt14d:
      return left_under(14);
    case LandingTile::kFailing:
      // The row's own classification (a Certificate's FailureReason, an endpoint's handshake
      // or verification, a Secret or file that does not parse); expiry has its own tile.
      return !skipped && (row.ready != "True" || !row.failure.empty()) && row.failure != "expired";
    case LandingTile::kSkipped:
      return skipped;
  }
  return false;
}

bool MatchesSearch(const LandingRow& row, std::string_view needle_lower) {
  if (ContainsLower(row.ns, needle_lower) || ContainsLower(row.name, needle_lower) ||
      ContainsLower(row.detail, needle_lower) || ContainsLower(row.issuer, needle_lower)) {
    return true;
  }
  return std::any_of(row.dns_names.begin(), row.dns_names.end(),
                     [&](const std::string& n) { return ContainsLower(n, needle_lower); });
}

LandingSelection SelectLandingRows(const std::vector<LandingRow>& rows, const LandingQuery& q,
                                   UnixSeconds now, size_t max_rows) {
  LandingSelection out;
  out.total = rows.size();
  const std::string needle = AsciiLower(q.q);
  std::set<std::string_view> namespaces;
  std::vector<const LandingRow*> matching;
  for (const LandingRow& r : rows) {
    if (!r.ns.empty()) namespaces.insert(r.ns);
    if (!q.ns.empty() && r.ns != q.ns) continue;
    if (!needle.empty() && !MatchesSearch(r, needle)) continue;
    ++out.all_tiles;
    bool in_tile = !q.tile;
    for (size_t i = 0; i < kLandingTiles.size(); ++i) {
      if (!InTile(r, kLandingTiles[i], now)) continue;
      ++out.tile_counts[i];
      in_tile |= q.tile == kLandingTiles[i];
    }
    if (in_tile) matching.push_back(&r);
  }
  out.matching = matching.size();
  out.namespaces.assign(namespaces.begin(), namespaces.end());
  // Ties fall back to the default order (soonest expiry, namespace, name), always ascending,
  // so a page is stable between reloads.
  auto less = [&](const LandingRow* a, const LandingRow* b) {
    if (int c = ComparePrimary(*a, *b, q.sort); c != 0) {
      return q.descending && !Empty(*a, q.sort) && !Empty(*b, q.sort) ? c > 0 : c < 0;
    }
    for (LandingSort s : {LandingSort::kExpires, LandingSort::kNamespace, LandingSort::kName}) {
      if (int c = ComparePrimary(*a, *b, s); c != 0) return c < 0;
    }
    return a < b;  // rows are one vector: its order breaks the last ties
  };
  // Only the rows shown are ordered: O(n log max_rows), not a sort of the whole fleet.
  const size_t kept = std::min(max_rows, matching.size());
  std::partial_sort(matching.begin(), matching.begin() + static_cast<std::ptrdiff_t>(kept),
                    matching.end(), less);
  matching.resize(kept);
  out.rows = std::move(matching);
  return out;
}

}  // namespace certwatch
