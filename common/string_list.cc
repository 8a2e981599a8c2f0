#include "common/string_list.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace certwatch {

namespace {

void PutLength(char* at, size_t n) {
  if (n > std::numeric_limits<uint32_t>::max()) throw std::length_error("StringList: too long");
  const auto length = static_cast<uint32_t>(n);
  std::memcpy(at, &length, sizeof length);
}

}  // namespace

template <typename It>
void StringList::Assign(It first, It last) {
  size_t count = 0, bytes = sizeof(uint32_t);
  for (It it = first; it != last; ++it) {
    ++count;
    bytes += sizeof(uint32_t) + std::string_view(*it).size();
  }
  if (count == 0) {
    block_.reset();
    return;
  }
  auto block = std::make_unique_for_overwrite<char[]>(bytes);
  PutLength(block.get(), count);
  char* at = block.get() + sizeof(uint32_t);
  for (It it = first; it != last; ++it) {
    const std::string_view s(*it);
    PutLength(at, s.size());
    std::memcpy(at + sizeof(uint32_t), s.data(), s.size());
    at += sizeof(uint32_t) + s.size();
  }
  block_ = std::move(block);
}

StringList::StringList(std::initializer_list<std::string_view> items) {
  Assign(items.begin(), items.end());
}

StringList::StringList(const std::vector<std::string>& items) {
  Assign(items.begin(), items.end());
}

StringList::StringList(const StringList& other) {
  if (other.block_) {
    const size_t bytes = other.BlockSize();
    block_ = std::make_unique_for_overwrite<char[]>(bytes);
    std::memcpy(block_.get(), other.block_.get(), bytes);
  }
}

StringList& StringList::operator=(const StringList& other) {
  if (this != &other) *this = StringList(other);
  return *this;
}

size_t StringList::BlockSize() const noexcept {
  if (!block_) return 0;
  size_t bytes = sizeof(uint32_t);
  for (std::string_view s : *this) bytes += sizeof(uint32_t) + s.size();
  return bytes;
}

const std::string_view StringList::operator[](size_t i) const noexcept {
  auto it = begin();
  for (; i > 0; --i) ++it;
  return *it;
}

void StringList::push_back(std::string_view s) {
  std::vector<std::string_view> items(begin(), end());
  items.push_back(s);
  Assign(items.begin(), items.end());  // copies out of the old block before it is freed
}

std::vector<std::string> StringList::ToVector() const {
  std::vector<std::string> out;
  out.reserve(size());
  for (std::string_view s : *this) out.emplace_back(s);
  return out;
}

bool operator==(const StringList& a, const StringList& b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

void to_json(nlohmann::json& j, const StringList& list) {
  j = nlohmann::json::array();
  for (std::string_view s : list) j.push_back(std::string(s));
}

void from_json(const nlohmann::json& j, StringList& list) {
  list = StringList(j.get<std::vector<std::string>>());
}

}  // namespace certwatch
