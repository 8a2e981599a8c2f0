// The one HTTP(S) server of `certwatch serve` (cpp-httplib; NOTES.md says why not CivetWeb):
// /metrics, /healthz, /readyz, /api/v1/state, /, POST /-/reload, behind optional TLS (with
// client certificates) and basic auth from the exporter-toolkit web config. httplib.h is
// included by server.cc only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "exporter/web/handlers.h"

namespace certwatch {

struct WebTlsOptions {
  std::string cert_file, key_file;
  std::string client_ca_file;
  // exporter-toolkit names: NoClientCert, RequestClientCert, RequireAnyClientCert,
  // VerifyClientCertIfGiven, RequireAndVerifyClientCert. "" = NoClientCert.
  std::string client_auth_type;
  // When not empty, a verified client certificate must carry one of these SANs (DNS name,
  // IP address, e-mail or URI), as exporter-toolkit's client_allowed_sans.
  std::vector<std::string> client_allowed_sans;
  std::string min_version = "TLS12";  // TLS10, TLS11, TLS12, TLS13
  std::string max_version;            // "" = newest
};

struct WebServerOptions {
  std::string listen_address = "0.0.0.0:9480";
  std::optional<WebTlsOptions> tls;
  // user → bcrypt hash; empty = no authentication.
  std::map<std::string, std::string> basic_auth_users;
  // (password, hash) → matches (bcrypt: slow by design). Required when basic_auth_users is not
  // empty. Successes are cached per (user, password, hash); unknown users still cost one check
  // so that timing does not reveal which users exist.
  std::function<bool(const std::string& password, const std::string& hash)> check_password;
};

class WebServer {
 public:
  // Binds the listen address and serves on a background thread until Stop().
  static Result<std::unique_ptr<WebServer>> Start(const WebServerOptions& options,
                                                  WebContext context);
  struct Impl;
  explicit WebServer(std::unique_ptr<Impl> impl);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  void Stop();
  int port() const;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace certwatch
