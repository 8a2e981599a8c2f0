#include "common/strings.h"

#include <algorithm>

namespace certwatch {
namespace {

constexpr std::string_view kAsciiWhitespace = " \t\n\v\f\r";

char AsciiLowerChar(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

template <typename Item>
std::string JoinItems(std::span<const Item> items, std::string_view sep) {
  size_t size = items.empty() ? 0 : sep.size() * (items.size() - 1);
  for (const auto& item : items) size += item.size();
  std::string out;
  out.reserve(size);
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

}  // namespace

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), AsciiLowerChar);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLowerChar(x) == AsciiLowerChar(y);
         });
}

std::string_view Trim(std::string_view s) { return Trim(s, kAsciiWhitespace); }

std::string_view Trim(std::string_view s, std::string_view chars) {
  const size_t begin = s.find_first_not_of(chars);
  if (begin == std::string_view::npos) return s.substr(s.size());
  const size_t end = s.find_last_not_of(chars);
  return s.substr(begin, end - begin + 1);
}

std::string Join(std::span<const std::string> items, std::string_view sep) {
  return JoinItems(items, sep);
}

std::string Join(std::span<const std::string_view> items, std::string_view sep) {
  return JoinItems(items, sep);
}

}  // namespace certwatch
