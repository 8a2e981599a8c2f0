// Why a TLS probe's verification came out as it did: one spelling per reason, written by the
// prober into TlsProbeResult::verify_reason and read by the collector
// (certwatch_tls_verify_result{reason}), the state API, the landing page and `probe tls`.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace certwatch {

enum class VerifyReason {
  kOk,                // chain and hostname verify
  kExpired,           // a certificate of the chain is past notAfter
  kNotYetValid,       // ... before notBefore
  kBadDates,          // a date field that cannot be read
  kHostnameMismatch,  // the leaf does not cover the server name
  kUnknownAuthority,  // no path to a trusted root
  kSelfSigned,        // the server sends a self-signed certificate
  kIncompleteChain,   // the intermediate exists (AIA caIssuers) but is not sent
  kRevoked,           // a fresh CRL or a stapled OCSP response lists it
  kBadSignature,      // a signature does not verify, or a key or digest is too weak
  kInvalidPurpose,    // the leaf is not for TLS servers
  kInvalidCa,         // an intermediate is not a CA, or the path is too long
  kUnknown,           // another X509_V_ERR_* code
  kNoCertificate,     // the handshake completed without a server certificate
  kHandshakeFailed,   // TLS alert, garbage, a chain over the size limit, ...
  kStartTlsFailed,    // the plaintext STARTTLS exchange failed
  kConnectFailed,     // TCP connect refused, unreachable, ...
  kResolveFailed,     // the host name does not resolve
  kTimeout,           // no finished handshake before the deadline
  kConfigError,       // the target's options cannot be used (a CA file that does not load)
};

inline constexpr std::array<VerifyReason, 20> kVerifyReasons = {
    VerifyReason::kOk,
    VerifyReason::kExpired,
    VerifyReason::kNotYetValid,
    VerifyReason::kBadDates,
    VerifyReason::kHostnameMismatch,
    VerifyReason::kUnknownAuthority,
    VerifyReason::kSelfSigned,
    VerifyReason::kIncompleteChain,
    VerifyReason::kRevoked,
    VerifyReason::kBadSignature,
    VerifyReason::kInvalidPurpose,
    VerifyReason::kInvalidCa,
    VerifyReason::kUnknown,
    VerifyReason::kNoCertificate,
    VerifyReason::kHandshakeFailed,
    VerifyReason::kStartTlsFailed,
    VerifyReason::kConnectFailed,
    VerifyReason::kResolveFailed,
    VerifyReason::kTimeout,
    VerifyReason::kConfigError,
};

constexpr std::string_view ToString(VerifyReason r) {
  switch (r) {
    case VerifyReason::kOk:
      return "ok";
    case VerifyReason::kExpired:
      return "expired";
    case VerifyReason::kNotYetValid:
      return "not_yet_valid";
    case VerifyReason::kBadDates:
      return "bad_dates";
    case VerifyReason::kHostnameMismatch:
      return "hostname_mismatch";
    case VerifyReason::kUnknownAuthority:
      return "unknown_authority";
    case VerifyReason::kSelfSigned:
      return "self_signed";
    case VerifyReason::kIncompleteChain:
      return "incomplete_chain";
    case VerifyReason::kRevoked:
      return "revoked";
    case VerifyReason::kBadSignature:
      return "bad_signature";
    case VerifyReason::kInvalidPurpose:
      return "invalid_purpose";
    case VerifyReason::kInvalidCa:
      return "invalid_ca";
    case VerifyReason::kUnknown:
      return "unknown";
    case VerifyReason::kNoCertificate:
      return "no_certificate";
    case VerifyReason::kHandshakeFailed:
      return "handshake_failed";
    case VerifyReason::kStartTlsFailed:
      return "starttls_failed";
    case VerifyReason::kConnectFailed:
      return "connect_failed";
    case VerifyReason::kResolveFailed:
      return "resolve_failed";
    case VerifyReason::kTimeout:
      return "timeout";
    case VerifyReason::kConfigError:
      return "config_error";
  }
  return "unknown";
}

// A reason that may be absent (not probed yet, or no verification ran) is spelled "" in the
// state API and in `probe tls`.
constexpr std::string_view ToString(std::optional<VerifyReason> r) { return r ? ToString(*r) : ""; }

// The reason spelled `s`; empty for "" and for a spelling of another version.
constexpr std::optional<VerifyReason> ParseVerifyReason(std::string_view s) {
  for (VerifyReason r : kVerifyReasons) {
    if (ToString(r) == s) return r;
  }
  return std::nullopt;
}

}  // namespace certwatch
