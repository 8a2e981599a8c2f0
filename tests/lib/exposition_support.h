// What the collector tests share: one fixed "now" for the state they build, and the lines of
// an exposition that start with a prefix.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "state/state.h"  // UnixSeconds

namespace certwatch::testing {

inline constexpr UnixSeconds kNow = 1800000000;  // 2027-01-15T08:00:00Z

inline std::vector<std::string> Lines(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) out.push_back(line);
  }
  return out;
}

}  // namespace certwatch::testing
