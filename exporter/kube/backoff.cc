#include "exporter/kube/backoff.h"

#include <algorithm>
#include <cmath>

namespace certwatch {

Backoff::Backoff(BackoffOptions options, uint64_t seed) : options_(options), rng_(seed) {}

std::chrono::milliseconds Backoff::Next(std::optional<double> retry_after) {
  const double base = static_cast<double>(options_.initial.count()) *
                      std::pow(options_.factor, std::min(failures_, 30));
  ++failures_;
  const double cap = static_cast<double>(options_.max.count());
  double d = std::min(base, cap);
  if (options_.jitter > 0) {
    std::uniform_real_distribution<double> u(1.0 - options_.jitter, 1.0 + options_.jitter);
    d = std::min(d * u(rng_), cap);
  }
  if (retry_after && *retry_after > 0) d = std::max(d, *retry_after * 1000.0);
  return std::chrono::milliseconds(static_cast<int64_t>(d));
}

}  // namespace certwatch
