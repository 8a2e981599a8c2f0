// VersionedMap: a std::map keyed by string that knows when it may have changed. Every access
// that could change it (a non-const iterator, operator[], emplace, erase, mutable_map) gives
// it a new version; reads through a const reference never do. A reader that derived something
// from the map (the certificates collector's compressed series) keeps the version it saw and,
// while the version is the same, knows the map is too, without looking at one entry.
//
// Versions come from one process-wide counter, so two maps (or one map before and after an
// assignment) never share one. Conservative by design: an access that could write counts as
// a write even when it writes nothing, which costs a reader one change detection, never a
// stale result.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace certwatch {

namespace versioned_map_internal {
inline uint64_t NextVersion() noexcept {
  static std::atomic<uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}
}  // namespace versioned_map_internal

template <typename V>
class VersionedMap {
 public:
  using Map = std::map<std::string, V>;
  using key_type = std::string;
  using mapped_type = V;
  using value_type = typename Map::value_type;
  using iterator = typename Map::iterator;
  using const_iterator = typename Map::const_iterator;

  VersionedMap() = default;
  VersionedMap(const VersionedMap& other) : map_(other.map_) {}
  VersionedMap(VersionedMap&& other) noexcept : map_(std::move(other.map_)) { other.Touch(); }
  VersionedMap& operator=(const VersionedMap& other) {
    map_ = other.map_;
    Touch();
    return *this;
  }
  VersionedMap& operator=(VersionedMap&& other) noexcept {
    map_ = std::move(other.map_);
    Touch();
    other.Touch();
    return *this;
  }
  ~VersionedMap() = default;

  // Changes only when the map may have: equal versions, equal contents.
  uint64_t version() const noexcept { return version_; }

  // Reads.
  const Map& map() const noexcept { return map_; }
  operator const Map&() const noexcept { return map_; }  // NOLINT: reads like the map
  const_iterator begin() const noexcept { return map_.begin(); }
  const_iterator end() const noexcept { return map_.end(); }
  // Keys by const std::string&, as the map takes them: a string_view would cost a copy.
  const_iterator find(const std::string& key) const { return map_.find(key); }
  const_iterator lower_bound(const std::string& key) const { return map_.lower_bound(key); }
  const V& at(const std::string& key) const { return map_.at(key); }
  size_t size() const noexcept { return map_.size(); }
  bool empty() const noexcept { return map_.empty(); }
  size_t count(const std::string& key) const { return map_.count(key); }
  bool contains(const std::string& key) const { return map_.contains(key); }

  // Writes: each takes a new version first.
  Map& mutable_map() noexcept {
    Touch();
    return map_;
  }
  iterator begin() noexcept { return mutable_map().begin(); }
  iterator end() noexcept { return mutable_map().end(); }
  iterator find(const std::string& key) { return mutable_map().find(key); }
  V& at(const std::string& key) { return mutable_map().at(key); }
  V& operator[](const std::string& key) { return mutable_map()[key]; }
  V& operator[](std::string&& key) { return mutable_map()[std::move(key)]; }
  template <typename... Args>
  std::pair<iterator, bool> emplace(Args&&... args) {
    return mutable_map().emplace(std::forward<Args>(args)...);
  }
  size_t erase(const std::string& key) { return mutable_map().erase(key); }
  iterator erase(const_iterator it) { return mutable_map().erase(it); }
  void clear() noexcept { mutable_map().clear(); }

  bool operator==(const VersionedMap& other) const { return map_ == other.map_; }

 private:
  void Touch() noexcept { version_ = versioned_map_internal::NextVersion(); }
  Map map_;
  uint64_t version_ = versioned_map_internal::NextVersion();
};

// As JSON, the map's object (nlohmann::json finds these by argument-dependent lookup).
template <typename Json, typename V>
void to_json(Json& j, const VersionedMap<V>& m) {
  j = m.map();
}
template <typename Json, typename V>
void from_json(const Json& j, VersionedMap<V>& m) {
  m.mutable_map() = j.template get<std::map<std::string, V>>();
}

}  // namespace certwatch
