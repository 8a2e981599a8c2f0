#include "probes/targets.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>

#include "common/strings.h"
#include "config/address.h"

namespace certwatch {
namespace {

// Host names compare lower-cased and without trailing dots ("Example.COM." is "example.com").
std::string CanonicalHostName(std::string_view s) {
  std::string out = AsciiLower(s);
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

bool ParseIp(std::string_view s, int& family, unsigned char* out) {
  std::string str(s);
  if (inet_pton(AF_INET, str.c_str(), out) == 1) {
    family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, str.c_str(), out) == 1) {
    family = AF_INET6;
    return true;
  }
  return false;
}

std::string JoinHostPort(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

TlsProbeOptions BaseOptions(const TlsProbesConfig& config) {
  TlsProbeOptions o;
  o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout);
  o.connect_timeout = o.timeout;
  o.chain_details = false;
  return o;
}

}  // namespace

Result<TlsProbeOptions> ProbeOptionsFor(const TlsTargetConfig& t,
                                        std::chrono::milliseconds timeout) {
  auto id = ResolveTlsTargetIdentity(t);
  if (!id) return id.error();
  TlsProbeOptions o;
  o.timeout = timeout;
  o.connect_timeout = timeout;
  o.host = id->host;
  o.port = id->port;
  o.server_name = id->server_name;
  o.ca_file = t.ca_file;
  o.client_cert_file = t.client_cert_file;
  o.client_key_file = t.client_key_file;
  auto v = ParseTlsVersion(t.min_version);
  if (!v) return v.error().Wrap("min_version");
  o.min_version = *v;
  auto st = ParseStartTls(t.starttls);
  if (!st) return st.error().Wrap("starttls");
  o.starttls = *st;
  return o;
}

Result<AllowList> AllowList::Parse(const std::vector<std::string>& cidrs,
                                   const std::vector<std::string>& suffixes) {
  AllowList a;
  for (size_t i = 0; i < cidrs.size(); ++i) {
    const std::string& c = cidrs[i];
    std::string ctx = "tls_probes.allowed_cidrs[" + std::to_string(i) + "]";
    size_t slash = c.find('/');
    Net n;
    std::string ip = c.substr(0, slash);
    if (!ParseIp(ip, n.family, n.addr)) return Error{ctx + ": \"" + c + "\" is not a CIDR"};
    int max = n.family == AF_INET ? 32 : 128;
    if (slash == std::string::npos) {
      n.prefix = max;
    } else {
      std::string p = c.substr(slash + 1);
      if (p.empty() || p.size() > 3 || !std::all_of(p.begin(), p.end(), ::isdigit)) {
        return Error{ctx + ": \"" + c + "\" has no valid prefix length"};
      }
      n.prefix = std::stoi(p);
      if (n.prefix > max) return Error{ctx + ": prefix length above " + std::to_string(max)};
    }
    a.nets_.push_back(n);
  }
  for (const auto& s : suffixes) {
    std::string l = CanonicalHostName(s);
    while (!l.empty() && l.front() == '.') l.erase(0, 1);
    if (!l.empty()) a.suffixes_.push_back(l);
  }
  return a;
}

bool AllowList::IpAllowed(std::string_view ip) const {
  int family = 0;
  unsigned char addr[16] = {};
  if (!ParseIp(ip, family, addr)) return false;
  for (const Net& n : nets_) {
    if (n.family != family) continue;
    int full = n.prefix / 8, rest = n.prefix % 8;
    if (std::memcmp(addr, n.addr, static_cast<size_t>(full)) != 0) continue;
    if (rest) {
      unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
      if ((addr[full] & mask) != (n.addr[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

bool AllowList::NameAllowed(std::string_view name) const {
  std::string l = CanonicalHostName(name);
  if (l.empty()) return false;
  for (const auto& s : suffixes_) {
    if (l == s) return true;
    if (l.size() > s.size() && l.compare(l.size() - s.size(), s.size(), s) == 0 &&
        l[l.size() - s.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

bool AllowList::Allows(std::string_view address, std::string_view tls_host) const {
  int family = 0;
  unsigned char buf[16];
  if (ParseIp(address, family, buf)) {
    if (IpAllowed(address)) return true;
  } else if (NameAllowed(address)) {
    return true;
  }
  return NameAllowed(tls_host);
}

Result<std::vector<TlsTarget>> StaticTargets(const TlsProbesConfig& config,
                                             const StateData* state) {
  std::vector<TlsTarget> out;
  for (size_t i = 0; i < config.targets.size(); ++i) {
    const TlsTargetConfig& t = config.targets[i];
    std::string ctx = "tls_probes.targets[" + std::to_string(i) + "]";
    auto options = ProbeOptionsFor(t, BaseOptions(config).timeout);
    // The error starts with the field: "tls_probes.targets[2].address: bad address ...".
    if (!options) return Error{ctx + "." + options.error().message};
    TlsTarget target;
    target.target = t.address;
    target.source = "static";
    target.options = std::move(*options);
    target.options.chain_details = false;
    target.certificate = t.certificate;
    if (state && !t.certificate.empty()) {
      auto it = state->certificates.find(t.certificate);
      if (it != state->certificates.end() && !it->second.secret_name.empty()) {
        target.secret = it->second.ns + "/" + it->second.secret_name;
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
    if (!c.secret_name.empty()) cert_by_secret.emplace(c.ns + "/" + c.secret_name, key);
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
          t.target = JoinHostPort(addr, ingress_port);
          t.source = "ingress:" + ing.ns + "/" + ing.name;
          t.options = BaseOptions(config);
          t.options.host = addr;
          t.options.port = static_cast<uint16_t>(ingress_port);
          t.options.server_name = host;
          if (!tls.secret_name.empty()) {
            t.secret = ing.ns + "/" + tls.secret_name;
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
