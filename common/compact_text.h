// CompactText: an owned string that costs 8 bytes while empty and one heap block otherwise, for the
// state's fields that are empty on almost every object (condition messages, kept only while
// they explain a failure; failure messages). Reads like a const std::string
// (common/string_reads.h); assigning a string copies it.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "common/string_reads.h"

namespace certwatch {

class CompactText : public StringReads<CompactText> {
 public:
  CompactText() noexcept = default;
  CompactText(std::string_view s) { Set(s); }               // NOLINT: assigns like a string
  CompactText(const std::string& s) { Set(s); }             // NOLINT
  CompactText(const char* s) { Set(std::string_view(s)); }  // NOLINT
  CompactText(std::string&& s) {                            // NOLINT
    if (!s.empty()) text_ = std::make_unique<std::string>(std::move(s));
  }
  CompactText(const CompactText& other) { Set(other.str()); }
  CompactText(CompactText&&) noexcept = default;
  CompactText& operator=(const CompactText& other) {
    if (this != &other) Set(other.str());
    return *this;
  }
  CompactText& operator=(CompactText&&) noexcept = default;
  ~CompactText() = default;

  const std::string& str() const noexcept { return text_ ? *text_ : Empty(); }
  void clear() noexcept { text_.reset(); }

 private:
  static const std::string& Empty() noexcept;
  void Set(std::string_view s) {
    if (s.empty()) {
      text_.reset();
    } else {
      text_ = std::make_unique<std::string>(s);
    }
  }
  std::unique_ptr<std::string> text_;  // null while empty
};

void to_json(nlohmann::json& j, const CompactText& t);
void from_json(const nlohmann::json& j, CompactText& t);

}  // namespace certwatch
