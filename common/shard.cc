#include "common/shard.h"

#include <charconv>

namespace certwatch {

Result<Shard> Shard::Parse(std::string_view s) {
  auto slash = s.find('/');
  Error bad{"invalid shard \"" + std::string(s) + "\" (want i/n with 0 <= i < n, e.g. 0/2)"};
  if (slash == std::string_view::npos) return bad;
  uint32_t i = 0, n = 0;
  auto a = s.substr(0, slash), b = s.substr(slash + 1);
  auto r1 = std::from_chars(a.data(), a.data() + a.size(), i);
  auto r2 = std::from_chars(b.data(), b.data() + b.size(), n);
  if (r1.ec != std::errc() || r1.ptr != a.data() + a.size() || r2.ec != std::errc() ||
      r2.ptr != b.data() + b.size() || a.empty() || b.empty() || n == 0 || i >= n) {
    return bad;
  }
  return Shard(i, n);
}

}  // namespace certwatch
