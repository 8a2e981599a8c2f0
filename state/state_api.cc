#include "state/state_api.h"

#include <nlohmann/json.hpp>
#include <optional>

// std::optional <-> null, for every optional field of the state.
namespace nlohmann {
template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) {
    if (v) {
      j = *v;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null()) {
      v.reset();
    } else {
      v = j.get<T>();
    }
  }
};
// A verify reason is its spelling, "" when absent (never null: the document has always had a
// string there). A spelling of another version reads as absent.
template <>
struct adl_serializer<std::optional<certwatch::VerifyReason>> {
  static void to_json(json& j, const std::optional<certwatch::VerifyReason>& v) {
    j = std::string(certwatch::ToString(v));
  }
  static void from_json(const json& j, std::optional<certwatch::VerifyReason>& v) {
    v = j.is_string() ? certwatch::ParseVerifyReason(j.get<std::string>()) : std::nullopt;
  }
};
}  // namespace nlohmann

namespace certwatch {

// FailureReason by its one spelling (state.h); an unknown string reads as "unknown".
void to_json(nlohmann::json& j, const FailureReason& r) { j = std::string(ToString(r)); }
void from_json(const nlohmann::json& j, FailureReason& r) {
  r = j.is_string() ? ParseFailureReason(j.get<std::string>()) : FailureReason::kUnknown;
}

// One row per struct: every field, by its C++ name. Missing keys decode to the default.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(IssuerRef, name, kind, group)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Condition, status, reason, message, last_transition,
                                                observed_generation)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CertificateState, ns, name, issuer, secret_name,
                                                dns_names, owner_ingress, generation, not_before,
                                                not_after, renewal_time, ready, issuing,
                                                failed_issuance_attempts, last_failure_time,
                                                revision, acme_rate_limited, failure,
                                                failure_message, labels, certwatch_annotations)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CertificateRequestState, ns, name, certificate,
                                                revision, issuer, ready, approved, denied, created,
                                                failure_time)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OrderState, ns, name, request, issuer, state,
                                                reason, dns_names, created, failure_time,
                                                rate_limited)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ChallengeState, ns, name, order, issuer, type,
                                                dns_name, wildcard, key, presented, processing,
                                                state, reason, created)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(IssuerState, ns, name, kind, ready, acme_server,
                                                acme_email)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(IngressTls, hosts, secret_name)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(IngressState, ns, name, cluster_issuer_annotation,
                                                issuer_annotation, tls, addresses,
                                                certwatch_annotations)

// Certificate facts are written flat into the object of the struct that holds them, with the
// keys that struct's document has always had: a Secret has no issuer, a file no fingerprint
// or names, and no one is_ca or self_signed. Each row below lists the keys once, for writing
// and for reading (a missing key reads as the default, as with the macro rows).
namespace {

template <typename Secret, typename Visit>  // Secret: SecretCertState, const or not
void SecretFields(Secret& s, Visit&& field) {
  field("ns", s.ns);
  field("name", s.name);
  field("serial", s.facts.serial);
  field("fingerprint_sha256", s.facts.fingerprint_sha256);
  field("subject", s.facts.subject);
  field("dns_names", s.facts.dns_names);
  field("not_before", s.facts.not_before);
  field("not_after", s.facts.not_after);
  field("error", s.error);
}

template <typename File, typename Visit>
void FileFields(File& f, Visit&& field) {
  field("path", f.path);
  field("subject", f.facts.subject);
  field("issuer", f.facts.issuer);
  field("serial", f.facts.serial);
  field("where", f.where);
  field("not_before", f.facts.not_before);
  field("not_after", f.facts.not_after);
}

// A served leaf (TlsProbeResult::leaf).
template <typename Facts, typename Visit>
void LeafFields(Facts& f, Visit&& field) {
  field("subject", f.subject);
  field("issuer", f.issuer);
  field("serial", f.serial);
  field("fingerprint_sha256", f.fingerprint_sha256);
  field("dns_names", f.dns_names);
  field("not_before", f.not_before);
  field("not_after", f.not_after);
}

auto Writer(nlohmann::json& j) {
  return [&j](const char* key, const auto& value) { j[key] = value; };
}

// j.value() as the macro rows use it: the default for a missing key, a type_error for a
// document that is not an object.
auto Reader(const nlohmann::json& j) {
  return [&j](const char* key, auto& value) { value = j.value(key, value); };
}

}  // namespace

