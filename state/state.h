// The joined state store: sources (Kubernetes, files, TLS and DNS probers) write it; the
// metric collectors, the state API and the landing page read it. Only the fields certwatch
// uses are kept, never whole objects, never private key bytes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/compact_text.h"
#include "common/optional_time.h"
#include "common/rw_mutex.h"
#include "common/string_list.h"
#include "common/string_pairs.h"
#include "common/symbol.h"
#include "common/x509.h"
#include "state/ca_bundles.h"
#include "state/configmaps.h"
#include "state/csrs.h"
#include "state/nodes.h"
#include "state/verify_reason.h"
#include "state/versioned_map.h"

namespace certwatch {

// Unix seconds; 0 = unknown where a field is not optional.
using UnixSeconds = int64_t;

// Symbols (common/symbol.h): the same few issuers are named by every Certificate.
struct IssuerRef {
  Symbol name;
  Symbol kind = "Issuer";
  Symbol group = "cert-manager.io";
  bool operator==(const IssuerRef&) const = default;
};

// A Kubernetes condition, trimmed.
struct Condition {
  Symbol status;        // "True", "False", "Unknown"; "" = condition absent
  Symbol reason;        // CamelCase vocabulary of the controller
  CompactText message;  // kept only while it explains a failure (exporter/kube/decode_fields.h)
  UnixSeconds last_transition = 0;
  int64_t observed_generation = 0;
};

// Why a certificate is unhealthy, most specific first. The string forms are label values,
// state-API values and renewer reasons: keep them stable.
enum class FailureReason {
  kNone,
  kRateLimited,          // ACME 429 / urn:ietf:params:acme:error:rateLimited
  kChallengePending,     // DNS-01/HTTP-01 challenge presented, not yet valid
  kDnsNotPropagated,     // challenge TXT missing on some resolver
  kChallengeFailed,      // challenge invalid / errored
  kOrderFailed,          // order invalid / errored (not rate-limited)
  kIssuerNotReady,       // Issuer / ClusterIssuer Ready != True (or missing)
  kRequestDenied,        // CertificateRequest Denied
  kRequestFailed,        // CertificateRequest Ready=False reason Failed
  kCaaForbidden,         // CAA forbids the issuer's CA
  kEndpointStale,        // an endpoint serves another certificate than the Secret's
  kEndpointUnreachable,  // `status certificate`: an endpoint of the certificate fails the handshake
  kSecretMissing,        // `status certificate`: the Secret is gone after an issuance
  kRenewalOverdue,       // past renewalTime and not issuing successfully
  kExpired,              // notAfter in the past
  kNotReady,             // Ready=False for another reason
  kUnknown,              // no status yet, or no Ready condition (stays last: ParseFailureReason)
};
// The label value (certwatch_certificate_failure_reason{reason}), the state API's string and
// the JSON form of `status certificate`: one spelling per value.
std::string_view ToString(FailureReason r);
// The value whose ToString is `s`; kUnknown for any other string.
FailureReason ParseFailureReason(std::string_view s);

struct CertificateState {
  Symbol ns;  // namespaces repeat across objects
  std::string name;
  IssuerRef issuer;
  std::string secret_name;
  StringList dns_names;  // one heap block for all of them
  Symbol owner_ingress;  // ingress-shim: name of the owning Ingress (same namespace)
  int64_t generation = 0;
  OptionalSeconds not_before, not_after, renewal_time;  // 8 bytes each
  Condition ready;
  Condition issuing;
  OptionalSeconds last_failure_time;
  // The small fields side by side: apart, their padding cost 8 bytes of every Certificate.
  int failed_issuance_attempts = 0;
  int revision = 0;
  // Derived by the Kubernetes source's join (exporter/kube/classify.*).
  FailureReason failure = FailureReason::kNone;
  bool acme_rate_limited = false;
  CompactText failure_message;
  // For the renewer: metadata.labels (its label selector) and the annotations under the
  // certwatch.io/ prefix only (its issuer-fallback bookkeeping, e.g. certwatch.io/fallback-from).
  StringPairs labels;
  SparsePairs certwatch_annotations;
};

struct CertificateRequestState {
  Symbol ns;  // namespaces repeat across objects
  std::string name;
  std::string certificate;  // owning Certificate name (same namespace)
  int revision = 0;         // cert-manager.io/certificate-revision annotation
  IssuerRef issuer;
  Condition ready;
  Condition approved;
  Condition denied;
  UnixSeconds created = 0;
  std::optional<UnixSeconds> failure_time;
};

struct OrderState {
  Symbol ns;  // namespaces repeat across objects
  std::string name;
  std::string request;  // owning CertificateRequest name
  IssuerRef issuer;
  std::string state;  // pending, ready, valid, invalid, errored, ""
  std::string reason;
  std::vector<std::string> dns_names;
  UnixSeconds created = 0;
  std::optional<UnixSeconds> failure_time;
  bool rate_limited = false;
};

struct ChallengeState {
  Symbol ns;  // namespaces repeat across objects
  std::string name;
  std::string order;  // owning Order name
  IssuerRef issuer;
  std::string type;      // "DNS-01", "HTTP-01"
  std::string dns_name;  // the identifier, without "*."
  bool wildcard = false;
  std::string key;  // expected TXT value for DNS-01
  bool presented = false;
  bool processing = false;
  std::string state;  // pending, valid, invalid, ...
  std::string reason;
  UnixSeconds created = 0;
};

struct IssuerState {
  std::string ns;  // "" for ClusterIssuer
  std::string name;
  std::string kind;  // "Issuer" or "ClusterIssuer"
  Condition ready;
  std::string acme_server;  // spec.acme.server, "" for non-ACME issuers
  std::string acme_email;
};

struct IngressTls {
  std::vector<std::string> hosts;
  std::string secret_name;
};

struct IngressState {
  std::string ns, name;
  std::string cluster_issuer_annotation;  // cert-manager.io/cluster-issuer
  std::string issuer_annotation;          // cert-manager.io/issuer
  std::vector<IngressTls> tls;
  std::vector<std::string> addresses;  // status.loadBalancer.ingress ip or hostname
  SparsePairs certwatch_annotations;   // certwatch.io/* only (renewer)
};

// One certificate of a keystore in a Secret (keystore.p12, truststore.jks, ...).
struct KeystoreCertState {
  std::string key;    // the Secret's data key
  std::string alias;  // JKS alias / PKCS#12 friendlyName, "" without one
  CertFacts facts;
};

// A keystore in a Secret that cannot be read whole (certwatch_keystore_error).
struct KeystoreErrorState {
  std::string key;
  std::string reason;  // keystore::Reason's label value: wrong_password, corrupt, ...
  std::string error;   // for logs and the state API; never the password
};

// The certificate in a kubernetes.io/tls Secret: the facts of the first one in tls.crt (tls.key
// is never read), and the certificates of the keystores cert-manager writes beside it, parsed
// when the Secret is decoded (neither their bytes nor their password are kept).
struct SecretCertState {
  std::string ns, name;
  CertFacts facts;    // empty while `error` is set
  std::string error;  // parse error of tls.crt, "" when parsed
  uint8_t weak = 0;   // WeakReason bits of every certificate in tls.crt (a root's key only)
  // DER of the leaf's issuer when tls.crt (its chain) or ca.crt holds it: the key a CRL of
  // that issuer is verified with. Not in the state API.
  std::shared_ptr<const std::string> issuer_der;
  std::string certificate;  // annotation cert-manager.io/certificate-name, "" without one
  std::vector<KeystoreCertState> keystore_certs;
  std::vector<KeystoreErrorState> keystore_errors;
};

// One certificate of a file (a PEM bundle holds several; a kubeconfig one per user/cluster).
struct FileCertState {
  std::string path;
  std::string where;  // "" for a plain file; "user:<name>" / "cluster:<name>" in a kubeconfig
  CertFacts facts;
  bool keystore = false;  // read from a PKCS#12 / JKS keystore: `alias` is a label
  std::string alias{};    // the keystore's alias (JKS) or friendlyName (PKCS#12), or ""
};

struct FileError {
  std::string path, error;
  std::string reason{};  // keystores: wrong_password, corrupt, ... (keystore::Reason); else ""
};

// A TLS endpoint an Ingress names that is not probed, and why
// (certwatch_tls_discovered_target_skipped).
struct SkippedTlsTarget {
  std::string ns, ingress;
  std::string target;  // "<tls host>@<address:port>", or the tls host alone without an address
  std::string reason;  // wildcard_host, no_address, not_covered, not_allowed
};

// What a skip reason means and which key changes it (logs and the landing page).
std::string_view SkippedTargetExplanation(std::string_view reason);

struct TlsProbeResult {
  std::string target;       // host:port as configured / discovered
  std::string server_name;  // SNI
  std::string source;       // "static" or "ingress:<ns>/<name>"
  std::string certificate;  // "namespace/name" of the Certificate it should serve, or ""
  std::string secret;       // "namespace/name" of the Secret it should serve, or ""
  bool success = false;
  std::string error;
  double duration_seconds = 0;
  std::string tls_version, cipher;
  std::optional<CertFacts> leaf;  // the served leaf, when the server sent one
  std::optional<UnixSeconds> chain_earliest_not_after;
  uint8_t weak = 0;  // WeakReason bits of the served chain: leaf and intermediates (a root's key)
  int chain_length = 0;
  bool verified = false;
  std::optional<VerifyReason> verify_reason;  // empty: not probed, or no verification ran
  std::string ocsp_status;                    // "", good, revoked, unknown
  // DER of the leaf's issuer as the server sent it (or as verification found it), shared by
  // every result with that issuer: the key a CRL of that issuer is verified with. Not in the
  // state API.
  std::shared_ptr<const std::string> issuer_der;
  UnixSeconds last_probe = 0;
  // Served-vs-stored drift (only when `certificate` or `secret` is set).
  std::optional<bool> matches_stored;
  UnixSeconds mismatch_since = 0;
  // The client certificate certwatch presents to this target (mTLS), as its TLS context
  // loaded it from client_cert_file.
  std::string client_cert_file;
  std::optional<UnixSeconds> client_cert_not_after;
};

// One CRL, as the revocation source last read it (revocation/crl_source.h). A CRL is used
// for a certificate only while verify_status is "ok" and now < next_update.
struct CrlState {
  std::string source;          // the configured path (one file of a glob) or URL, or a CDP URL
  std::string origin;          // "path", "url", "distribution_point"
  bool fetch_success = false;  // the last read or fetch returned a parseable CRL
  std::string error;           // why the last read, fetch or parse failed
  UnixSeconds last_fetch = 0;  // last attempt
  uint64_t fetch_failures_total = 0;
  // Of the CRL in use (the last one that parsed; kept when a later fetch fails).
  std::string issuer;  // RFC 2253, as CertFacts::issuer
  std::optional<UnixSeconds> this_update, next_update;
  // "ok" (its signature verifies with a held certificate of that issuer name and key id),
  // "issuer_not_found" (no such certificate is held), "bad_signature"; "" before one parsed.
  std::string verify_status;
  uint64_t verify_failures_total = 0;  // CRLs read whose signature did not verify
  std::string issuer_key_id;  // subjectKeyIdentifier (hex) of the certificate that verified it
  std::shared_ptr<const std::vector<std::string>> revoked;  // serials as CertFacts::serial, sorted
};

struct DnsProbeResult {
  std::string resolver;  // host:port, or "auth:<ns-name>" for authoritative servers
  std::string name, type;
  bool success = false;
  std::string rcode;  // NOERROR, NXDOMAIN, SERVFAIL, REFUSED, TIMEOUT, ...
  std::string error;
  double duration_seconds = 0;
  std::vector<std::string> answers;  // normalised, sorted
  uint32_t min_ttl = 0;
  UnixSeconds last_probe = 0;
  int answer_count = 0;  // answer-section RRs (CNAMEs included)
  std::string address;   // IP:port asked (differs from `resolver` for "auth:" servers)
};

struct DnsConsistency {
  std::string name, type;
  bool consistent = true;
  UnixSeconds inconsistent_since = 0;
};

struct DnsChallengeResult {
  std::string ns, challenge, domain, resolver;
  std::string query_name;  // _acme-challenge.<domain>, after CNAME delegation
  bool propagated = false;
  UnixSeconds last_probe = 0;
  std::string rcode, error;         // of the TXT query ("" error when answered)
  std::vector<std::string> values;  // TXT values seen (ACME keys are public digests)
  UnixSeconds presented_since = 0;  // first seen presented (creation time at start-up)
};

struct CaaResult {
  std::string ns, certificate, domain;
  IssuerRef issuer;
  std::string ca_domain;
  std::string record_domain;  // where the closest CAA set was found; "" = none anywhere
  bool allowed = true;
  UnixSeconds last_probe = 0;
  bool wildcard = false;
  std::string reason;                // the RFC 8659 rule that decided, or the lookup error
  std::vector<std::string> records;  // the relevant CAA RRset, presentation form
};

struct SourceStatus {
  bool up = false;
  bool synced = false;
  UnixSeconds last_sync = 0;  // last moment the source was known current
  std::string last_error;
  uint64_t errors_total = 0;
};

// ACME Let's-Encrypt-style budget per registered domain (libpsl).
struct RateLimitBudget {
  std::string registered_domain;
  int issued_last_7d = 0;
  int renewals_next_7d = 0;
  int limit = 50;
};

struct RenewerActionRecord {
  std::string action, result;
  UnixSeconds at = 0;
};

// An Event the renewer recorded about one of its actions (kubernetes.renewer_events). Each
// one updates renewer_last_action of its certificate, so a new renewer leader (or a restarted
// one) sees what its predecessor did and keeps the cooldown.
struct RenewerEventState {
  std::string ns, name;
  std::string certificate;  // "ns/name", annotation certwatch.io/certificate
  RenewerActionRecord record;
};

// Config reloads of `certwatch serve` (SIGHUP, POST /-/reload): the old config stays in force
// when a new one is invalid.
struct ConfigReloadState {
  bool last_successful = true;
  UnixSeconds last_success = 0;  // start counts as the first successful load
  uint64_t failures_total = 0;
  std::string last_error;
};

struct StateData {
  // Every key is built (and taken apart) by state/keys.h only, which documents the formats:
  // "namespace/name" (cluster-scoped: "name"); TLS results keyed by "target|server_name"; DNS
  // by "resolver|name|type".
  // Versioned: the certificates collector skips its change detection while the version
  // stays (state/versioned_map.h).
  VersionedMap<CertificateState> certificates;
  std::map<std::string, CertificateRequestState> requests;
  std::map<std::string, OrderState> orders;
  std::map<std::string, ChallengeState> challenges;
  std::map<std::string, IssuerState> issuers;  // "Issuer/ns/name", "ClusterIssuer/name"
  std::map<std::string, IngressState> ingresses;
  std::map<std::string, SecretCertState> secrets;
  std::map<std::string, FileCertState> files;    // "path#index"
  std::map<std::string, FileError> file_errors;  // path
  std::map<std::string, TlsProbeResult> tls;
  std::vector<SkippedTlsTarget> tls_skipped;  // of the last round, sorted
  std::map<std::string, DnsProbeResult> dns;
  std::map<std::string, DnsConsistency> dns_consistency;     // "name|type"
  std::map<std::string, DnsChallengeResult> dns_challenges;  // "ns/challenge|resolver"
  std::map<std::string, CaaResult> caa;                      // "ns/cert|domain"
  std::map<std::string, CrlState> crls;                      // source (path or URL)
  std::map<std::string, SourceStatus> sources;     // "kubernetes", "files", "tls_probes", ...
  std::map<std::string, RateLimitBudget> budgets;  // registered domain
  std::map<std::string, RenewerActionRecord> renewer_last_action;  // "ns/name"
  std::map<std::string, RenewerEventState> renewer_events;         // "ns/name" of the Event
  // kubernetes.configmaps by ObjectKey; kubernetes.bundles: Bundles by name and the
  // ConfigMaps trust-manager wrote for them (labelled trust.cert-manager.io/bundle) by
  // ObjectKey.
  std::map<std::string, ConfigMapCertsState> configmaps;
  std::map<std::string, BundleState> bundles;
  std::map<std::string, ConfigMapCertsState> bundle_targets;
  std::map<std::string, NodeState> nodes;  // name (kubernetes.kubelets)
  std::map<std::string, CsrState> csrs;    // name (kubernetes.csrs)
  // Distinct failed Orders seen rate-limited, per "issuer_kind/issuer_name" (a counter).
  std::map<std::string, uint64_t> acme_rate_limit_errors;
  // The Orders already counted there ("ns/name@creationTimestamp"), so a relist or a restarted
  // source (config reload) never counts one twice.
  std::set<std::string> acme_rate_limited_orders;
  std::optional<double> clock_skew_seconds;  // local - API server Date header
  // kubernetes.ca_bundles: CaBundleKey "kind/name"; Services and EndpointSlices by "ns/name";
  // the caBundle probes by "<source>|<target>|<server_name>" (state/ca_bundles.h).
  std::map<std::string, CaBundleObjectState> ca_bundles;
  std::map<std::string, ServiceState> services;
  std::map<std::string, EndpointSliceState> endpoint_slices;
  std::map<std::string, CaBundleProbeState> ca_bundle_probes;
  ConfigReloadState config_reload;
};

// A source's health in `d.sources[name]`: up (else errors_total counts one more error),
// synced, last_sync, last_error.
void SetSourceStatus(StateData& d, const std::string& name, bool up, bool synced, UnixSeconds now,
                     std::string error = "");

// Thread-safe owner of StateData. Writers hold an exclusive lock for the duration of one
// update (one object, or one batch), so a reader never sees a half-updated object.
class StateStore {
 public:
  template <typename F>
  auto Read(F&& f) const {
    std::shared_lock lock(mu_);
    return f(static_cast<const StateData&>(data_));
  }
  template <typename F>
  auto Update(F&& f) {
    std::unique_lock lock(mu_);
    ++generation_;
    return f(data_);
  }
  // Bumped on every Update; lets readers cache derived views.
  uint64_t generation() const {
    std::shared_lock lock(mu_);
    return generation_;
  }

  void SetSource(const std::string& name, bool up, bool synced, UnixSeconds now,
                 std::string error = "");

 private:
  // Writer-preferring: scrapes back to back must not keep the sources' updates out.
  mutable WriterPreferringSharedMutex mu_;
  StateData data_;
  uint64_t generation_ = 0;
};

}  // namespace certwatch
