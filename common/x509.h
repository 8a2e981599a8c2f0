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

struct CertFacts {
  std::string subject;             // RFC 2253, e.g. "CN=kube-apiserver"
  std::string issuer;              // RFC 2253
  std::string serial;              // lower-case hex, no leading zeros stripped beyond one
  std::string fingerprint_sha256;  // lower-case hex of the DER
  int64_t not_before = 0;          // unix seconds
  int64_t not_after = 0;           // unix seconds
  std::vector<std::string> dns_names;
  bool is_ca = false;
  bool self_signed = false;
  std::string authority_key_id = {};       // lower-case hex of the AKI keyIdentifier; "" = none
  std::vector<std::string> crl_urls = {};  // CRL Distribution Points, URI form (http/https only)
};

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
