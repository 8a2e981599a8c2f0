#include "probes/tls_verify.h"

#include <arpa/inet.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "common/handles.h"

namespace certwatch {
namespace {

bool IsIpLiteral(std::string_view name) {
  std::string s(name);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

using AuthorityInfoAccessPtr =
    std::unique_ptr<AUTHORITY_INFO_ACCESS, FnDeleter<AUTHORITY_INFO_ACCESS_free>>;

}  // namespace

VerifyReason VerifyReasonOf(long err, const ChainShape& shape) {
  switch (err) {
    case X509_V_OK:
      return VerifyReason::kOk;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return VerifyReason::kExpired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return VerifyReason::kNotYetValid;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      return VerifyReason::kSelfSigned;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return VerifyReason::kUnknownAuthority;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      if (!shape.top_self_issued && shape.top_has_ca_issuers) return VerifyReason::kIncompleteChain;
      return VerifyReason::kUnknownAuthority;
    case X509_V_ERR_CERT_REVOKED:
      return VerifyReason::kRevoked;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_KEY_TOO_SMALL:
    case X509_V_ERR_CA_MD_TOO_WEAK:
      return VerifyReason::kBadSignature;
    case X509_V_ERR_INVALID_PURPOSE:
      return VerifyReason::kInvalidPurpose;
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
      return VerifyReason::kInvalidCa;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return VerifyReason::kHostnameMismatch;
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
      return VerifyReason::kBadDates;
    default:
      return VerifyReason::kUnknown;
  }
}

bool HostnameMatches(X509* leaf, std::string_view name) {
  if (!leaf || name.empty()) return false;
  std::string n(name);
  if (IsIpLiteral(name)) return X509_check_ip_asc(leaf, n.c_str(), 0) == 1;
  return X509_check_host(leaf, n.data(), n.size(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) ==
         1;
}

ChainShape ShapeOf(X509* top) {
  ChainShape shape;
  if (!top) return shape;
  shape.top_self_issued = X509_NAME_cmp(X509_get_subject_name(top), X509_get_issuer_name(top)) == 0;
  AuthorityInfoAccessPtr aia(static_cast<AUTHORITY_INFO_ACCESS*>(
      X509_get_ext_d2i(top, NID_info_access, nullptr, nullptr)));
  if (aia) {
    for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia.get()); ++i) {
      const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia.get(), i);
      if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers && ad->location->type == GEN_URI) {
        shape.top_has_ca_issuers = true;
      }
    }
  }
  return shape;
}

std::string_view VerifyAdvice(std::optional<VerifyReason> reason) {
  constexpr std::string_view kInspect = "inspect the chain below with openssl s_client -showcerts";
  if (!reason) return kInspect;
  switch (*reason) {
    case VerifyReason::kOk:
      return "nothing to do";
    case VerifyReason::kExpired:
      return "the served certificate has expired: check the Certificate's Ready condition "
             "(certwatch status certificate), renew it, then reload the server";
    case VerifyReason::kNotYetValid:
      return "the served certificate is not valid yet: check the clock of this host and of "
             "the issuer";
    case VerifyReason::kHostnameMismatch:
      return "the certificate does not cover this name: add it to the Certificate's dnsNames, "
             "or check that the Ingress/SNI route serves the right Secret";
    case VerifyReason::kUnknownAuthority:
      return "the chain does not lead to a trusted root: pass --ca-file for a private CA, or "
             "check the issuer serves a publicly trusted chain";
    case VerifyReason::kSelfSigned:
      return "the server sends a self-signed certificate: is the default (fake) certificate "
             "of the ingress controller served because the Secret is missing or invalid?";
    case VerifyReason::kIncompleteChain:
      return "the server does not send the intermediate certificate: serve the full chain "
             "(tls.crt must hold leaf + intermediates)";
    case VerifyReason::kRevoked:
      return "the certificate is revoked: reissue it";
    case VerifyReason::kHandshakeFailed:
      return "the TLS handshake failed: check protocol versions, client certificate "
             "requirements and that the port speaks TLS";
    case VerifyReason::kConnectFailed:
      return "the TCP connection failed: check address, port, firewall and that the server runs";
    case VerifyReason::kTimeout:
      return "no answer in time: the server accepted but did not complete the handshake, or "
             "packets are dropped";
    case VerifyReason::kResolveFailed:
      return "the host name does not resolve";
    case VerifyReason::kStartTlsFailed:
      return "the plaintext STARTTLS exchange failed: check the protocol and that TLS is enabled";
    // No advice of their own: the chain and the error above say more.
    case VerifyReason::kBadDates:
    case VerifyReason::kBadSignature:
    case VerifyReason::kInvalidPurpose:
    case VerifyReason::kInvalidCa:
    case VerifyReason::kUnknown:
    case VerifyReason::kNoCertificate:
    case VerifyReason::kConfigError:
      return kInspect;
  }
  return kInspect;
}

}  // namespace certwatch
