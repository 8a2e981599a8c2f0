// Keystores: the certificates of PKCS#12 (OpenSSL) and Java KeyStore (our own parser) stores,
// with the alias each format gives them. Private keys are never decrypted: a PKCS#12 key bag
// is only matched to its certificate by localKeyId, a JKS key entry's encrypted bytes are
// skipped. The password is borrowed; the buffers derived from it here are wiped before return.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/x509.h"

namespace certwatch::keystore {

enum class Format { kPkcs12, kJks };
std::string_view ToString(Format f);  // "pkcs12", "jks"

// Why a keystore cannot be read. The string forms are label values
// (certwatch_keystore_error{reason}, certwatch_file_read_errors{reason}): keep them stable.
enum class Reason {
  kWrongPassword,          // MAC / integrity digest does not match the password
  kMissingPassword,        // no password was given and the empty password does not match
  kCorrupt,                // truncated, malformed, or not this format
  kNoCertificate,          // a private-key entry without its certificate, or no certificate
  kLegacyProviderMissing,  // RC2/RC4/DES bags need OpenSSL's "legacy" provider, which is absent
};
std::string_view ToString(Reason r);

struct KeystoreCert {
  std::string alias;  // JKS alias; PKCS#12 friendlyName ("" when the bag has none)
  CertFacts facts;
};

// What a store yields: its certificates, and an error when it could not be read whole. A
// store with a key entry lacking its certificate still yields the other certificates.
struct Outcome {
  std::vector<KeystoreCert> certs;
  std::optional<Reason> reason;  // empty: read whole
  std::string error;             // the message for logs; never the password
  bool ok() const { return !reason.has_value(); }
};

// The format `data` starts like: JKS magic 0xFEEDFEED, or a PKCS#12 PFX (DER SEQUENCE whose
// first member is INTEGER 3). Anything else: nullopt (PEM, a DER certificate, ...).
std::optional<Format> Sniff(std::string_view data);

// `password` nullopt: none configured; the empty password is tried and a mismatch is
// kMissingPassword rather than kWrongPassword.
Outcome ParsePkcs12(std::string_view data, std::optional<std::string_view> password);
Outcome ParseJks(std::string_view data, std::optional<std::string_view> password);
Outcome Parse(Format format, std::string_view data, std::optional<std::string_view> password);

// A password as Java hashes it: UTF-16BE code units of the UTF-8 `password` (invalid UTF-8
// bytes map to U+FFFD). The caller wipes the result.
std::string Utf16Be(std::string_view password);

}  // namespace certwatch::keystore
