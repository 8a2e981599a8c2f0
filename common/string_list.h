// StringList: a short list of strings in one heap block, 8 bytes while empty, for the state's
// per-object lists (a Certificate's DNS names). A std::vector<std::string> costs 24 bytes, a
// block of its own and one more block for each string longer than 15 characters; most
// Certificates have one to three names, each longer than that. Reads like a const container
// of std::string_view; building it is by assignment, construction or push_back (which
// rebuilds the block: lists are written once per object update and read at every scrape).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace certwatch {

class StringList {
 public:
  // Forward iterator over the strings, as std::string_views into the block.
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;

    const_iterator() noexcept = default;
    std::string_view operator*() const noexcept {
      return std::string_view(pos_ + sizeof(uint32_t), Length(pos_));
    }
    const_iterator& operator++() noexcept {
      pos_ += sizeof(uint32_t) + Length(pos_);
      --left_;
      return *this;
    }
    const_iterator operator++(int) noexcept {
      const_iterator before = *this;
      ++*this;
      return before;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) noexcept {
      return a.left_ == b.left_;
    }

   private:
    friend class StringList;
    const_iterator(const char* pos, uint32_t left) noexcept : pos_(pos), left_(left) {}
    const char* pos_ = nullptr;
    uint32_t left_ = 0;  // strings from here to the end; 0 is end()
  };
  using value_type = std::string_view;
  using iterator = const_iterator;

  StringList() noexcept = default;
  StringList(std::initializer_list<std::string_view> items);
  StringList(const std::vector<std::string>& items);  // NOLINT: assigns like the vector it replaced
  StringList(const StringList& other);
  StringList(StringList&&) noexcept = default;
  StringList& operator=(const StringList& other);
  StringList& operator=(StringList&&) noexcept = default;
  ~StringList() = default;

  size_t size() const noexcept { return block_ ? Length(block_.get()) : 0; }
  bool empty() const noexcept { return !block_; }
  const_iterator begin() const noexcept {
    return block_ ? const_iterator(block_.get() + sizeof(uint32_t), Length(block_.get()))
                  : const_iterator();
  }
  const_iterator end() const noexcept { return const_iterator(); }
  std::string_view front() const noexcept { return *begin(); }
  // The i-th string; walks the list (lists are short). Returned const so that `list[i] = x`,
  // which would assign to a temporary view, does not compile.
  const std::string_view operator[](
      size_t i) const noexcept;  // NOLINT(readability-const-return-type)

  void push_back(std::string_view s);
  void clear() noexcept { block_.reset(); }
  std::vector<std::string> ToVector() const;

  friend bool operator==(const StringList& a, const StringList& b) noexcept;

 private:
  // Layout: the count, then each string as its length and its bytes (no terminator); lengths
  // and the count are uint32_t, unaligned, read with memcpy.
  static uint32_t Length(const char* at) noexcept {
    uint32_t n;
    std::memcpy(&n, at, sizeof n);
    return n;
  }
  size_t BlockSize() const noexcept;
  template <typename It>
  void Assign(It first, It last);

  std::unique_ptr<char[]> block_;  // null while empty
};

void to_json(nlohmann::json& j, const StringList& list);
void from_json(const nlohmann::json& j, StringList& list);

}  // namespace certwatch
