// The web config file of `--web.config.file`, in the Prometheus exporter-toolkit format, so
// that files written for node_exporter or blackbox_exporter work unchanged:
//
//   tls_server_config:
//     cert_file: server.crt          # relative paths are relative to this file
//     key_file: server.key
//     client_auth_type: RequireAndVerifyClientCert
//     client_ca_file: clients-ca.crt
//     min_version: TLS12
//   basic_auth_users:
//     alice: $2y$10$...              # bcrypt hash (htpasswd -nBC 10 alice)
//
// Loaded with the same strict decoder as the main config (FILE:LINE:COLUMN errors).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace certwatch {

struct ClientAuthPolicy {
  bool request = false;  // ask the client for a certificate
  bool require = false;  // fail the handshake without one
  bool verify = false;   // verify it against client_ca_file
};

struct WebTlsConfig {
  std::string cert_file;  // absolute after loading
  std::string key_file;
  std::string client_ca_file;
  // NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven,
  // RequireAndVerifyClientCert (Go crypto/tls names, as in exporter-toolkit).
  std::string client_auth_type = "NoClientCert";
  std::vector<std::string> client_allowed_sans;  // if set, a verified client's SANs must match one
  std::string min_version = "TLS12";             // TLS10, TLS11, TLS12, TLS13
  std::string max_version = "TLS13";

  // TLS is on when a certificate is configured (the loader requires cert_file with key_file).
  bool enabled() const { return !cert_file.empty(); }
  ClientAuthPolicy client_auth() const;
  // OpenSSL protocol numbers (TLS1_2_VERSION, ...) for SSL_CTX_set_{min,max}_proto_version.
  int min_proto_version() const;
  int max_proto_version() const;
};

struct WebConfigFile {
  std::string source_file;
  WebTlsConfig tls;                                     // tls_server_config
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash; empty = no auth
};

// Reads and validates a web config file; "" is not a valid path (callers skip loading then).
Result<WebConfigFile> LoadWebConfigFile(const std::string& path);
// The same from text; relative paths are resolved against `base_dir` ("" = leave them).
Result<WebConfigFile> ParseWebConfig(std::string_view yaml, const std::string& source_name,
                                     const std::string& base_dir);

// True if `password` matches the bcrypt `hash` ($2y$, $2b$, $2a$), checked with the system's
// crypt library (libxcrypt). Costs one bcrypt evaluation (~50 ms at cost 10): callers should
// cache successes and, for unknown users, still check against a dummy hash so that timing
// does not reveal which users exist.
bool CheckBasicAuthPassword(std::string_view hash, std::string_view password);

// The exporter-toolkit web config reference (Markdown), from its schema table.
std::string WebConfigReferenceMarkdown();

}  // namespace certwatch
