#include "exporter/kube/decode_node.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/kube/decode_support.h"

namespace certwatch {
namespace {

NodeState DecodeNodeJson(const std::string& json, DecodeOutput& d) {
  return testing::DecodeJson<NodeState>(json, &DecodeNode, d);
}

TEST(DecodeNode, InternalIpsOnly) {
  DecodeOutput d;
  auto n = DecodeNodeJson(R"({"apiVersion": "v1", "kind": "Node",
    "metadata": {"name": "worker-1", "resourceVersion": "9", "labels": {"a": "b"}},
    "spec": {"podCIDR": "10.244.1.0/24"},
    "status": {"addresses": [{"type": "Hostname", "address": "worker-1"},
                             {"type": "ExternalIP", "address": "203.0.113.7"},
                             {"type": "InternalIP", "address": "10.0.0.21"},
                             {"type": "InternalIP", "address": "fd00::21"}],
               "capacity": {"cpu": "4"}}})",
                          d);
  EXPECT_EQ(d.warning, "");
  EXPECT_EQ(d.meta.resource_version, "9");
  EXPECT_EQ(n.name, "worker-1");
  EXPECT_EQ(n.ns, "");
  EXPECT_EQ(n.internal_ips, (std::vector<std::string>{"10.0.0.21", "fd00::21"}));
}

TEST(DecodeNode, AnEmptyAddressIsAWarningNamingTheField) {
  DecodeOutput d;
  auto n = DecodeNodeJson(R"({"metadata": {"name": "worker-2"}, "status": {"addresses": [
    {"type": "InternalIP", "address": ""}, {"type": "InternalIP", "address": "10.0.0.22"}]}})",
                          d);
  EXPECT_EQ(d.warning, "Node worker-2: status.addresses[0].address: empty");
  EXPECT_EQ(n.internal_ips, (std::vector<std::string>{"10.0.0.22"}));
}

TEST(DecodeNode, NoStatusNoTargets) {
  DecodeOutput d;
  auto n = DecodeNodeJson(R"({"metadata": {"name": "new"}, "status": {"addresses": null}})", d);
  EXPECT_EQ(d.warning, "");
  EXPECT_TRUE(n.internal_ips.empty());
}

}  // namespace
}  // namespace certwatch
