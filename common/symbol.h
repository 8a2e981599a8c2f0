// Symbol: an immutable string stored once per process and shared by every object that holds
// the same value (8 bytes instead of std::string's 32, and no heap copy per object). For the
// vocabularies that repeat across objects and stay small: namespaces, issuer names, kinds and
// groups, condition statuses and reasons. Never for values unique per object (names, DNS
// names, messages): an interned value lives until the process exits, so the table grows with
// the number of distinct values ever seen, not with the number of objects.
//
// Reads like a const std::string (conversions to const std::string& and std::string_view,
// comparisons, +, <<); assigning a string interns it. Thread-safe.
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <ostream>
#include <string>
#include <string_view>

namespace certwatch {

class Symbol {
 public:
  Symbol() noexcept;                                // ""
  Symbol(std::string_view s) : text_(Intern(s)) {}  // NOLINT: reads and assigns like a string
  Symbol(const std::string& s) : Symbol(std::string_view(s)) {}  // NOLINT
  Symbol(const char* s) : Symbol(std::string_view(s)) {}         // NOLINT

  const std::string& str() const noexcept { return *text_; }
  operator const std::string&() const noexcept { return *text_; }  // NOLINT
  operator std::string_view() const noexcept { return *text_; }    // NOLINT
  const char* c_str() const noexcept { return text_->c_str(); }
  const char* data() const noexcept { return text_->data(); }
  size_t size() const noexcept { return text_->size(); }
  bool empty() const noexcept { return text_->empty(); }
  void clear() noexcept { *this = Symbol(); }
  bool starts_with(std::string_view p) const noexcept { return text_->starts_with(p); }
  bool ends_with(std::string_view p) const noexcept { return text_->ends_with(p); }
  size_t find(std::string_view s, size_t pos = 0) const noexcept { return text_->find(s, pos); }
  std::string substr(size_t pos, size_t n = std::string::npos) const {
    return text_->substr(pos, n);
  }

  // Equal values share one address, so equality is a pointer comparison.
  friend bool operator==(const Symbol& a, const Symbol& b) noexcept { return a.text_ == b.text_; }
  friend bool operator==(const Symbol& a, std::string_view b) noexcept { return *a.text_ == b; }
  friend bool operator==(const Symbol& a, const std::string& b) noexcept { return *a.text_ == b; }
  friend bool operator==(const Symbol& a, const char* b) noexcept { return *a.text_ == b; }
  friend std::strong_ordering operator<=>(const Symbol& a, const Symbol& b) noexcept {
    return a.text_ == b.text_ ? std::strong_ordering::equal : *a.text_ <=> *b.text_;
  }
  friend std::strong_ordering operator<=>(const Symbol& a, std::string_view b) noexcept {
    return std::string_view(*a.text_) <=> b;
  }
  friend std::strong_ordering operator<=>(const Symbol& a, const std::string& b) noexcept {
    return *a.text_ <=> b;
  }
  friend std::strong_ordering operator<=>(const Symbol& a, const char* b) noexcept {
    return std::string_view(*a.text_) <=> std::string_view(b);
  }

  // The number of distinct values interned so far (for tests and benchmarks).
  static size_t TableSize();

 private:
  static const std::string* Intern(std::string_view s);
  const std::string* text_;
};

inline std::string operator+(const Symbol& a, const Symbol& b) { return a.str() + b.str(); }
inline std::string operator+(const Symbol& a, const std::string& b) { return a.str() + b; }
inline std::string operator+(const std::string& a, const Symbol& b) { return a + b.str(); }
inline std::string operator+(std::string&& a, const Symbol& b) { return std::move(a) += b.str(); }
inline std::string operator+(const Symbol& a, const char* b) { return a.str() + b; }
inline std::string operator+(const char* a, const Symbol& b) { return a + b.str(); }
inline std::string operator+(const Symbol& a, char b) { return a.str() + b; }
inline std::string operator+(char a, const Symbol& b) { return a + b.str(); }
inline std::ostream& operator<<(std::ostream& os, const Symbol& s) { return os << s.str(); }

void to_json(nlohmann::json& j, const Symbol& s);
void from_json(const nlohmann::json& j, Symbol& s);

}  // namespace certwatch

template <>
struct std::hash<certwatch::Symbol> {
  size_t operator()(const certwatch::Symbol& s) const noexcept {
    return std::hash<std::string_view>()(s);
  }
};
