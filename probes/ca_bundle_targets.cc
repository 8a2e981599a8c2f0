#include "probes/ca_bundle_targets.h"

#include "config/address.h"

namespace certwatch {

std::vector<TlsTarget> CaBundleTargets(const CaBundleResolution& r,
                                       std::chrono::milliseconds timeout) {
  std::vector<TlsTarget> out;
  if (!r.entry->error.empty()) return out;
  for (const auto& e : r.endpoints) {
    TlsTarget t;
    t.target = HostPort{e.host, static_cast<uint16_t>(e.port)}.ToString();
    t.source = r.source;
    t.options.host = e.host;
    t.options.port = static_cast<uint16_t>(e.port);
    t.options.server_name = r.server_name;
    t.options.ca_pem = r.entry->pem;
    t.options.timeout = t.options.connect_timeout = timeout;
    t.options.chain_details = false;
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<TlsTarget> CaBundleTargets(const StateData& state, std::chrono::milliseconds timeout) {
  std::vector<TlsTarget> out;
  for (const auto& r : ResolveCaBundles(state)) {
    for (auto& t : CaBundleTargets(r, timeout)) out.push_back(std::move(t));
  }
  return out;
}

std::string CaBundleJobKey(const TlsTarget& target) { return target.source + "|" + target.Key(); }

std::set<std::string> CaBundleResultKeys(const std::set<std::string>& job_keys) {
  std::set<std::string> out;
  for (const auto& k : job_keys) {
    // "ca_bundle:<kind>/<name>/<webhook>|target|server_name": names hold no '|'.
    if (!k.starts_with(kCaBundleSourcePrefix)) continue;
    const size_t bar = k.find('|');
    if (bar != std::string::npos) out.insert(k.substr(bar + 1));
  }
  return out;
}

bool IsCaBundleTarget(const TlsTarget& target) {
  return target.source.starts_with(kCaBundleSourcePrefix);
}

CaBundleProbeState CaBundleProbeOf(const TlsTarget& target, const TlsProbeResult& r) {
  CaBundleProbeState p;
  p.source = target.source;
  p.target = target.target;
  p.server_name = target.options.server_name;
  p.success = r.success;
  p.verified = r.verified;
  p.verify_reason = r.verify_reason;
  p.error = r.error;
  if (r.leaf) p.leaf_issuer = r.leaf->issuer;
  return p;
}

}  // namespace certwatch
