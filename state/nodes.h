// A Node, trimmed to what kubernetes.kubelets probes: its name and InternalIP addresses.
#pragma once

#include <string>
#include <vector>

namespace certwatch {

struct NodeState {
  std::string ns, name;                   // cluster-scoped: ns stays ""
  std::vector<std::string> internal_ips;  // status.addresses[type=InternalIP], in order
};

}  // namespace certwatch
