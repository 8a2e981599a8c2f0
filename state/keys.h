// The keys of the StateData maps (state.h), built and taken apart only here. They stay plain
// strings: they are the object keys of the state API document (state_api.h), which the
// renewer reads back, and every map's order (metric series, landing page rows) follows them,
// so each format below is part of that document and must not change.
//
// The separators are characters the parts cannot hold: a Kubernetes name or namespace has no
// '/' nor '|', a host:port or DNS name no '|'. (File paths can hold '#': see FileKeyPrefix.)
// `sources` alone is keyed by a plain name, the source's own ("kubernetes", "files", ...).
#pragma once

#include <string>
#include <string_view>

#include "state/state.h"

namespace certwatch {

// --- Kubernetes objects ---------------------------------------------------------------------

// certificates, requests, orders, challenges, ingresses, secrets, renewer_events, and
// renewer_last_action (by its Certificate): "ns/name"; a cluster-scoped object ("" namespace):
// "name". Also the "namespace/name" references between state entries (TlsProbeResult's
// certificate and secret, RenewerEventState::certificate) and the shard key of a namespaced
// object, so that an object and what refers to it land on one replica.
std::string ObjectKey(std::string_view ns, std::string_view name);

struct ObjectKeyParts {
  std::string_view ns;  // "" for a cluster-scoped key
  std::string_view name;
};
// The inverse of ObjectKey: the namespace ends at the first '/' (it cannot hold one); a key
// without '/' is cluster-scoped. The parts point into `key`.
ObjectKeyParts SplitObjectKey(std::string_view key);

// "ns/": the keys of namespace `ns`'s objects are one contiguous range of a map (PrefixRange),
// so a lookup per namespace does not scan the whole cluster.
std::string NamespaceKeyPrefix(std::string_view ns);

// The entries of `map` whose key starts with `prefix`, as a range (iterate it, or erase it
// with map.erase(r.begin(), r.end())). Keys sort by their prefix first, so they are adjacent.
// (A plain iterator pair, not std::ranges::subrange: clang 14 cannot check libstdc++ 12's
// range concepts, and the sanitizer build uses it.)
template <typename Iterator>
struct KeyRange {
  Iterator first, last;
  Iterator begin() const { return first; }
  Iterator end() const { return last; }
  bool empty() const { return first == last; }
};

template <typename Map>
auto PrefixRange(Map& map, const std::string& prefix) {
  auto from = map.lower_bound(prefix);
  auto to = from;
  while (to != map.end() && std::string_view(to->first).starts_with(prefix)) ++to;
  return KeyRange<decltype(from)>{from, to};
}

// --- Issuers --------------------------------------------------------------------------------

inline constexpr std::string_view kIssuerKind = "Issuer";
inline constexpr std::string_view kClusterIssuerKind = "ClusterIssuer";

// issuers: kind + "/" + ObjectKey(ns, name): "Issuer/ns/name", "ClusterIssuer/name". The kind
// comes first because an Issuer and a ClusterIssuer may share a name.
std::string IssuerKey(std::string_view kind, std::string_view ns, std::string_view name);
// The issuer that `ref`, on an object in namespace `ns`, names: a ClusterIssuer ignores the
// namespace; any other kind is looked up as an Issuer of that namespace (cert-manager's default
// kind). The group is not part of the key: callers that care check it.
std::string IssuerKey(const IssuerRef& ref, std::string_view ns);

// --- Files ----------------------------------------------------------------------------------

// files: "path#index", the index-th certificate (from 0) in the file at `path`.
std::string FileKey(std::string_view path, int index);
// "path#": the certificates of one file, a PrefixRange. A path may itself hold '#', so the
// range of "/a" also holds those of a file named "/a#0" (a key format kept as it is).
std::string FileKeyPrefix(std::string_view path);
// file_errors: the path itself.
std::string FileErrorKey(std::string_view path);

// --- Probes ---------------------------------------------------------------------------------

// tls: "target|server_name" (target as configured or discovered, host:port).
std::string TlsResultKey(std::string_view target, std::string_view server_name);
// dns: "resolver|name|type".
std::string DnsResultKey(std::string_view resolver, std::string_view name, std::string_view type);
// dns_consistency: "name|type".
std::string DnsConsistencyKey(std::string_view name, std::string_view type);
// dns_challenges: "ns/challenge|resolver", one row per resolver asked for the challenge.
std::string ChallengeResultKey(std::string_view ns, std::string_view challenge,
                               std::string_view resolver);
// "ns/challenge|": the rows of one challenge, a PrefixRange.
std::string ChallengeResultKeyPrefix(std::string_view ns, std::string_view challenge);
// caa: "ns/certificate|domain", one row per DNS name of the certificate.
std::string CaaKey(std::string_view ns, std::string_view certificate, std::string_view domain);

// --- ACME rate limits -----------------------------------------------------------------------

// acme_rate_limit_errors: "issuer_kind/issuer_name" (neither the group nor the namespace of an
// Issuer is part of it: the metric has only these two labels).
std::string RateLimitErrorKey(const IssuerRef& issuer);

struct RateLimitErrorKeyParts {
  std::string_view kind;  // "" for a key without '/'
  std::string_view name;
};
// The inverse of RateLimitErrorKey: the kind ends at the first '/' (a kind has none). The
// parts point into `key`.
RateLimitErrorKeyParts SplitRateLimitErrorKey(std::string_view key);

// acme_rate_limited_orders: "ns/name@creationTimestamp", so that a re-created Order of the
// same name counts again and a re-sent one does not.
std::string RateLimitedOrderKey(std::string_view ns, std::string_view name, UnixSeconds created);

// budgets: the registered domain itself.
std::string BudgetKey(std::string_view registered_domain);

// ca_bundles: "kind/name" (cluster-scoped objects of four kinds); also their shard key.
std::string CaBundleKey(std::string_view kind, std::string_view name);

}  // namespace certwatch
