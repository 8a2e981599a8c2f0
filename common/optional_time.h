// OptionalSeconds: std::optional<int64_t> in 8 bytes instead of 16, for the timestamps every
// Certificate carries (notBefore, notAfter, renewalTime, lastFailureTime); INT64_MIN, a time no
// API writes, stands for "absent". Converts to and from std::optional<int64_t> and offers its
// reading surface (has_value, *, value, value_or, comparisons), so readers do not change.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json_fwd.hpp>
#include <optional>

namespace certwatch {

class OptionalSeconds {
 public:
  constexpr OptionalSeconds() noexcept = default;
  constexpr OptionalSeconds(std::nullopt_t) noexcept {}                // NOLINT: as optional
  constexpr OptionalSeconds(int64_t v) noexcept : value_(v) {}         // NOLINT
  constexpr OptionalSeconds(const std::optional<int64_t>& v) noexcept  // NOLINT
      : value_(v ? *v : kAbsent) {}

  constexpr bool has_value() const noexcept { return value_ != kAbsent; }
  constexpr explicit operator bool() const noexcept { return has_value(); }
  constexpr int64_t operator*() const noexcept { return value_; }
  int64_t value() const {
    if (!has_value()) throw std::bad_optional_access();
    return value_;
  }
  constexpr int64_t value_or(int64_t fallback) const noexcept {
    return has_value() ? value_ : fallback;
  }
  constexpr void reset() noexcept { value_ = kAbsent; }
  constexpr operator std::optional<int64_t>() const noexcept {  // NOLINT
    return has_value() ? std::optional<int64_t>(value_) : std::nullopt;
  }

  friend constexpr bool operator==(OptionalSeconds a, OptionalSeconds b) noexcept {
    return a.value_ == b.value_;
  }
  friend constexpr bool operator==(OptionalSeconds a, int64_t b) noexcept {
    return a.has_value() && a.value_ == b;
  }
  friend constexpr bool operator==(OptionalSeconds a, std::nullopt_t) noexcept {
    return !a.has_value();
  }
  friend constexpr bool operator==(OptionalSeconds a, const std::optional<int64_t>& b) noexcept {
    return a == OptionalSeconds(b);
  }

 private:
  static constexpr int64_t kAbsent = std::numeric_limits<int64_t>::min();
  int64_t value_ = kAbsent;
};

// null when absent, as std::optional is written.
void to_json(nlohmann::json& j, const OptionalSeconds& t);
void from_json(const nlohmann::json& j, OptionalSeconds& t);

}  // namespace certwatch
