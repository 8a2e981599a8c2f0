// Leader election on a coordination.k8s.io/v1 Lease, the way client-go's leaderelection does
// it: the holder renews spec.renewTime every few seconds; another replica takes over only
// after it has watched the record stay unchanged for leaseDurationSeconds on its own clock
// (so clock skew between replicas does not matter); every write carries the resourceVersion
// it read, so two candidates can never both win a round. On shutdown the holder releases.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "common/log.h"
#include "renewer/kube_api.h"

namespace certwatch::renewer {

struct LeaseOptions {
  std::string ns = "default";
  std::string name = "certwatch-renewer";
  std::string identity;
  std::chrono::seconds duration{15};
};

// The Lease namespace when renewer.lease_namespace is "": client-go's convention, the
// namespace of the resolved config (in a pod the service account's namespace file, outside
// the kubeconfig context's namespace), else "default".
std::string DefaultLeaseNamespace(const std::string& config_namespace);

// What to change when a Lease request fails: the config key for a missing namespace, the RBAC
// rule for a 403; "" when the error names neither.
std::string LeaseErrorHint(const std::string& error, const std::string& ns);

class LeaderElector {
 public:
  LeaderElector(KubeApi& api, const Clock& clock, LeaseOptions options, const Logger& log);

  // One acquire-or-renew round; returns whether this replica holds the Lease now.
  bool Tick();
  bool leader() const { return leader_; }
  // Why the last round could not contest the Lease, with what to fix; "" after a round that
  // read and wrote it (won or not). The renewer's /readyz fails while it is set.
  const std::string& last_error() const { return last_error_; }
  // Gives the Lease up (holder "" and a 1s duration) so a standby takes over at once.
  void Release();

  std::string path() const;

 private:
  bool Fail(const std::string& what);

  KubeApi& api_;
  const Clock& clock_;
  LeaseOptions opt_;
  const Logger& log_;
  bool leader_ = false;
  // The last record seen (holder|renewTime|resourceVersion) and when, on the local clock.
  std::string observed_record_;
  std::optional<std::chrono::system_clock::time_point> observed_at_;
  std::string last_error_;  // logged once until it changes or a round succeeds
};

}  // namespace certwatch::renewer
