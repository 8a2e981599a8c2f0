// A TLS target resolved once, when the config is loaded: its address parsed, its server name
// defaulted to the host, its minimum version and STARTTLS protocol parsed. The exporter's
// schedule, `status certificate` and `probe tls` all probe a ResolvedTlsTarget, so a default
// is applied in one place, and check-config rejects two targets with one resolved Key().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace certwatch {

struct TlsTargetConfig;

enum class TlsVersion { kDefault, kTls1_0, kTls1_1, kTls1_2, kTls1_3 };

// "TLS1.2" / "TLS12" / "1.2" / "TLSv1.2" (and 1.0, 1.1, 1.3); "" = kDefault (OpenSSL's).
Result<TlsVersion> ParseTlsVersion(std::string_view s);

enum class StartTlsProtocol { kNone, kSmtp, kPostgres };

Result<StartTlsProtocol> ParseStartTls(std::string_view s);  // "", "none", "smtp", "postgres"
std::string_view ToString(StartTlsProtocol p);

struct ResolvedTlsTarget {
  std::string address;  // as configured: the `target` label
  std::string host;     // without brackets
  uint16_t port = 0;
  std::string server_name;  // SNI and the name checked: as configured, else the host
  std::string ca_file;
  std::string client_cert_file, client_key_file;
  TlsVersion min_version = TlsVersion::kDefault;
  StartTlsProtocol starttls = StartTlsProtocol::kNone;
  std::string certificate;  // "namespace/name" of the Certificate it should serve, or ""

  // One target per key: the host (case-insensitive), port and server name (case-insensitive).
  std::string Key() const;
};

// Errors start with the field: `address: bad address "x": missing port (want host:port)`,
// `min_version: unknown TLS version "TLS0.9" (want TLS1.2 or TLS1.3)`.
Result<ResolvedTlsTarget> ResolveTlsTarget(const TlsTargetConfig& target);

}  // namespace certwatch
