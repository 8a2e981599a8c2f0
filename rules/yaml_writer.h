// JSON documents written as block-style YAML for people and for promtool / kubectl.
// yaml-cpp's emitter is not used: it writes the string "true" unquoted (read back as a bool) and
// emits literal blocks without chomping or indentation indicators, changing the values.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace certwatch {

// Strings are plain unless NeedsQuotes, then double-quoted; multi-line strings are literal
// blocks with exact chomping. The result ends with a newline.
std::string ToYaml(const nlohmann::json& document);

// Whether a string (a value or a key) must be quoted: true when a YAML 1.2 core schema reader
// (yaml-cpp, Prometheus) or a YAML 1.1 one (PyYAML, go-yaml v2 under kubectl) could read it
// plain as something else: empty, null, a boolean, a number or a timestamp in either version,
// syntax (a leading indicator, ": " or " #" inside, a trailing ':'), white space at either
// end, or a character that is not printable as it is (controls, line breaks, not UTF-8).
bool NeedsQuotes(std::string_view text);

}  // namespace certwatch
