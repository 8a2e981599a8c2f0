// The renewer's narrow view of the Kubernetes API: one request in, one answer out. The real
// one forwards to common/kube's KubeClient; tests substitute an in-memory fake that records
// every request (method, path, content type, body).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/kube/client.h"
#include "common/result.h"

namespace certwatch::renewer {

// The media type of every request body the renewer sends, and of the answers it reads.
inline constexpr std::string_view kJsonContentType = "application/json";

class KubeApi {
 public:
  virtual ~KubeApi() = default;
  // Transport errors are an Error; every HTTP answer, 2xx or not, is a KubeResponse.
  virtual Result<KubeResponse> Do(std::string_view method, const std::string& path,
                                  std::string_view body, std::string_view content_type) = 0;
};

class KubeClientApi final : public KubeApi {
 public:
  explicit KubeClientApi(KubeClient& client) : client_(client) {}
  Result<KubeResponse> Do(std::string_view method, const std::string& path, std::string_view body,
                          std::string_view content_type) override {
    return client_.Do(method, path, body, content_type);
  }

 private:
  KubeClient& client_;
};

// Kubernetes timestamps: "2026-11-27T12:00:00Z" (Time) and "2026-11-27T12:00:00.000000Z"
// (MicroTime, Leases).
std::string KubeTime(std::chrono::system_clock::time_point t);
std::string KubeMicroTime(std::chrono::system_clock::time_point t);

}  // namespace certwatch::renewer
