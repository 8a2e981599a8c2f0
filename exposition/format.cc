#include "exposition/format.h"

#include <charconv>
#include <optional>

#include "common/strings.h"

namespace certwatch {
namespace {

constexpr std::string_view kOws = " \t";

// Splits `s` at the first `sep`: returns the part before it, leaves the rest in `s`.
std::string_view Next(std::string_view& s, char sep) {
  size_t at = s.find(sep);
  std::string_view head = s.substr(0, at);
  s = at == std::string_view::npos ? std::string_view{} : s.substr(at + 1);
  return head;
}

struct MediaRange {
  std::optional<ExpositionFormat> format;  // empty: not one certwatch writes
  double q = 1;
};

// q is 0 to 1 with up to three decimals (RFC 9110 section 12.4.2); anything else refuses the
// range, as a q that cannot be read says nothing about preference.
double ParseQ(std::string_view v) {
  double q = -1;
  auto r = std::from_chars(v.data(), v.data() + v.size(), q);
  if (r.ec != std::errc{} || r.ptr != v.data() + v.size() || q < 0 || q > 1) return 0;
  return q;
}

MediaRange Parse(std::string_view item) {
  MediaRange m;
  std::string_view type = Trim(Next(item, ';'), kOws);
  std::string_view version;
  bool has_version = false;
  while (!item.empty()) {
    std::string_view param = Next(item, ';');
    std::string_view name = Trim(Next(param, '='), kOws);
    std::string_view value = Trim(param, kOws);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (EqualsIgnoreCase(name, "q")) {
      m.q = ParseQ(value);
    } else if (EqualsIgnoreCase(name, "version")) {
      version = value;
      has_version = true;
    }
  }
  if (EqualsIgnoreCase(type, "application/openmetrics-text") &&
      (!has_version || version == "1.0.0")) {
    m.format = ExpositionFormat::kOpenMetrics;
  } else if (EqualsIgnoreCase(type, "text/plain") && (!has_version || version == "0.0.4")) {
    m.format = ExpositionFormat::kText;
  }
  return m;
}

}  // namespace

ExpositionFormat NegotiateFormat(std::string_view accept) {
  ExpositionFormat best = ExpositionFormat::kText;
  double best_q = 0;  // only a range with q > 0 is acceptable
  while (!accept.empty()) {
    MediaRange m = Parse(Next(accept, ','));
    // Strictly greater: of equal q, the one listed first wins.
    if (m.format && m.q > best_q) {
      best = *m.format;
      best_q = m.q;
    }
  }
  return best;
}

}  // namespace certwatch
