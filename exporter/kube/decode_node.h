// Decoder of Nodes for kubernetes.kubelets (decode.h's conventions).
#pragma once

#include <simdjson.h>

#include "exporter/kube/decode.h"
#include "state/nodes.h"

namespace certwatch {

// metadata and status.addresses (InternalIP only: where the API server reaches the kubelet).
void DecodeNode(simdjson::ondemand::object obj, NodeState& out, DecodeOutput& d);

}  // namespace certwatch
