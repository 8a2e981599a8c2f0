// The Kubernetes source: list + watch caches (client-go reflector's shape) for cert-manager's
// Certificates, CertificateRequests, Issuers, ClusterIssuers, ACME Orders and Challenges,
// and opt-in Ingresses and TLS Secrets, written into the StateStore with only the fields used.
//
// Each (kind, namespace) has one thread: a streaming list (WatchList: one watch that sends
// the current objects, then a k8s.io/initial-events-end bookmark, then changes) or, where the
// server refuses it, a paginated list and a watch from the list's resourceVersion, with
// bookmarks; a clean end of stream re-watches from the last
// resourceVersion, 410 Gone relists, errors and 429 back off with jitter (Retry-After
// honoured). A relist replaces that kind's objects, so nothing is dropped until the API says
// it is gone. CertificateRequests are listed once the Certificates are, and those of a revision
// their Certificate moved past are not stored (certmanager::Superseded). One maintenance
// thread joins and classifies (exporter/kube/classify.h), measures clock skew and reports
// certwatch_source_up{source="kubernetes"}.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/kube/client.h"
#include "common/log.h"
#include "common/shard.h"
#include "config/config.h"
#include "exporter/kube/backoff.h"
#include "state/source.h"
#include "state/state.h"

namespace certwatch {

struct DecodeOutput;

struct KubeSourceOptions {
  KubernetesConfig config;
  Shard shard;
  BackoffOptions backoff;
  // Server-side watch timeout; each watch asks for a random value in [t, 2t) (client-go).
  std::chrono::seconds watch_timeout{300};
  // How often the join/classification runs while objects change (and at least every 5 s,
  // since expiry and retry times move with the clock).
  std::chrono::milliseconds classify_interval{500};
};

class KubeSource final : public Source {
 public:
  KubeSource(std::unique_ptr<KubeClient> client, KubeSourceOptions options, StateStore& store,
             const Logger& logger, const Clock& clock);
  ~KubeSource() override;
  std::string_view Name() const override { return "kubernetes"; }
  void Start() override;
  void Stop() override;
  // The rate-limit counter and the Orders it has counted stay, so that a reload never resets
  // or double-counts it.
  void Forget(StateData& data) const override;

  // True once every watched kind has been listed (and is not in error).
  bool Healthy() const;
  // Counters for benchmarks and debugging.
  uint64_t events_applied() const { return events_applied_.load(); }
  uint64_t objects_listed() const { return objects_listed_.load(); }
  // Lists completed as streaming lists, and as paginated lists (the fallback).
  uint64_t streaming_lists() const { return streaming_lists_.load(); }
  uint64_t paginated_lists() const { return paginated_lists_.load(); }

  struct Kind;
  struct Watcher;

 private:
  void RunWatcher(Watcher& w);
  // Until every Certificate watcher has listed once or failed (bounded by twice the watch
  // timeout): CertificateRequests are listed after them.
  void WaitForCertificateLists();
  Status ListOnce(Watcher& w, std::string& rv);
  // How a streaming list's initial events ended.
  enum class InitialEvents {
    kReceived,  // the k8s.io/initial-events-end bookmark arrived: the kind is listed
    kGone,      // 410: ask again from the newest resourceVersion
    kRefused,   // the server does not serve streaming lists: use a paginated list
    kFailed,    // an error (transport, 5xx, 429, bad JSON): counted, backed off
  };
  // Returns true when a relist is needed (410 or a bad event); false on a clean end. With
  // `initial` the watch is a streaming list (sendInitialEvents=true): the objects before the
  // k8s.io/initial-events-end bookmark replace the kind's as a list does, and `*initial` says
  // how the initial events ended.
  Result<bool> WatchOnce(Watcher& w, std::string& rv, InitialEvents* initial = nullptr);
  void RunMaintenance();
  void MarkError(Watcher& w, const std::string& error);
  void MarkHealthy(Watcher& w);
  void Sleep(std::chrono::milliseconds d);
  std::vector<std::unique_ptr<Kind>> BuildKinds();
  // Parses the keystores of a decoded Secret with the passwords its Certificate names (read
  // with two GETs: the Certificate, then its password Secret); nothing of them is kept.
  void ReadSecretKeystores(SecretCertState& secret, DecodeOutput& d);

  std::unique_ptr<KubeClient> client_;
  KubeSourceOptions options_;
  StateStore& store_;
  Logger logger_;
  const Clock& clock_;
  std::vector<std::unique_ptr<Watcher>> watchers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> dirty_{true};
  std::atomic<uint64_t> events_applied_{0};
  std::atomic<uint64_t> objects_listed_{0};
  std::atomic<uint64_t> streaming_lists_{0};
  std::atomic<uint64_t> paginated_lists_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool ever_synced_ = false;  // maintenance thread only
};

// Builds the source from the config: the client from `kubeconfig_override` (--kubeconfig),
// else kubernetes.kubeconfig, else $KUBECONFIG, else in-cluster.
Result<std::unique_ptr<KubeSource>> MakeKubeSource(const KubernetesConfig& config,
                                                   const std::string& kubeconfig_override,
                                                   Shard shard, StateStore& store,
                                                   const Logger& logger, const Clock& clock);

}  // namespace certwatch

namespace certwatch {

// For `certwatch serve`: the Kubernetes source, or, when no client can be built (no
// kubeconfig, unreadable files), a source that only reports the error as
// certwatch_source_up{source="kubernetes"} 0 so the other sources keep running.
std::unique_ptr<Source> MakeKubernetesSource(const KubernetesConfig& config,
                                             const std::string& kubeconfig_override, Shard shard,
                                             StateStore& store, const Logger& logger,
                                             const Clock& clock);

}  // namespace certwatch
