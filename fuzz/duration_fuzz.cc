// Durations in config files and flags: parse, and every accepted value round-trips.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/duration.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto d = certwatch::ParseDuration(in);
  if (d.has_value() && d.value().count() >= 0) {
    auto again = certwatch::ParseDuration(certwatch::FormatDuration(d.value()));
    if (!again.has_value() || again.value() != d.value()) __builtin_trap();
  }
  return 0;
}
