// Sharding (--shard i/n): each replica owns the objects whose stable hash of "namespace/name"
// (or of the probe target) falls in its shard. The hash is FNV-1a 64, fixed forever so that
// replicas of different versions agree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace certwatch {

class Shard {
 public:
  Shard() = default;  // 0/1: owns everything
  Shard(uint32_t index, uint32_t count) : index_(index), count_(count) {}

  // "i/n" with 0 <= i < n.
  static Result<Shard> Parse(std::string_view s);

  bool Owns(std::string_view key) const { return count_ <= 1 || Hash(key) % count_ == index_; }
  uint32_t index() const { return index_; }
  uint32_t count() const { return count_; }
  std::string ToString() const { return std::to_string(index_) + "/" + std::to_string(count_); }

  static uint64_t Hash(std::string_view key) {
    uint64_t h = 14695981039346656037ULL;
    for (unsigned char c : key) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    return h;
  }

 private:
  uint32_t index_ = 0;
  uint32_t count_ = 1;
};

}  // namespace certwatch
