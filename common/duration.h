// Durations in Prometheus syntax: "90s", "15m", "1h30m", "14d", "2w", "500ms".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace certwatch {

using Duration = std::chrono::milliseconds;

Result<Duration> ParseDuration(std::string_view s);
// Shortest Prometheus spelling: 5400000ms -> "1h30m".
std::string FormatDuration(Duration d);

}  // namespace certwatch
