#include "certmanager/rate_limit.h"

#include <array>
#include <cctype>
#include <cstdio>
#include <string>

#include "common/strings.h"
#include "common/time.h"

namespace certwatch::certmanager {

namespace {

bool StandaloneNumber(std::string_view m, std::string_view number) {
  for (size_t p = m.find(number); p != std::string_view::npos; p = m.find(number, p + 1)) {
    const size_t end = p + number.size();
    const bool left = p == 0 || !std::isalnum(static_cast<unsigned char>(m[p - 1]));
    const bool right = end >= m.size() || !std::isalnum(static_cast<unsigned char>(m[end]));
    if (left && right) return true;
  }
  return false;
}

}  // namespace

bool IsRateLimitedMessage(std::string_view m) {
  if (m.find("rateLimited") != std::string_view::npos) return true;
  if (StandaloneNumber(m, "429")) return true;
  static constexpr std::array<std::string_view, 7> kTooMany = {
      "too many certificates",  "too many new orders",        "too many failed authorizations",
      "too many registrations", "too many new registrations", "too many pending authorizations",
      "too many requests",  // HTTP 429's reason phrase
  };
  const std::string lower = AsciiLower(m);
  for (auto phrase : kTooMany) {
    if (lower.find(phrase) != std::string::npos) return true;
  }
  return false;
}

std::optional<UnixSeconds> RetryAfterInMessage(std::string_view m) {
  // Let's Encrypt: "... retry after 2026-11-28 10:00:00 UTC: see https://...".
  static constexpr std::string_view kMarker = "retry after ";
  size_t p = m.find(kMarker);
  if (p == std::string_view::npos) return std::nullopt;
  std::string rest(m.substr(p + kMarker.size(), 19));
  int y, mo, d, h, mi, s;
  if (rest.size() != 19 ||
      std::sscanf(rest.c_str(), "%4d-%2d-%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6) {
    return std::nullopt;
  }
  return UnixFromUtc(y, mo, d, h, mi, s);
}

}  // namespace certwatch::certmanager
