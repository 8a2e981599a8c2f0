#include "state/ca_bundle_endpoints.h"

#include <charconv>

#include "state/keys.h"

namespace certwatch {
namespace {

// https://host[:port][/path] -> host, port (default 443); false when it is not such a url.
bool SplitUrl(std::string_view url, std::string& host, int& port) {
  if (!url.starts_with("https://")) return false;
  url.remove_prefix(8);
  url = url.substr(0, url.find_first_of("/?#"));
  port = 443;
  if (url.starts_with("[")) {
    const size_t close = url.find(']');
    if (close == std::string_view::npos) return false;
    host = std::string(url.substr(1, close - 1));
    url.remove_prefix(close + 1);
  } else {
    const size_t colon = url.rfind(':');
    host = std::string(url.substr(0, colon));
    url = colon == std::string_view::npos ? std::string_view() : url.substr(colon);
  }
  if (url.starts_with(":")) {
    url.remove_prefix(1);
    auto [end, ec] = std::from_chars(url.data(), url.data() + url.size(), port);
    if (ec != std::errc() || end != url.data() + url.size() || port < 1 || port > 65535) {
      return false;
    }
  } else if (!url.empty()) {
    return false;
  }
  return !host.empty();
}

void ResolveService(const StateData& state, CaBundleResolution& r) {
  const WebhookClientConfig& c = r.entry->client;
  const std::string key = ObjectKey(c.service_namespace, c.service_name);
  r.service = key + ":" + std::to_string(c.port);
  // What the API server sends (k8s.io/apiserver's webhook client: <service>.<namespace>.svc).
  r.server_name = c.service_name + "." + c.service_namespace + ".svc";
  auto svc = state.services.find(key);
  if (svc == state.services.end()) {
    r.problem = "Service " + key + " not found";
    return;
  }
  const ServicePortState* port = nullptr;
  for (const auto& p : svc->second.ports) {
    if (p.port == c.port) port = &p;
  }
  if (port == nullptr) {
    r.problem = "Service " + key + " has no port " + std::to_string(c.port);
    return;
  }
  for (const auto& [slice_key, slice] :
       PrefixRange(state.endpoint_slices, NamespaceKeyPrefix(c.service_namespace))) {
    if (slice.service != c.service_name) continue;
    // A slice names its ports as the Service does; a numeric targetPort is the port itself.
    int target_port = 0;
    for (const auto& p : slice.ports) {
      if (p.name == port->name && p.port > 0) target_port = p.port;
    }
    if (target_port == 0 && port->target_port_name.empty()) {
      target_port = port->target_port > 0 ? port->target_port : port->port;
    }
    if (target_port == 0) continue;
    for (const auto& address : slice.addresses) r.endpoints.push_back({address, target_port});
  }
  if (r.endpoints.empty()) r.problem = "Service " + key + " has no ready endpoint";
}

}  // namespace

std::vector<CaBundleResolution> ResolveCaBundles(const StateData& state) {
  std::vector<CaBundleResolution> out;
  for (const auto& [key, object] : state.ca_bundles) {
    for (const auto& entry : object.entries) {
      CaBundleResolution r;
      r.kind = object.kind;
      r.name = object.name;
      r.entry = &entry;
      r.source = CaBundleProbeSource(object.kind, object.name, entry.webhook);
      if (!entry.client.url.empty()) {
        r.service = entry.client.url;
        std::string host;
        int port = 0;
        if (SplitUrl(entry.client.url, host, port)) {
          r.server_name = host;
          r.endpoints.push_back({host, port});
        } else {
          r.problem = "url " + entry.client.url + " is not https://host[:port][/path]";
        }
      } else if (!entry.client.service_name.empty()) {
        ResolveService(state, r);
      } else {
        r.problem = "no service and no url in clientConfig";
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::optional<std::string_view> CaBundleVerdict(const StateData& s, const CaBundleResolution& r) {
  if (!r.entry->error.empty()) return "invalid_ca_bundle";
  if (r.endpoints.empty()) return "unreachable";
  bool probed = false;
  size_t worst = std::size(kCaBundleFailureReasons);
  for (const auto& [key, p] : PrefixRange(s.ca_bundle_probes, r.source + "|")) {
    probed = true;
    const std::string_view reason = CaBundleFailureReason(p);
    for (size_t i = 0; i < worst && !reason.empty(); ++i) {
      if (kCaBundleFailureReasons[i] == reason) worst = i;
    }
  }
  if (!probed) return std::nullopt;
  return worst == std::size(kCaBundleFailureReasons) ? std::string_view()
                                                     : kCaBundleFailureReasons[worst];
}

std::string_view CaBundleFailureReason(const CaBundleProbeState& p) {
  if (p.verified) return "";
  if (!p.success || !p.verify_reason) return "unreachable";
  switch (*p.verify_reason) {
    case VerifyReason::kOk:
      return "";
    case VerifyReason::kExpired:
    case VerifyReason::kNotYetValid:
      return "expired";
    case VerifyReason::kHostnameMismatch:
      return "hostname_mismatch";
    case VerifyReason::kNoCertificate:
    case VerifyReason::kHandshakeFailed:
    case VerifyReason::kStartTlsFailed:
    case VerifyReason::kConnectFailed:
    case VerifyReason::kResolveFailed:
    case VerifyReason::kTimeout:
    case VerifyReason::kConfigError:
      return "unreachable";
    default:
      // No path from the served chain to a CA of the caBundle (unknown issuer, self-signed,
      // missing intermediate, or a chain the API server refuses for another reason).
      return "stale_ca_bundle";
  }
}

}  // namespace certwatch
