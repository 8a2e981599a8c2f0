#include "common/duration.h"

#include <cctype>
#include <cstdint>
#include <limits>

namespace certwatch {
namespace {

struct Unit {
  std::string_view name;
  int64_t ms;
};
// Order matters for parsing: "ms" before "m".
constexpr Unit kUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                           {"w", 7LL * 24 * 3600 * 1000},
                           {"d", 24LL * 3600 * 1000},
                           {"h", 3600LL * 1000},
                           {"ms", 1},
                           {"m", 60LL * 1000},
                           {"s", 1000}};

}  // namespace

Result<Duration> ParseDuration(std::string_view s) {
  if (s.empty()) return Error{"empty duration"};
  if (s == "0") return Duration(0);
  int64_t total = 0;
  size_t i = 0;
  size_t last_unit = 0;  // units must appear largest first, each at most once
  bool first = true;
  while (i < s.size()) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
      return Error{"not a valid duration \"" + std::string(s) +
                   "\" (want e.g. 90s, 15m, 1h30m, 14d)"};
    }
    int64_t n = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (n > std::numeric_limits<int64_t>::max() / 10 - 10) {
        return Error{"duration out of range \"" + std::string(s) + "\""};
      }
      n = n * 10 + (s[i] - '0');
      ++i;
    }
    size_t u = 0;
    for (; u < std::size(kUnits); ++u) {
      if (s.substr(i, kUnits[u].name.size()) == kUnits[u].name) break;
    }
    if (u == std::size(kUnits)) {
      return Error{"not a valid duration \"" + std::string(s) +
                   "\": missing or unknown unit (use ms, s, m, h, d, w, y)"};
    }
    // Order check uses the unit's size, so "ms" (index 4) after "m" is caught too.
    if (!first && kUnits[u].ms >= kUnits[last_unit].ms) {
      return Error{"not a valid duration \"" + std::string(s) + "\": units out of order"};
    }
    if (n > std::numeric_limits<int64_t>::max() / kUnits[u].ms ||
        total > std::numeric_limits<int64_t>::max() - n * kUnits[u].ms) {
      return Error{"duration out of range \"" + std::string(s) + "\""};
    }
    total += n * kUnits[u].ms;
    i += kUnits[u].name.size();
    last_unit = u;
    first = false;
  }
  return Duration(total);
}

std::string FormatDuration(Duration d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  // Prometheus prints y, w, d, h, m, s, ms.
  constexpr Unit kPrint[] = {{"y", 365LL * 24 * 3600 * 1000},
                             {"w", 7LL * 24 * 3600 * 1000},
                             {"d", 24LL * 3600 * 1000},
                             {"h", 3600LL * 1000},
                             {"m", 60LL * 1000},
                             {"s", 1000},
                             {"ms", 1}};
  for (const auto& u : kPrint) {
    if (ms >= u.ms) {
      out += std::to_string(ms / u.ms);
      out.append(u.name);
      ms %= u.ms;
    }
  }
  return out;
}

}  // namespace certwatch
