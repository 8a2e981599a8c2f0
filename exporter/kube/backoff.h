// Exponential backoff with jitter for the watch loops (client-go reflector's shape): the delay
// doubles on each consecutive failure up to a cap, is spread by ±jitter so replicas do not
// retry in step, honours a server's Retry-After, and resets after a success.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace certwatch {

struct BackoffOptions {
  std::chrono::milliseconds initial{500};
  std::chrono::milliseconds max{10'000};
  double factor = 2.0;
  double jitter = 0.5;  // the delay is drawn from [d*(1-jitter), d*(1+jitter)], capped at max
};

class Backoff {
 public:
  explicit Backoff(BackoffOptions options = {}, uint64_t seed = std::random_device{}());

  // The delay before the next attempt after a failure; `retry_after` (seconds, from a 429 or
  // 503) is a floor.
  std::chrono::milliseconds Next(std::optional<double> retry_after = std::nullopt);
  void Reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  BackoffOptions options_;
  std::mt19937_64 rng_;
  int failures_ = 0;
};

}  // namespace certwatch
