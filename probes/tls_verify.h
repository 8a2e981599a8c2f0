// Verification outcome of a served chain as one stable reason label (certwatch_tls_verify_result)
// plus the hostname check certwatch does itself: the handshake runs with SSL_VERIFY_NONE so
// that the dates of a bad certificate are still read, and the verdict is made here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "state/verify_reason.h"

typedef struct x509_st X509;

namespace certwatch {

// Facts about the served chain that decide between look-alike OpenSSL errors.
struct ChainShape {
  bool top_self_issued = false;     // the last served certificate names itself as issuer
  bool top_has_ca_issuers = false;  // ... and carries an AIA caIssuers URL for its issuer
};

// Maps an X509_V_ERR_* code to a reason (state/verify_reason.h). "incomplete_chain" needs evidence
// that an intermediate exists and was not sent: the served top certificate points at its issuer
// with AIA caIssuers (public CAs always do); without it the issuer is simply unknown, which is
// "unknown_authority".
VerifyReason VerifyReasonOf(long x509_error, const ChainShape& shape);

// RFC 6125 match of `name` (DNS name or IP literal) against the leaf's SANs (CN only when the
// certificate has no DNS SAN, like OpenSSL's default). Wildcards cover one label.
bool HostnameMatches(X509* leaf, std::string_view name);

ChainShape ShapeOf(X509* top);

// "what to do" line of the one-shot report for a reason (or for none).
std::string_view VerifyAdvice(std::optional<VerifyReason> reason);

}  // namespace certwatch
