// The collector table (node_exporter's shape): each collector is one function in its own file
// under exporter/collectors/, declared and listed here by name, in exposition order. Adding a
// collector is one declaration and one row.
#include <array>

#include "exporter/collector.h"

namespace certwatch {

void CollectBuildInfo(const StateData&, const CollectContext&, MetricSink&);
void CollectCertificates(const StateData&, const CollectContext&, MetricSink&);
void CollectAcme(const StateData&, const CollectContext&, MetricSink&);
void CollectIssuers(const StateData&, const CollectContext&, MetricSink&);
void CollectTlsProbes(const StateData&, const CollectContext&, MetricSink&);
void CollectTlsDiscovery(const StateData&, const CollectContext&, MetricSink&);
void CollectDnsProbes(const StateData&, const CollectContext&, MetricSink&);
void CollectKeystores(const StateData&, const CollectContext&, MetricSink&);
void CollectFiles(const StateData&, const CollectContext&, MetricSink&);
void CollectCrls(const StateData&, const CollectContext&, MetricSink&);
void CollectConfigMaps(const StateData&, const CollectContext&, MetricSink&);
void CollectBundles(const StateData&, const CollectContext&, MetricSink&);
void CollectCaBundles(const StateData&, const CollectContext&, MetricSink&);
void CollectCsrs(const StateData&, const CollectContext&, MetricSink&);
void CollectSources(const StateData&, const CollectContext&, MetricSink&);
void CollectConfigReload(const StateData&, const CollectContext&, MetricSink&);

namespace {

constexpr auto kCollectors = std::to_array<CollectorEntry>({
    {"build_info", &CollectBuildInfo},
    {"certificates", &CollectCertificates},
    {"acme", &CollectAcme},
    {"issuers", &CollectIssuers},
    {"tls_probes", &CollectTlsProbes},
    {"tls_discovery", &CollectTlsDiscovery},
    {"dns_probes", &CollectDnsProbes},
    {"keystores", &CollectKeystores},
    {"files", &CollectFiles},
    {"crls", &CollectCrls},
    {"configmaps", &CollectConfigMaps},
    {"bundles", &CollectBundles},
    {"ca_bundles", &CollectCaBundles},
    {"csrs", &CollectCsrs},
    {"sources", &CollectSources},
    {"config", &CollectConfigReload},
});

}  // namespace

std::span<const CollectorEntry> Collectors() { return kCollectors; }

}  // namespace certwatch
