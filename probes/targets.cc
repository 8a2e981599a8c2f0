#include "probes/targets.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

#include "common/strings.h"
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
  return TlsProbeOptions{.host = t.host,
                         .port = t.port,
                         .server_name = t.server_name,
                         .ca_file = t.ca_file,
                         .client_cert_file = t.client_cert_file,
                         .client_key_file = t.client_key_file,
                         .min_version = OpenSslVersion(t.min_version),
                         .starttls = t.starttls,
                         .connect_timeout = timeout,
                         .timeout = timeout};
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

namespace {

// A dnsName covers a host as a certificate would: equal (case-insensitive), or a wildcard
// "*.example.test" standing for exactly one label ("a.example.test", not "a.b.example.test").
bool NameCovers(std::string_view dns_name, std::string_view host) {
  const std::string name = CanonicalHostName(dns_name), h = CanonicalHostName(host);
  if (name == h) return true;
  if (!name.starts_with("*.")) return false;
  const size_t dot = h.find('.');
  return dot != std::string::npos && dot > 0 && h.substr(dot + 1) == name.substr(2);
}

// Which Certificates could be what an Ingress tls entry serves: by Secret ("ns/secretName",
// as ingress-shim names them) and by namespace (to match dnsNames).
struct CertificateIndex {
  std::map<std::string, std::string> by_secret;  // ObjectKey(ns, secret) -> certificate key
  std::map<std::string, std::vector<const CertificateState*>> by_namespace;

  explicit CertificateIndex(const StateData& state) {
    for (const auto& [key, c] : state.certificates) {
      if (!c.secret_name.empty()) by_secret.emplace(ObjectKey(c.ns, c.secret_name), key);
      by_namespace[c.ns].push_back(&c);
    }
  }
  bool Covers(const std::string& ns, const IngressTls& tls, const std::string& host) const {
    if (!tls.secret_name.empty() && by_secret.count(ObjectKey(ns, tls.secret_name))) return true;
    auto it = by_namespace.find(ns);
    if (it == by_namespace.end()) return false;
    for (const CertificateState* c : it->second) {
      for (const auto& name : c->dns_names) {
        if (NameCovers(name, host)) return true;
      }
    }
    return false;
  }
};

}  // namespace

Discovery IngressTargets(const StateData& state, const TlsProbesConfig& config, int ingress_port,
                         const AllowList& allow) {
  Discovery d;
  std::set<std::string> seen, skipped_seen;
  const CertificateIndex certificates(state);
  const bool allow_list_only = config.discovery == "allow_list";
  const auto port = static_cast<uint16_t>(ingress_port);
  auto skip = [&](const IngressState& ing, std::string target, const char* reason) {
    if (skipped_seen.insert(ing.ns + "\n" + ing.name + "\n" + target).second) {
      d.skipped.push_back({ing.ns, ing.name, std::move(target), reason});
    }
  };
  for (const auto& [key, ing] : state.ingresses) {
    for (const auto& tls : ing.tls) {
      for (const auto& host : tls.hosts) {
        if (host.empty()) continue;
        if (host.find('*') != std::string::npos) {
          skip(ing, host, "wildcard_host");
          continue;
        }
        const bool covered = !allow_list_only && certificates.Covers(ing.ns, tls, host);
        bool any_address = false;
        for (const auto& addr : ing.addresses) {
          if (addr.empty()) continue;
          any_address = true;
          const std::string endpoint = HostPort{addr, port}.ToString();
          if (!covered && !allow.Allows(addr, host)) {
            skip(ing, host + "@" + endpoint, allow_list_only ? "not_allowed" : "not_covered");
            continue;
          }
          TlsTarget t;
          t.target = endpoint;
          t.source = "ingress:" + ObjectKey(ing.ns, ing.name);
          t.options = BaseOptions(config);
          t.options.host = addr;
          t.options.port = port;
          t.options.server_name = host;
          if (!tls.secret_name.empty()) {
            t.secret = ObjectKey(ing.ns, tls.secret_name);
            auto c = certificates.by_secret.find(t.secret);
            if (c != certificates.by_secret.end()) t.certificate = c->second;
          }
          if (!seen.insert(t.Key()).second) continue;
          d.targets.push_back(std::move(t));
        }
        if (!any_address) skip(ing, host, "no_address");
      }
    }
  }
  std::sort(d.skipped.begin(), d.skipped.end(), [](const auto& a, const auto& b) {
    return std::tie(a.ns, a.ingress, a.target) < std::tie(b.ns, b.ingress, b.target);
  });
  return d;
}

}  // namespace certwatch
