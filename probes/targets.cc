#include "probes/targets.h"

#include <map>
#include <set>

#include "config/address.h"

namespace certwatch {
namespace {

TlsProbeOptions BaseOptions(const TlsProbesConfig& config) {
  TlsProbeOptions o;
  o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout);
  o.connect_timeout = o.timeout;
  o.chain_details = false;
  return o;
}

}  // namespace

TlsProbeOptions ProbeOptionsFor(const ResolvedTlsTarget& t, std::chrono::milliseconds timeout) {
  TlsProbeOptions o;
  o.timeout = timeout;
  o.connect_timeout = timeout;
  o.host = t.host;
  o.port = t.port;
  o.server_name = t.server_name;
  o.ca_file = t.ca_file;
  o.client_cert_file = t.client_cert_file;
  o.client_key_file = t.client_key_file;
  o.min_version = OpenSslVersion(t.min_version);
  o.starttls = t.starttls;
  return o;
}

std::vector<TlsTarget> StaticTargets(const TlsProbesConfig& config, const StateData* state) {
  std::vector<TlsTarget> out;
  out.reserve(config.resolved_targets.size());
  for (const ResolvedTlsTarget& t : config.resolved_targets) {
    TlsTarget target;
    target.target = t.address;
    target.source = "static";
    target.options = ProbeOptionsFor(t, BaseOptions(config).timeout);
    target.options.chain_details = false;
    target.certificate = t.certificate;
    if (state && !t.certificate.empty()) {
      auto it = state->certificates.find(t.certificate);
      if (it != state->certificates.end() && !it->second.secret_name.empty()) {
        target.secret = ObjectKey(it->second.ns, it->second.secret_name);
      }
    }
    out.push_back(std::move(target));
  }
  return out;
}

Discovery IngressTargets(const StateData& state, const TlsProbesConfig& config, int ingress_port,
                         const AllowList& allow) {
  Discovery d;
  std::set<std::string> seen;
  // Certificates by "namespace/secretName", to link an Ingress tls entry to what it should serve.
  std::map<std::string, std::string> cert_by_secret;
  for (const auto& [key, c] : state.certificates) {
    if (!c.secret_name.empty()) cert_by_secret.emplace(ObjectKey(c.ns, c.secret_name), key);
  }
  for (const auto& [key, ing] : state.ingresses) {
    for (const auto& tls : ing.tls) {
      for (const auto& host : tls.hosts) {
        if (host.empty() || host.find('*') != std::string::npos) continue;
        for (const auto& addr : ing.addresses) {
          if (addr.empty()) continue;
          if (!allow.Allows(addr, host)) {
            d.rejected.push_back(ing.ns + "/" + ing.name + " " + host + "@" + addr +
                                 ": not in tls_probes.allowed_cidrs/allowed_domain_suffixes");
            continue;
          }
          TlsTarget t;
          t.target = HostPort{addr, static_cast<uint16_t>(ingress_port)}.ToString();
          t.source = "ingress:" + ing.ns + "/" + ing.name;
          t.options = BaseOptions(config);
          t.options.host = addr;
          t.options.port = static_cast<uint16_t>(ingress_port);
          t.options.server_name = host;
          if (!tls.secret_name.empty()) {
            t.secret = ObjectKey(ing.ns, tls.secret_name);
            auto c = cert_by_secret.find(t.secret);
            if (c != cert_by_secret.end()) t.certificate = c->second;
          }
          if (!seen.insert(t.Key()).second) continue;
          d.targets.push_back(std::move(t));
        }
      }
    }
  }
  return d;
}

}  // namespace certwatch
