// The renewer's own tiny web endpoint on renewer.listen_address: /metrics (RenewerMetrics)
// /healthz and /readyz (503 while the Lease cannot be contested). Plain HTTP; it is meant for the
// pod network or localhost.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "renewer/metrics.h"

namespace certwatch::renewer {

class MetricsServer {
 public:
  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& listen_address,
                                                      const RenewerMetrics& metrics);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  int port() const { return port_; }

 private:
  struct Impl;

 public:
  MetricsServer(std::unique_ptr<Impl> impl, int port);  // through Start only (Impl is private)

 private:
  std::unique_ptr<Impl> impl_;
  int port_;
};

}  // namespace certwatch::renewer
