// JSON documents written as block-style YAML for people and for promtool / kubectl.
// yaml-cpp's emitter is not used: it writes the string "true" unquoted (read back as a bool) and
// emits literal blocks without chomping or indentation indicators, changing the values.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace certwatch {

// Strings are double-quoted (JSON escapes are valid YAML), multi-line strings are literal
// blocks with exact chomping; the result ends with a newline.
std::string ToYaml(const nlohmann::json& document);

}  // namespace certwatch