void to_json(nlohmann::json& j, const SecretCertState& s) { SecretFields(s, Writer(j)); }
void from_json(const nlohmann::json& j, SecretCertState& s) { SecretFields(s, Reader(j)); }
void to_json(nlohmann::json& j, const FileCertState& f) { FileFields(f, Writer(j)); }
void from_json(const nlohmann::json& j, FileCertState& f) { FileFields(f, Reader(j)); }
void to_json(nlohmann::json& j, const CertFacts& f) { LeafFields(f, Writer(j)); }
void from_json(const nlohmann::json& j, CertFacts& f) { LeafFields(f, Reader(j)); }

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FileError, path, error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TlsProbeResult, target, server_name, source,
                                                certificate, secret, success, error,
                                                duration_seconds, tls_version, cipher, leaf,
                                                chain_earliest_not_after, chain_length, verified,
                                                verify_reason, ocsp_status, last_probe,
                                                matches_stored, mismatch_since)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DnsProbeResult, resolver, name, type, success,
                                                rcode, error, duration_seconds, answers, min_ttl,
                                                last_probe, answer_count, address)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DnsConsistency, name, type, consistent,
                                                inconsistent_since)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DnsChallengeResult, ns, challenge, domain, resolver,
                                                query_name, propagated, last_probe, rcode, error,
                                                values, presented_since)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CaaResult, ns, certificate, domain, issuer,
                                                ca_domain, record_domain, allowed, last_probe,
                                                wildcard, reason, records)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SourceStatus, up, synced, last_sync, last_error,
                                                errors_total)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RateLimitBudget, registered_domain, issued_last_7d,
                                                renewals_next_7d, limit)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RenewerActionRecord, action, result, at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ConfigReloadState, last_successful, last_success,
                                                failures_total, last_error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StateData, certificates, requests, orders,
                                                challenges, issuers, ingresses, secrets, files,
                                                file_errors, tls, dns, dns_consistency,
                                                dns_challenges, caa, sources, budgets,
                                                renewer_last_action, acme_rate_limit_errors,
                                                clock_skew_seconds, config_reload)

std::vector<std::string> NotSynced(const StateData& data,
                                   const std::vector<std::string>& required) {
  std::vector<std::string> out;
  for (const auto& name : required) {
    auto it = data.sources.find(name);
    if (it == data.sources.end() || !it->second.synced) out.push_back(name);
  }
  return out;
}

std::string StateToJson(const StateData& data, const std::vector<std::string>& required_sources,
                        UnixSeconds now, int indent) {
  nlohmann::json j = data;
  auto waiting = NotSynced(data, required_sources);
  j["synced"] = waiting.empty();
  j["not_synced"] = waiting;
  j["generated_at"] = now;
  j["version"] = CERTWATCH_VERSION;
  // Label values come from untrusted objects and files: invalid UTF-8 is replaced, not fatal.
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<StateDocument> ParseStateJson(std::string_view json) {
  try {
    nlohmann::json j = nlohmann::json::parse(json);
    if (!j.is_object()) return Error{"state document: not a JSON object"};
    StateDocument doc;
    doc.data = j.get<StateData>();
    doc.synced = j.value("synced", false);
    doc.not_synced = j.value("not_synced", std::vector<std::string>{});
    doc.generated_at = j.value("generated_at", UnixSeconds{0});
    doc.version = j.value("version", std::string{});
    return doc;
  } catch (const nlohmann::json::exception& e) {
    return Error{std::string("state document: ") + e.what()};
  }
}

}  // namespace certwatch
