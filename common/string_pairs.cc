#include "common/string_pairs.h"

#include <nlohmann/json.hpp>

namespace certwatch {

namespace {

// Both kinds of pairs are a JSON object of strings.
template <typename Pairs>
void PairsToJson(nlohmann::json& j, const Pairs& p) {
  j = nlohmann::json::object();
  for (const auto& [k, v] : p) j[k.str()] = v;
}

template <typename Pairs>
void PairsFromJson(const nlohmann::json& j, Pairs& p) {
  p.clear();
  for (const auto& [k, v] : j.items()) p[k] = v.template get<std::string>();
}

}  // namespace

const StringPairs& SparsePairs::Empty() noexcept {
  static const StringPairs empty;
  return empty;
}

void to_json(nlohmann::json& j, const StringPairs& p) { PairsToJson(j, p); }
void from_json(const nlohmann::json& j, StringPairs& p) { PairsFromJson(j, p); }
void to_json(nlohmann::json& j, const SparsePairs& p) { PairsToJson(j, p); }
void from_json(const nlohmann::json& j, SparsePairs& p) { PairsFromJson(j, p); }

}  // namespace certwatch
