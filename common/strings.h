// String helpers the code would otherwise write by hand at each use: ASCII case folding,
// trimming and joining. ASCII only on purpose: the inputs are protocol tokens (DNS names,
// header names, CAA tags, ACME messages), whose case rules are ASCII whatever the locale.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace certwatch {

// `s` with 'A'..'Z' mapped to 'a'..'z'; every other byte unchanged.
std::string AsciiLower(std::string_view s);

// Whether `a` and `b` are equal once both are ASCII-lower-cased.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// `s` without leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r). The result
// views `s`: keep what it views alive.
std::string_view Trim(std::string_view s);
// `s` without leading and trailing bytes that are in `chars`.
std::string_view Trim(std::string_view s, std::string_view chars);

// The items with `sep` between each two of them; empty items are kept ("a,,b").
std::string Join(std::span<const std::string> items, std::string_view sep);
std::string Join(std::span<const std::string_view> items, std::string_view sep);

}  // namespace certwatch
