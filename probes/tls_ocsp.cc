#include "probes/tls_ocsp.h"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>

#include "common/handles.h"
#include "common/x509.h"

namespace certwatch {
namespace {

using OcspResponsePtr = std::unique_ptr<OCSP_RESPONSE, FnDeleter<OCSP_RESPONSE_free>>;
using OcspBasicPtr = std::unique_ptr<OCSP_BASICRESP, FnDeleter<OCSP_BASICRESP_free>>;
using OcspCertIdPtr = std::unique_ptr<OCSP_CERTID, FnDeleter<OCSP_CERTID_free>>;

// ASN1_GENERALIZEDTIME is an ASN1_TIME (one ASN1_STRING type in OpenSSL 3).
std::optional<UnixSeconds> ToUnix(const ASN1_GENERALIZEDTIME* t) { return Asn1TimeToUnix(t); }

std::string StatusName(int status) {
  switch (status) {
    case V_OCSP_CERTSTATUS_GOOD:
      return "good";
    case V_OCSP_CERTSTATUS_REVOKED:
      return "revoked";
    default:
      return "unknown";
  }
}

}  // namespace

StapledOcsp ParseStapledOcsp(const unsigned char* der, long len, X509* leaf, X509* issuer) {
  StapledOcsp out;
  if (!der || len <= 0) return out;
  const unsigned char* p = der;
  OcspResponsePtr resp(d2i_OCSP_RESPONSE(nullptr, &p, len));
  if (!resp) {
    ERR_clear_error();
    out.error = "stapled OCSP response is not valid DER";
    return out;
  }
  int rs = OCSP_response_status(resp.get());
  if (rs != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    out.error = std::string("stapled OCSP response status: ") + OCSP_response_status_str(rs);
    return out;
  }
  OcspBasicPtr basic(OCSP_response_get1_basic(resp.get()));
  if (!basic) {
    ERR_clear_error();
    out.error = "stapled OCSP response has no basic response";
    return out;
  }
  if (!leaf) {
    out.error = "no leaf certificate to match the stapled OCSP response";
    return out;
  }
  const ASN1_INTEGER* leaf_serial = X509_get0_serialNumber(leaf);
  OcspCertIdPtr want;
  if (issuer) want.reset(OCSP_cert_to_id(nullptr, leaf, issuer));
  for (int i = 0; i < OCSP_resp_count(basic.get()); ++i) {
    OCSP_SINGLERESP* single = OCSP_resp_get0(basic.get(), i);
    const OCSP_CERTID* id = OCSP_SINGLERESP_get0_id(single);
    bool match = false;
    if (want) {
      match = OCSP_id_cmp(want.get(), id) == 0;
    } else {
      ASN1_INTEGER* serial = nullptr;
      if (OCSP_id_get0_info(nullptr, nullptr, nullptr, &serial, const_cast<OCSP_CERTID*>(id)) ==
              1 &&
          serial) {
        match = ASN1_INTEGER_cmp(serial, leaf_serial) == 0;
      }
    }
    if (!match) continue;
    int reason = 0;
    ASN1_GENERALIZEDTIME *revtime = nullptr, *thisupd = nullptr, *nextupd = nullptr;
    int status = OCSP_single_get0_status(single, &reason, &revtime, &thisupd, &nextupd);
    out.status = StatusName(status);
    out.this_update = ToUnix(thisupd);
    out.next_update = ToUnix(nextupd);
    return out;
  }
  ERR_clear_error();
  out.error = "stapled OCSP response does not cover the served leaf";
  return out;
}

}  // namespace certwatch
