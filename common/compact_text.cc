#include "common/compact_text.h"

#include <nlohmann/json.hpp>

namespace certwatch {

const std::string& CompactText::Empty() noexcept {
  static const std::string empty;
  return empty;
}

void to_json(nlohmann::json& j, const CompactText& t) { j = t.str(); }

void from_json(const nlohmann::json& j, CompactText& t) { t = CompactText(j.get<std::string>()); }

}  // namespace certwatch
