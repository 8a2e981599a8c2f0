// Time in the forms certwatch reads and writes: RFC 3339 (Kubernetes API fields, JSON output,
// logs, Events) and broken-down UTC (ASN1_TIME via OpenSSL, Let's Encrypt's "retry after").
// One spelling each, used by every folder.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace certwatch {

// "2026-11-28T10:00:00Z" (UTC, whole seconds).
std::string FormatRfc3339(int64_t unix_seconds);

// "2026-11-28T10:00:00.123Z" (UTC, milliseconds): log lines.
std::string FormatRfc3339Millis(int64_t unix_millis);

// "2026-11-28T10:00:00Z", with optional fractional seconds (dropped) and a numeric offset
// ("+02:00"); 't' and ' ' are accepted for 'T', 'z' for 'Z'. Empty for anything else.
std::optional<int64_t> ParseRfc3339(std::string_view s);

// Unix seconds of a broken-down UTC time (tm_isdst ignored).
int64_t UnixFromUtc(std::tm tm);

// Unix seconds of year-month-day hour:minute:second UTC; empty when a field is out of range.
std::optional<int64_t> UnixFromUtc(int year, int month, int day, int hour, int minute, int second);

}  // namespace certwatch
