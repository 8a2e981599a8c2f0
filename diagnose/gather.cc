#include "diagnose/gather.h"

#include <algorithm>

#include "certmanager/requests.h"
#include "config/address.h"
#include "state/keys.h"

namespace certwatch {

std::vector<EndpointTarget> EndpointsFor(const Config& config, const CertificateState& certificate,
                                         const std::vector<IngressState>& ingresses) {
  std::vector<EndpointTarget> out;
  // What tls_probes.targets[].certificate and a probe's `certificate` hold: its ObjectKey.
  const std::string ref = ObjectKey(certificate.ns, certificate.name);
  for (const auto& t : config.tls_probes.resolved_targets) {
    if (t.certificate == ref) out.push_back({t, "tls_probes.targets"});
  }
  for (const auto& ing : ingresses) {
    if (ing.ns != certificate.ns) continue;
    for (const auto& tls : ing.tls) {
      if (tls.secret_name != certificate.secret_name) continue;
      for (const auto& host : tls.hosts) {
        if (host.empty() || host.starts_with("*.")) continue;  // no name to put in SNI
        std::vector<std::string> addresses = ing.addresses;
        if (addresses.empty()) addresses.push_back(host);
        for (const auto& addr : addresses) {
          EndpointTarget e;
          e.target.host = addr;
          e.target.port = static_cast<uint16_t>(config.kubernetes.ingress_port);
          e.target.address = HostPort{e.target.host, e.target.port}.ToString();
          e.target.server_name = host;
          e.target.certificate = ref;
          e.source = "ingress:" + ing.ns + "/" + ing.name;
          const bool dup = std::any_of(out.begin(), out.end(), [&](const EndpointTarget& o) {
            return o.target.address == e.target.address &&
                   o.target.server_name == e.target.server_name;
          });
          if (!dup) out.push_back(std::move(e));
        }
      }
    }
  }
  return out;
}

Result<DiagnoseInput> GatherDiagnosis(ClusterReader& cluster, NetworkChecker* network,
                                      const Config& config, const std::string& ns,
                                      const std::string& name) {
  const std::string ref = "Certificate " + ns + "/" + name;
  auto cert = cluster.Certificate(ns, name);
  if (!cert) return cert.error().Wrap(ref);
  if (!cert->has_value()) return Error{ref + " not found"};

  DiagnoseInput in;
  in.ns = ns;
  in.name = name;
  in.certificate = std::move(**cert);
  in.resolvers = config.dns_probes.resolvers;
  in.runbook_base_url = config.generator.runbook_base_url;
  const CertificateState& c = in.certificate;

  if (c.issuer.group == "cert-manager.io" || c.issuer.group.empty()) {
    auto issuer = cluster.Issuer(ns, c.issuer);
    if (!issuer) {
      in.issuer_error = issuer.error().message;
    } else {
      in.issuer = std::move(*issuer);
    }
  }
  if (!c.secret_name.empty()) {
    auto secret = cluster.Secret(ns, c.secret_name);
    if (!secret) {
      in.secret_error = secret.error().message;
    } else {
      in.secret = std::move(*secret);
    }
  }

  in.request_revision = c.revision + 1;
  auto requests = cluster.Requests(ns);
  if (!requests) {
    in.gather_errors.push_back("CertificateRequests: " + requests.error().message);
  } else {
    // The same rule as the exporter's classification and the renewer (certmanager/).
    if (const auto* r = certmanager::CurrentRequest(*requests, c)) {
      in.request = *r;
      in.request_revision = r->revision;
    }
  }
  if (in.request) {
    auto orders = cluster.Orders(ns);
    if (!orders) {
      // Orders are ACME-only: a cluster without the acme.cert-manager.io group is normal for
      // CA and Vault issuers, so this is noted, not fatal.
      in.gather_errors.push_back("Orders: " + orders.error().message);
    } else {
      if (const auto* o = certmanager::CurrentOrder(*orders, *in.request)) in.order = *o;
    }
  }
  if (in.order) {
    auto challenges = cluster.Challenges(ns);
    if (!challenges) {
      in.gather_errors.push_back("Challenges: " + challenges.error().message);
    } else {
      for (const auto* ch : certmanager::ChallengesOfOrder(*challenges, *in.order)) {
        in.challenges.push_back(*ch);
      }
    }
  }

  // Events of every object of the chain; the issuer's error text is often only there.
  std::vector<std::pair<std::string, std::string>> involved = {{"Certificate", name}};
  if (in.request) involved.emplace_back("CertificateRequest", in.request->name);
  if (in.order) involved.emplace_back("Order", in.order->name);
  for (const auto& ch : in.challenges) involved.emplace_back("Challenge", ch.name);
  for (const auto& [kind, obj] : involved) {
    auto events = cluster.Events(ns, kind, obj);
    if (!events) {
      in.gather_errors.push_back("Events: " + events.error().message);
      break;  // the same permission is missing for all of them
    }
    for (auto& e : *events) in.events.push_back(std::move(e));
  }
  std::stable_sort(in.events.begin(), in.events.end(),
                   [](const KubeEvent& a, const KubeEvent& b) { return a.last < b.last; });

  std::vector<IngressState> ingresses;
  if (config.kubernetes.ingresses) {
    auto list = cluster.Ingresses(ns);
    if (!list) {
      in.gather_errors.push_back("Ingresses: " + list.error().message);
    } else {
      ingresses = std::move(*list);
    }
  }
  if (network) {
    std::vector<EndpointTarget> targets = EndpointsFor(config, c, ingresses);
    if (!targets.empty()) in.endpoints = network->ProbeEndpoints(targets);
    DnsCheckResult dns = network->CheckDns(c, in.issuer, in.challenges);
    in.dns = std::move(dns.challenges);
    in.caa = std::move(dns.caa);
    in.caa_skipped = std::move(dns.caa_skipped);
    for (auto& e : dns.errors) in.gather_errors.push_back(std::move(e));
  } else {
    in.caa_skipped = "network checks disabled";
    if (!EndpointsFor(config, c, ingresses).empty())
      in.endpoints_skipped = "network checks disabled";
  }
  return in;
}

}  // namespace certwatch
