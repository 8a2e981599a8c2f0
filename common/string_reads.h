// StringReads: what a const std::string offers for reading, for the compact string types of
// the state (Symbol, CompactText) so that a field can change from std::string to one of them
// without its readers changing: conversions to const std::string& and std::string_view, comparisons
// with any string type, +, << and the common const members. `D` provides str().
#pragma once

#include <compare>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

namespace certwatch {

template <typename D>
class StringReads {
 public:
  operator const std::string&() const noexcept { return S(); }  // NOLINT: reads as a string
  operator std::string_view() const noexcept { return S(); }    // NOLINT
  const char* c_str() const noexcept { return S().c_str(); }
  const char* data() const noexcept { return S().data(); }
  size_t size() const noexcept { return S().size(); }
  size_t length() const noexcept { return S().size(); }
  bool empty() const noexcept { return S().empty(); }
  bool starts_with(std::string_view p) const noexcept { return S().starts_with(p); }
  bool ends_with(std::string_view p) const noexcept { return S().ends_with(p); }
  size_t find(std::string_view s, size_t pos = 0) const noexcept { return S().find(s, pos); }
  std::string substr(size_t pos, size_t n = std::string::npos) const { return S().substr(pos, n); }

  friend bool operator==(const D& a, const D& b) noexcept {
    return &a.str() == &b.str() || a.str() == b.str();  // one address per Symbol value
  }
  friend bool operator==(const D& a, std::string_view b) noexcept { return a.str() == b; }
  friend bool operator==(const D& a, const std::string& b) noexcept { return a.str() == b; }
  friend bool operator==(const D& a, const char* b) noexcept { return a.str() == b; }
  friend std::strong_ordering operator<=>(const D& a, const D& b) noexcept {
    return a.str() <=> b.str();
  }
  friend std::strong_ordering operator<=>(const D& a, std::string_view b) noexcept {
    return std::string_view(a.str()) <=> b;
  }
  friend std::strong_ordering operator<=>(const D& a, const std::string& b) noexcept {
    return a.str() <=> b;
  }
  friend std::strong_ordering operator<=>(const D& a, const char* b) noexcept {
    return std::string_view(a.str()) <=> std::string_view(b);
  }

  friend std::string operator+(const D& a, const D& b) { return a.str() + b.str(); }
  friend std::string operator+(const D& a, const std::string& b) { return a.str() + b; }
  friend std::string operator+(const std::string& a, const D& b) { return a + b.str(); }
  friend std::string operator+(std::string&& a, const D& b) { return std::move(a) += b.str(); }
  friend std::string operator+(const D& a, const char* b) { return a.str() + b; }
  friend std::string operator+(const char* a, const D& b) { return a + b.str(); }
  friend std::string operator+(const D& a, char b) { return a.str() + b; }
  friend std::string operator+(char a, const D& b) { return a + b.str(); }
  friend std::ostream& operator<<(std::ostream& os, const D& s) { return os << s.str(); }

 private:
  const std::string& S() const noexcept { return static_cast<const D&>(*this).str(); }
};

}  // namespace certwatch
