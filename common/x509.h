// Certificate facts: the few fields certwatch keeps from an X.509 certificate (never the key).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

typedef struct x509_st X509;
typedef struct asn1_string_st ASN1_TIME;
typedef struct X509_name_st X509_NAME;

namespace certwatch {

// The public key's algorithm, as the key_type label spells it (KeyTypeName).
enum class KeyType : uint8_t { kUnknown, kRsa, kRsaPss, kEcdsa, kEd25519, kEd448, kDsa, kDh };

// What TLS clients refuse in a certificate (certwatch_*_cert_weak{reason}), as bits of
// CertFacts::weak. A self-signed certificate is a root: its own signature is never checked by
// a client, so only its key counts.
enum WeakReason : uint8_t {
  kWeakRsaKey = 1 << 0,  // RSA (or RSA-PSS) key under 2048 bits: rsa_key_too_small
  kWeakEcKey = 1 << 1,   // ECDSA key under 256 bits: ec_key_too_small
  kWeakSha1 = 1 << 2,    // SHA-1 signature on a certificate that is not self-signed
  kWeakMd5 = 1 << 3,     // MD5 signature on a certificate that is not self-signed
};
inline constexpr WeakReason kWeakReasons[] = {kWeakRsaKey, kWeakEcKey, kWeakSha1, kWeakMd5};

struct CertFacts {
  std::string subject;             // RFC 2253, e.g. "CN=kube-apiserver"
  std::string issuer;              // RFC 2253
  std::string serial;              // lower-case hex, no leading zeros stripped beyond one
  std::string fingerprint_sha256;  // lower-case hex of the DER
  int64_t not_before = 0;          // unix seconds
  int64_t not_after = 0;           // unix seconds
  std::vector<std::string> dns_names;
  int signature_nid = 0;  // X509_get_signature_nid; 0 (NID_undef) when unknown
  uint32_t key_bits = 0;  // EVP_PKEY_get_bits: 2048, 256 (P-256 and Ed25519), 456 (Ed448)
  KeyType key_type = KeyType::kUnknown;
  uint8_t weak = 0;  // WeakReason bits
  bool is_ca = false;
  bool self_signed = false;
  std::string authority_key_id = {};       // lower-case hex of the AKI keyIdentifier; "" = none
  std::vector<std::string> crl_urls = {};  // CRL Distribution Points, URI form (http/https only)
};

// "rsa", "rsa_pss", "ecdsa", "ed25519", "ed448", "dsa", "dh", "unknown".
std::string_view KeyTypeName(KeyType t);
// OpenSSL's long name of a signature algorithm (OBJ_nid2ln): "sha256WithRSAEncryption",
// "ecdsa-with-SHA256", "ED25519"; "" for NID_undef.
std::string_view SignatureAlgorithmName(int nid);
// rsa_key_too_small, ec_key_too_small, sha1_signature, md5_signature.
std::string_view WeakReasonName(WeakReason r);

// WeakReason bits of one certificate (what FactsFromX509 stores in CertFacts::weak), for
// callers that need only that of a chain's other certificates.
uint8_t WeaknessOf(X509* cert);

// Unix seconds of an ASN1_TIME (notBefore/notAfter, CRL and OCSP times); empty for null or
// malformed times.
std::optional<int64_t> Asn1TimeToUnix(const ASN1_TIME* t);

// Facts of one parsed certificate.
Result<CertFacts> FactsFromX509(X509* cert);

// Every certificate in `data`: PEM (any number of CERTIFICATE blocks; other blocks such as
// private keys are skipped without being decoded) or a single DER certificate. An input with
// no certificate is an error.
Result<std::vector<CertFacts>> ParseCertificates(std::string_view data);

// A name as RFC 2253 text, as CertFacts::subject and ::issuer hold it.
std::string NameToString(const X509_NAME* name);

// Lower-case hex of the subjectKeyIdentifier; "" when the certificate has none.
std::string SubjectKeyIdOf(X509* cert);

// The DER of the certificate in `chain_pem` or `extra_pem` (PEM bundles, e.g. a Secret's
// tls.crt and ca.crt) that issued the first certificate of `chain_pem`; "" when none of them
// did (or the leaf is self-signed). Other PEM blocks are skipped without being decoded.
std::string IssuerDerOf(std::string_view chain_pem, std::string_view extra_pem);

// Lower-case hex of bytes.
std::string HexEncode(const unsigned char* data, size_t len);

// Drains OpenSSL's thread-local error queue into one line ("error:0A000086:...; ...").
std::string DrainOpenSslErrors();

}  // namespace certwatch
