#include "revocation/crl.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>

#include "common/strings.h"
#include "common/x509.h"

namespace certwatch {
namespace {

using AkidPtr = std::unique_ptr<AUTHORITY_KEYID, FnDeleter<AUTHORITY_KEYID_free>>;

std::string SerialHex(const ASN1_INTEGER* serial) {
  BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) return "";
  OpenSslString hex(BN_bn2hex(bn.get()));
  return hex ? AsciiLower(hex.get()) : "";
}

}  // namespace

Result<ParsedCrl> ParseCrl(std::string_view data) {
  if (data.size() > static_cast<size_t>(INT_MAX)) return Error{"CRL too large"};
  ParsedCrl out;
  if (data.find("-----BEGIN X509 CRL-----") != std::string_view::npos) {
    BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    if (!bio) return Error{"out of memory"};
    out.crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    if (!out.crl) {
      ERR_clear_error();
      return Error{"PEM X509 CRL block is not a valid CRL"};
    }
  } else {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
    out.crl.reset(d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size())));
    if (!out.crl) {
      ERR_clear_error();
      return Error{"not a CRL (neither PEM nor DER)"};
    }
  }
  X509_CRL* crl = out.crl.get();
  out.issuer = NameToString(X509_CRL_get_issuer(crl));
  out.this_update = Asn1TimeToUnix(X509_CRL_get0_lastUpdate(crl));
  if (!out.this_update) {
    ERR_clear_error();
    return Error{"thisUpdate is not a valid time"};
  }
  if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl)) {
    out.next_update = Asn1TimeToUnix(next);
    if (!out.next_update) {
      ERR_clear_error();
      return Error{"nextUpdate is not a valid time"};
    }
  }
  int crit = 0;
  AkidPtr akid(static_cast<AUTHORITY_KEYID*>(
      X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, &crit, nullptr)));
  if (akid && akid->keyid) {
    out.authority_key_id = HexEncode(ASN1_STRING_get0_data(akid->keyid),
                                     static_cast<size_t>(ASN1_STRING_length(akid->keyid)));
  }
  if (STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl)) {
    const int n = sk_X509_REVOKED_num(revoked);
    out.revoked.reserve(static_cast<size_t>(std::max(n, 0)));
    for (int i = 0; i < n; ++i) {
      const X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
      std::string serial = SerialHex(X509_REVOKED_get0_serialNumber(r));
      if (!serial.empty()) out.revoked.push_back(std::move(serial));
    }
  }
  std::sort(out.revoked.begin(), out.revoked.end());
  out.revoked.erase(std::unique(out.revoked.begin(), out.revoked.end()), out.revoked.end());
  ERR_clear_error();
  return out;
}

bool CrlSignedBy(const ParsedCrl& crl, X509* issuer) {
  if (!crl.crl || !issuer) return false;
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl.crl.get()), X509_get_subject_name(issuer)) != 0) {
    return false;
  }
  if (!crl.authority_key_id.empty()) {
    std::string ski = SubjectKeyIdOf(issuer);
    if (!ski.empty() && ski != crl.authority_key_id) return false;
  }
  if ((X509_get_extension_flags(issuer) & EXFLAG_KUSAGE) &&
      !(X509_get_key_usage(issuer) & KU_CRL_SIGN)) {
    return false;
  }
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  bool ok = key && X509_CRL_verify(crl.crl.get(), key) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace certwatch
