// The two exposition formats /metrics speaks, and which one a scraper asked for. Prometheus
// text 0.0.4 is the default; OpenMetrics 1.0.0 is served only when the Accept header prefers
// it, as client_golang's expfmt.NegotiateIncludingOpenMetrics does.
#pragma once

#include <string_view>

namespace certwatch {

enum class ExpositionFormat : int { kText, kOpenMetrics };

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr std::string_view kOpenMetricsContentType =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

constexpr std::string_view ContentType(ExpositionFormat f) {
  return f == ExpositionFormat::kOpenMetrics ? kOpenMetricsContentType : kTextContentType;
}

// "text" or "openmetrics" (log fields).
constexpr std::string_view FormatName(ExpositionFormat f) {
  return f == ExpositionFormat::kOpenMetrics ? "openmetrics" : "text";
}

// Picks the format for an Accept header value. Media ranges are taken by descending q (ties
// in header order); the first that names a format certwatch writes wins:
// application/openmetrics-text with version=1.0.0 or no version, or text/plain with
// version=0.0.4 or no version. Wildcards, other versions and q=0 match nothing; when nothing
// matches (an empty header included) the answer is text.
ExpositionFormat NegotiateFormat(std::string_view accept);

}  // namespace certwatch
