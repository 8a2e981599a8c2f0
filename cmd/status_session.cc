#include "cmd/status_session.h"

#include <utility>

#include "common/kube/kubeconfig.h"

namespace certwatch {

Result<StatusSession> OpenStatusSession(const std::string& config_path,
                                        const std::string& kubeconfig_path) {
  StatusSession s;
  if (!config_path.empty()) {
    auto loaded = LoadConfigFile(config_path);
    if (!loaded) return loaded.error();
    s.config = std::move(*loaded);
  }
  auto kc = ResolveKubeConfig(!kubeconfig_path.empty() ? kubeconfig_path
                                                       : s.config.kubernetes.kubeconfig);
  if (!kc) return kc.error();
  s.context_namespace = kc->namespace_;
  KubeClientOptions copts;
  copts.request_timeout_ms = 30'000;
  copts.user_agent = "certwatch-status";
  auto client = KubeClient::Create(std::move(*kc), copts);
  if (!client) return client.error();
  s.client = std::move(*client);
  return s;
}

}  // namespace certwatch
