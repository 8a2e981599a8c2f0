#include "state/keys.h"

#include <initializer_list>

namespace certwatch {
namespace {

// The parts glued together, with one allocation.
std::string Join(std::initializer_list<std::string_view> parts) {
  size_t size = 0;
  for (auto p : parts) size += p.size();
  std::string out;
  out.reserve(size);
  for (auto p : parts) out.append(p);
  return out;
}

}  // namespace

std::string ObjectKey(std::string_view ns, std::string_view name) {
  return ns.empty() ? std::string(name) : Join({ns, "/", name});
}

ObjectKeyParts SplitObjectKey(std::string_view key) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return {{}, key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

std::string NamespaceKeyPrefix(std::string_view ns) { return Join({ns, "/"}); }

std::string IssuerKey(std::string_view kind, std::string_view ns, std::string_view name) {
  return Join({kind, "/", ObjectKey(ns, name)});
}

std::string IssuerKey(const IssuerRef& ref, std::string_view ns) {
  if (ref.kind == kClusterIssuerKind) return IssuerKey(kClusterIssuerKind, "", ref.name);
  return IssuerKey(kIssuerKind, ns, ref.name);
}

std::string FileKey(std::string_view path, int index) {
  return Join({FileKeyPrefix(path), std::to_string(index)});
}

std::string FileKeyPrefix(std::string_view path) { return Join({path, "#"}); }

std::string FileErrorKey(std::string_view path) { return std::string(path); }

std::string TlsResultKey(std::string_view target, std::string_view server_name) {
  return Join({target, "|", server_name});
}

std::string DnsResultKey(std::string_view resolver, std::string_view name, std::string_view type) {
  return Join({resolver, "|", name, "|", type});
}

std::string DnsConsistencyKey(std::string_view name, std::string_view type) {
  return Join({name, "|", type});
}

std::string ChallengeResultKey(std::string_view ns, std::string_view challenge,
                               std::string_view resolver) {
  return Join({ChallengeResultKeyPrefix(ns, challenge), resolver});
}

std::string ChallengeResultKeyPrefix(std::string_view ns, std::string_view challenge) {
  return Join({ObjectKey(ns, challenge), "|"});
}

std::string CaaKey(std::string_view ns, std::string_view certificate, std::string_view domain) {
  return Join({ObjectKey(ns, certificate), "|", domain});
}

std::string RateLimitErrorKey(const IssuerRef& issuer) {
  return Join({issuer.kind, "/", issuer.name});
}

RateLimitErrorKeyParts SplitRateLimitErrorKey(std::string_view key) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return {{}, key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

std::string RateLimitedOrderKey(std::string_view ns, std::string_view name, UnixSeconds created) {
  return Join({ObjectKey(ns, name), "@", std::to_string(created)});
}

std::string BudgetKey(std::string_view registered_domain) { return std::string(registered_domain); }

std::string CaBundleKey(std::string_view kind, std::string_view name) {
  return std::string(kind) + "/" + std::string(name);
}

}  // namespace certwatch
