// A Kubernetes API client on libcurl: one request at a time per call, connections reused
// from a small pool of easy handles, bearer tokens re-read from their file when it changes,
// and the server's Date header remembered for clock-skew measurement. Bodies are returned as
// bytes; decoding (simdjson for lists and watch events) belongs to the caller.
//
// Thread-safe: any number of threads may call it at once.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/kube/kubeconfig.h"
#include "common/result.h"

namespace certwatch {

struct KubeResponse {
  long status = 0;  // HTTP status
  std::string body;
  std::optional<double> retry_after_seconds;  // Retry-After header
  std::optional<int64_t> server_date;         // Date header, unix seconds

  bool ok() const { return status >= 200 && status < 300; }
  // "404 NotFound: certificates.cert-manager.io \"x\" not found" from a Status body, or the
  // status line and the start of the body when it is not a Status.
  std::string Describe() const;
};

enum class PatchType { kMerge, kStrategicMerge, kJson };

struct KubeClientOptions {
  long connect_timeout_ms = 10'000;
  long request_timeout_ms = 60'000;  // not applied to watches
  std::string user_agent = "certwatch";
};

class KubeClient {
 public:
  static Result<std::unique_ptr<KubeClient>> Create(KubeConfig config,
                                                    KubeClientOptions options = {});
  ~KubeClient();
  KubeClient(const KubeClient&) = delete;
  KubeClient& operator=(const KubeClient&) = delete;

  // One request. Transport errors are an Error; every HTTP answer (2xx or not) is a response.
  Result<KubeResponse> Do(std::string_view method, const std::string& path,
                          std::string_view body = {},
                          std::string_view content_type = "application/json");

  // Convenience wrappers: the body of a 2xx answer, or an Error "<METHOD> <path>: <Describe()>".
  Result<std::string> Get(const std::string& path);
  Result<std::string> Post(const std::string& path, std::string_view json);
  Result<std::string> Put(const std::string& path, std::string_view json);
  Result<std::string> Patch(const std::string& path, std::string_view patch, PatchType type);
  Result<std::string> Delete(const std::string& path);

  // Streams a watch (GET with ?watch=1...). `on_line` gets each complete line (one event) and
  // returns false to stop. Returns the HTTP status when the stream ends (200 = clean end),
  // with the body if the server answered an error instead of a stream; an Error for
  // transport failures. `stop` is polled at least once a second. `on_open` (optional) runs
  // once the server has answered 200, before any event: a quiet watch is still a live one.
  Result<KubeResponse> Watch(const std::string& path,
                             const std::function<bool(std::string_view line)>& on_line,
                             const std::atomic<bool>* stop, long timeout_ms = 0,
                             const std::function<void()>& on_open = {});

  const KubeConfig& config() const { return config_; }

  // Local clock minus the API server's Date header, from the latest answer (seconds; the
  // header's resolution is one second, so the error is below one second).
  std::optional<double> ClockSkewSeconds() const;

 private:
  struct Handle;
  KubeClient(KubeConfig config, KubeClientOptions options);
  std::unique_ptr<Handle> Acquire();
  void Release(std::unique_ptr<Handle> h);
  Status Configure(Handle& h, std::string_view method, const std::string& path,
                   std::string_view body, std::string_view content_type);
  std::string Token();
  void NoteDate(int64_t server_date, double local_now);

  KubeConfig config_;
  KubeClientOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Handle>> idle_;
  // Token file cache.
  SecretBytes file_token_;
  int64_t token_mtime_ns_ = -1;
  int64_t token_size_ = -1;
  std::optional<double> skew_;
};

// URL-encodes one query value.
std::string QueryEscape(std::string_view s);

}  // namespace certwatch
