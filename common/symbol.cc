#include "common/symbol.h"

#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_set>

namespace certwatch {

namespace {

struct TransparentHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>()(s); }
};

struct Table {
  std::mutex mu;
  // Node-based: an element's address stays put when the table rehashes.
  std::unordered_set<std::string, TransparentHash, std::equal_to<>> values;
};

Table& TheTable() {
  static Table table;
  return table;
}

const std::string* Empty() {
  static const std::string empty;
  return &empty;
}

}  // namespace

Symbol::Symbol() noexcept : text_(Empty()) {}

const std::string* Symbol::Intern(std::string_view s) {
  if (s.empty()) return Empty();
  Table& t = TheTable();
  std::lock_guard lock(t.mu);
  auto it = t.values.find(s);
  if (it == t.values.end()) it = t.values.emplace(s).first;
  return &*it;
}

size_t Symbol::TableSize() {
  Table& t = TheTable();
  std::lock_guard lock(t.mu);
  return t.values.size();
}

void to_json(nlohmann::json& j, const Symbol& s) { j = s.str(); }

void from_json(const nlohmann::json& j, Symbol& s) { s = Symbol(j.get<std::string>()); }

}  // namespace certwatch
