// What both `certwatch status` subcommands start from: the certwatch config (optional) and a
// client of the cluster that --kubeconfig, or else the config's kubernetes.kubeconfig, names.
#pragma once

#include <memory>
#include <string>

#include "common/kube/client.h"
#include "common/result.h"
#include "config/config.h"

namespace certwatch {

struct StatusSession {
  Config config;  // defaults without a config file
  std::unique_ptr<KubeClient> client;
  std::string context_namespace;  // the kubeconfig context's namespace, "" without one
};

// Errors are the config file's, the kubeconfig's or the client's, ready to print.
Result<StatusSession> OpenStatusSession(const std::string& config_path,
                                        const std::string& kubeconfig_path);

}  // namespace certwatch
