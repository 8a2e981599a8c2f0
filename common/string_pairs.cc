#include "common/string_pairs.h"

#include <nlohmann/json.hpp>

namespace certwatch {

void to_json(nlohmann::json& j, const StringPairs& p) {
  j = nlohmann::json::object();
  for (const auto& [k, v] : p) j[k.str()] = v;
}

void from_json(const nlohmann::json& j, StringPairs& p) {
  p.clear();
  for (const auto& [k, v] : j.items()) p[k] = v.get<std::string>();
}

const StringPairs& SparsePairs::Empty() noexcept {
  static const StringPairs empty;
  return empty;
}

void to_json(nlohmann::json& j, const SparsePairs& p) {
  j = nlohmann::json::object();
  for (const auto& [k, v] : p) j[k.str()] = v;
}

void from_json(const nlohmann::json& j, SparsePairs& p) {
  p.clear();
  for (const auto& [k, v] : j.items()) p[k] = v.get<std::string>();
}

}  // namespace certwatch
