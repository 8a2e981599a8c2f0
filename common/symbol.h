// Symbol: an immutable string stored once per process and shared by every object that holds
// the same value (8 bytes instead of std::string's 32, and no heap copy per object). For the
// vocabularies that repeat across objects and stay small: namespaces, issuer names, kinds and
// groups, condition statuses and reasons. Never for values unique per object (names, DNS
// names, messages): an interned value lives until the process exits, so the table grows with
// the number of distinct values ever seen, not with the number of objects.
//
// Reads like a const std::string (common/string_reads.h); assigning a string interns it.
// Thread-safe.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "common/string_reads.h"

namespace certwatch {

class Symbol : public StringReads<Symbol> {
 public:
  Symbol() noexcept;                                // ""
  Symbol(std::string_view s) : text_(Intern(s)) {}  // NOLINT: reads and assigns like a string
  Symbol(const std::string& s) : Symbol(std::string_view(s)) {}  // NOLINT
  Symbol(const char* s) : Symbol(std::string_view(s)) {}         // NOLINT

  const std::string& str() const noexcept { return *text_; }
  void clear() noexcept { *this = Symbol(); }
  // The same for equal values and different for different ones, for as long as the process
  // runs: a change detector hashes it instead of the characters.
  uintptr_t id() const noexcept { return reinterpret_cast<uintptr_t>(text_); }

  // The number of distinct values interned so far (for tests and benchmarks).
  static size_t TableSize();

 private:
  static const std::string* Intern(std::string_view s);
  const std::string* text_;
};

void to_json(nlohmann::json& j, const Symbol& s);
void from_json(const nlohmann::json& j, Symbol& s);

}  // namespace certwatch

template <>
struct std::hash<certwatch::Symbol> {
  size_t operator()(const certwatch::Symbol& s) const noexcept {
    return std::hash<std::string_view>()(s);
  }
};
