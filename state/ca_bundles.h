// The caBundles the API server trusts (kubernetes.ca_bundles): one entry per webhook of a
// Validating/MutatingWebhookConfiguration, per APIService and per CRD conversion webhook, with
// the Services and EndpointSlices that say where such a webhook is served. Only what the
// caBundle check uses is kept: a CRD's schema never is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/x509.h"
#include "state/verify_reason.h"

namespace certwatch {

// Where the API server calls a webhook: a Service (port default 443) or a url.
struct WebhookClientConfig {
  std::string service_namespace, service_name, path;
  int port = 443;
  std::string url;  // set instead of the service
};

struct CaBundleEntry {
  std::string webhook;  // webhooks[].name; "" for an APIService or a CRD
  // The caBundle as PEM (public CA certificates): the only trust anchors of the served-chain
  // check. "" when the object sets none (the API server then uses the system roots).
  std::string pem;
  std::vector<CertFacts> cas;  // each certificate of `pem`
  std::string error;           // why the caBundle is not base64 of PEM certificates; "" = fine
  WebhookClientConfig client;
};

// A ValidatingWebhookConfiguration, MutatingWebhookConfiguration, APIService or
// CustomResourceDefinition (cluster-scoped: `ns` stays "").
struct CaBundleObjectState {
  std::string ns, name;
  std::string kind;
  std::vector<CaBundleEntry> entries;  // a CRD without a Webhook conversion has none
};

struct ServicePortState {
  std::string name;
  int port = 0;
  int target_port = 0;           // numeric targetPort; 0 when named (or unset: then = port)
  std::string target_port_name;  // named targetPort
};

struct ServiceState {
  std::string ns, name;
  std::vector<ServicePortState> ports;
};

struct EndpointPortState {
  std::string name;
  int port = 0;
};

// An EndpointSlice: its Service (label kubernetes.io/service-name), the addresses of its ready
// endpoints and its ports.
struct EndpointSliceState {
  std::string ns, name;
  std::string service;
  std::vector<std::string> addresses;
  std::vector<EndpointPortState> ports;
};

inline constexpr std::string_view kCaBundleSourcePrefix = "ca_bundle:";

// The TLS probe source of an entry's targets: "ca_bundle:<kind>/<name>/<webhook>".
std::string CaBundleProbeSource(std::string_view kind, std::string_view name,
                                std::string_view webhook);

// What a probe of an entry's endpoint found, per probe job (TlsScheduler writes it beside
// the TLS result, which another caBundle on the same endpoint may share).
struct CaBundleProbeState {
  std::string source;  // CaBundleProbeSource
  std::string target;  // host:port probed
  std::string server_name;
  bool success = false;  // the handshake completed
  bool verified = false;
  std::optional<VerifyReason> verify_reason;
  std::string error;
  std::string leaf_issuer;  // RFC 2253 issuer of the served leaf, "" without one
};

}  // namespace certwatch
