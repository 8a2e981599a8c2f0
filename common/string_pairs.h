// StringPairs: a small map of string to string kept sorted in one vector, for the labels and
// annotations an object carries (a handful each). One allocation per object instead of a tree
// node per entry (std::map spends 64 bytes of node and pointers on each), and keys are Symbols:
// label keys such as app.kubernetes.io/name repeat on every object.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/symbol.h"

namespace certwatch {

class StringPairs {
 public:
  using value_type = std::pair<Symbol, std::string>;
  using const_iterator = std::vector<value_type>::const_iterator;

  StringPairs() = default;
  StringPairs(std::initializer_list<std::pair<std::string_view, std::string_view>> items) {
    for (const auto& [k, v] : items) (*this)[k] = std::string(v);
  }

  // The value under `key`, inserted empty when absent.
  std::string& operator[](std::string_view key) {
    auto it = LowerBound(key);
    if (it == items_.end() || it->first != key) it = items_.emplace(it, Symbol(key), "");
    return it->second;
  }
  const std::string& at(std::string_view key) const {
    auto it = find(key);
    if (it == end()) throw std::out_of_range("no key " + std::string(key));
    return it->second;
  }
  const_iterator find(std::string_view key) const {
    auto it = std::lower_bound(items_.begin(), items_.end(), key,
                               [](const value_type& e, std::string_view k) { return e.first < k; });
    return it != items_.end() && it->first == key ? it : items_.end();
  }
  size_t count(std::string_view key) const { return find(key) == end() ? 0 : 1; }
  bool contains(std::string_view key) const { return find(key) != end(); }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void clear() { items_.clear(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  bool operator==(const StringPairs&) const = default;

 private:
  std::vector<value_type>::iterator LowerBound(std::string_view key) {
    return std::lower_bound(items_.begin(), items_.end(), key,
                            [](const value_type& e, std::string_view k) { return e.first < k; });
  }
  std::vector<value_type> items_;  // sorted by key
};

// StringPairs for the fields that are empty on almost every object (the certwatch.io/
// annotations): 8 bytes while empty instead of a vector's 24, one more block while not.
class SparsePairs {
 public:
  using value_type = StringPairs::value_type;
  using const_iterator = StringPairs::const_iterator;

  SparsePairs() noexcept = default;
  SparsePairs(std::initializer_list<std::pair<std::string_view, std::string_view>> items)
      : pairs_(items.size() == 0 ? nullptr : std::make_unique<StringPairs>(items)) {}
  SparsePairs(const SparsePairs& other)
      : pairs_(other.pairs_ ? std::make_unique<StringPairs>(*other.pairs_) : nullptr) {}
  SparsePairs(SparsePairs&&) noexcept = default;
  SparsePairs& operator=(const SparsePairs& other) {
    if (this != &other) pairs_ = SparsePairs(other).Release();
    return *this;
  }
  SparsePairs& operator=(SparsePairs&&) noexcept = default;
  ~SparsePairs() = default;

  // The value under `key`, inserted empty when absent.
  std::string& operator[](std::string_view key) {
    if (!pairs_) pairs_ = std::make_unique<StringPairs>();
    return (*pairs_)[key];
  }
  const std::string& at(std::string_view key) const { return Pairs().at(key); }
  const_iterator find(std::string_view key) const { return Pairs().find(key); }
  size_t count(std::string_view key) const { return Pairs().count(key); }
  bool contains(std::string_view key) const { return Pairs().contains(key); }
  size_t size() const { return Pairs().size(); }
  bool empty() const { return Pairs().empty(); }
  void clear() noexcept { pairs_.reset(); }
  const_iterator begin() const { return Pairs().begin(); }
  const_iterator end() const { return Pairs().end(); }
  bool operator==(const SparsePairs& other) const { return Pairs() == other.Pairs(); }

 private:
  static const StringPairs& Empty() noexcept;
  const StringPairs& Pairs() const noexcept { return pairs_ ? *pairs_ : Empty(); }
  std::unique_ptr<StringPairs> Release() noexcept { return std::move(pairs_); }
  std::unique_ptr<StringPairs> pairs_;  // null while empty
};

// A JSON object, as Kubernetes writes labels.
void to_json(nlohmann::json& j, const StringPairs& p);
void from_json(const nlohmann::json& j, StringPairs& p);
void to_json(nlohmann::json& j, const SparsePairs& p);
void from_json(const nlohmann::json& j, SparsePairs& p);

}  // namespace certwatch
