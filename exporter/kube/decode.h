// Decoders from Kubernetes API JSON (simdjson on-demand) into the trimmed state structs of
// state/state.h: only the fields certwatch uses are kept. A field of the wrong type or an
// unparseable timestamp leaves that field unset and is reported as a warning naming the
// object and field ("Certificate default/web: status.notAfter: not RFC 3339: \"x\""); the
// rest of the object is still kept.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "state/state.h"

namespace certwatch {

// Metadata common to every object.
struct ObjectMeta {
  std::string ns, name, resource_version;
  int64_t generation = 0;
  UnixSeconds created = 0;
  std::string owner_kind, owner_name;  // the controller owner reference (or the first one)
};

// A keystore entry of a Secret with its bytes decoded from base64, on its way to the parser:
// never stored, wiped when destroyed.
struct SecretKeystore {
  std::string key;  // data key: keystore.p12, truststore.jks, or a kubernetes.keystore_keys one
  std::string bytes;
  SecretKeystore() = default;
  SecretKeystore(const SecretKeystore&) = delete;
  SecretKeystore& operator=(const SecretKeystore&) = delete;
  SecretKeystore(SecretKeystore&&) = default;
  SecretKeystore& operator=(SecretKeystore&&) = default;
  ~SecretKeystore();
};

// Per-kind results. `warning` receives the first field error, if any.
struct DecodeOutput {
  ObjectMeta meta;
  std::string warning;
  // A BOOKMARK annotated k8s.io/initial-events-end: "true": a streaming list's initial
  // events are complete (its resourceVersion is the list's).
  bool initial_events_end = false;
  // Secrets: the keystores found, for the caller to parse with their passwords.
  std::vector<SecretKeystore> keystores;
};

// The data keys cert-manager writes keystores to (spec.keystores.pkcs12 / .jks).
inline constexpr std::string_view kCertManagerKeystoreKeys[] = {"keystore.p12", "truststore.p12",
                                                                "keystore.jks", "truststore.jks"};

void DecodeCertificate(simdjson::ondemand::object obj, CertificateState& out, DecodeOutput& d);
void DecodeCertificateRequest(simdjson::ondemand::object obj, CertificateRequestState& out,
                              DecodeOutput& d);
void DecodeOrder(simdjson::ondemand::object obj, OrderState& out, DecodeOutput& d);
void DecodeChallenge(simdjson::ondemand::object obj, ChallengeState& out, DecodeOutput& d);
// Issuer and ClusterIssuer; `kind` is set by the caller.
void DecodeIssuer(simdjson::ondemand::object obj, IssuerState& out, DecodeOutput& d);
void DecodeIngress(simdjson::ondemand::object obj, IngressState& out, DecodeOutput& d);
// tls.crt is decoded and parsed into facts; the decoded bytes are wiped; tls.key is never
// read. The caller wipes the JSON buffer it owns. The keystore keys (cert-manager's and
// `keystore_keys`) are decoded into d.keystores, unparsed.
void DecodeSecret(simdjson::ondemand::object obj, SecretCertState& out, DecodeOutput& d);
void DecodeSecretWithKeys(simdjson::ondemand::object obj, SecretCertState& out, DecodeOutput& d,
                          const std::vector<std::string>& keystore_keys);

// The keystore settings of a Certificate (spec.keystores.pkcs12 / .jks), read when one of its
// Secret's keystores is parsed; the password is borrowed from the JSON buffer, which the
// caller wipes.
struct CertificateKeystoreSpec {
  bool present = false;                                   // spec.keystores.<format> is set
  std::string password_secret_name, password_secret_key;  // passwordSecretRef
  std::optional<std::string_view> password;               // the literal `password`, if set
};
struct CertificateKeystores {
  CertificateKeystoreSpec pkcs12, jks;
};
void DecodeCertificateKeystores(simdjson::ondemand::object obj, CertificateKeystores& out);

// data[key] of a Secret, base64-decoded (a password Secret); nullopt when absent or invalid.
std::optional<std::string> DecodeSecretDataKey(simdjson::ondemand::object obj,
                                               std::string_view key);
// A core/v1 Event the renewer recorded (annotations certwatch.io/certificate and
// certwatch.io/action; type Normal = success, Warning = error; lastTimestamp, else eventTime,
// else firstTimestamp). Events without the certificate annotation leave `certificate` empty.
void DecodeRenewerEvent(simdjson::ondemand::object obj, RenewerEventState& out, DecodeOutput& d);
// Only metadata (bookmarks, unknown kinds).
void DecodeMetaOnly(simdjson::ondemand::object obj, DecodeOutput& d);

// A watch ERROR event's Status object.
struct StatusObject {
  int64_t code = 0;
  std::string reason, message;
};
void DecodeStatus(simdjson::ondemand::object obj, StatusObject& out);

}  // namespace certwatch
